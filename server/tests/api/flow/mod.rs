//! The request-flow page and its server functions, through the real Router with Host
//! headers: measured stages (present, non-negative, in order), the replay of other hosts,
//! and the database-routing comparison.

mod page;
mod replay;
mod routing;

use serde_json::Value;

use crate::helpers::{Reply, TestApp, PUBLIC};

/// Calls a server function of the page as the browser would from `host`'s page.
pub(super) async fn call(
    app: &TestApp,
    host: &str,
    function: &str,
    form: &[(&str, &str)],
) -> Reply {
    call_as(app, host, function, form, None).await
}

/// [`call`] with a session cookie.
pub(super) async fn call_as(
    app: &TestApp,
    host: &str,
    function: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> Reply {
    app.call_form(host, &format!("flow/{function}"), form, cookie)
        .await
}

/// The routing panel comparing techstore with fashion, as whoever `cookie` logs in.
pub(super) async fn routing_tech_fashion(app: &TestApp, cookie: Option<&str>) -> Reply {
    let stores = [("left", "techstore"), ("right", "fashion")];
    call_as(app, PUBLIC, "routing", &stores, cookie).await
}

/// The `key` of every element of a JSON list, as strings.
pub(super) fn each<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap())
        .collect()
}

pub(super) fn kinds(trace: &Value) -> Vec<&str> {
    each(&trace["stages"], "kind")
}

/// The stages of a request that reaches a store.
pub(super) const STORE_PATH: [&str; 7] = [
    "received",
    "middleware",
    "lookup",
    "tenant_found",
    "schema_switch",
    "query",
    "response",
];

/// Every stage has a non-negative integer start and duration, is numbered in order, and
/// starts no earlier than the previous one ended; the total covers the last stage.
pub(super) fn assert_measured_in_order(trace: &Value) {
    let stages = trace["stages"].as_array().expect("stages");
    assert!(!stages.is_empty());
    let mut previous_end = 0;
    for (i, stage) in stages.iter().enumerate() {
        assert_eq!(stage["step"].as_u64(), Some(i as u64 + 1), "{stage}");
        let started = stage["started_us"]
            .as_u64()
            .unwrap_or_else(|| panic!("no started_us: {stage}"));
        let duration = stage["duration_us"]
            .as_u64()
            .unwrap_or_else(|| panic!("no duration_us: {stage}"));
        assert!(
            started >= previous_end,
            "stage {} starts before the previous one ended: {trace}",
            i + 1
        );
        previous_end = started + duration;
    }
    assert!(
        trace["total_us"].as_u64().unwrap() >= previous_end,
        "{trace}"
    );
}

pub(super) fn stage<'a>(trace: &'a Value, kind: &str) -> &'a Value {
    trace["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} stage: {trace}"))
}
