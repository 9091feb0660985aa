//! Replaying other hosts: unknown, another store (read only for platform staff),
//! text that is not a host, a suspended store.

use axum::http::header;
use marketplace::tenancy::{registry, SchemaName, TenantStatus};
use serde_json::{json, Value};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{
    assert_measured_in_order, call, call_as, kinds, routing_tech_fashion, stage, STORE_PATH,
};
use crate::helpers::{TestApp, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn replaying_an_unknown_host_ends_in_404(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let reply = call(&app, TECH, "replay", &[("host", "nobody.localhost:8000")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let trace = reply.json();
    assert_eq!(
        kinds(&trace),
        ["received", "middleware", "lookup", "no_store", "response"]
    );
    assert_measured_in_order(&trace);
    assert_eq!(trace["status"], 404);
    assert_eq!(trace["replayed"], true);
    assert_eq!(trace["hostname"], "nobody.localhost");
    assert_eq!(trace["schema"], Value::Null);
    assert_eq!(trace["search_path"], Value::Null);
    assert_eq!(stage(&trace, "lookup")["outcome"], "cache_miss");
    assert_eq!(stage(&trace, "response")["outcome"], "failed");
    assert!(stage(&trace, "response")["observed"]
        .as_str()
        .unwrap()
        .contains("No store is served at nobody.localhost"));
    // No store's SQL ran for it.
    let statements: Vec<&Value> = trace["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["sql"].as_array().unwrap())
        .collect();
    assert_eq!(statements, [&json!(registry::FIND_BY_DOMAIN_SQL)]);

    // The shared resolver remembered the answer: a second replay is a cache hit.
    let again = call(&app, TECH, "replay", &[("host", "NOBODY.localhost")])
        .await
        .json();
    assert_eq!(again["cache_hit"], true);
    assert_eq!(again["status"], 404);
}

#[sqlx::test(migrations = false)]
async fn replaying_another_store_finds_it_and_reads_it_only_for_platform_staff(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let reply = call_as(
        &app,
        TECH,
        "replay",
        &[("host", "fashion.localhost:8000")],
        Some("mkt_session=a-techstore-session"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Answered by the page's own store; the replay found fashion on the server, and
    // did not enter it: techstore's page reads techstore only.
    assert_eq!(reply.schema(), Some("techstore"));
    assert!(reply.headers.get(header::SET_COOKIE).is_none());
    let trace = reply.json();
    assert_eq!(
        kinds(&trace),
        ["received", "middleware", "lookup", "tenant_found"]
    );
    assert_measured_in_order(&trace);
    assert_eq!(trace["tenant"], "Fashion Boutique");
    assert_eq!(trace["schema"], "fashion");
    assert_eq!(trace["search_path"], Value::Null);
    assert!(!reply.body.contains("T-Shirt") && !reply.body.contains("FASH001"));

    // Platform staff follow it all the way.
    let staff = app.platform_staff().await;
    let trace = call_as(
        &app,
        PUBLIC,
        "replay",
        &[("host", "fashion.localhost:8000")],
        Some(&staff),
    )
    .await
    .json();
    assert_eq!(kinds(&trace), STORE_PATH);
    assert_measured_in_order(&trace);
    assert_eq!(trace["search_path"], "fashion, public");
    assert_eq!(trace["status"], 200);

    let public = call(&app, TECH, "replay", &[("host", "localhost")])
        .await
        .json();
    assert_eq!(
        kinds(&public),
        [
            "received",
            "middleware",
            "lookup",
            "public_host",
            "schema_switch",
            "query",
            "response"
        ]
    );
    assert_eq!(public["schema"], "public");
    assert_eq!(public["search_path"], "pg_catalog");
    assert_eq!(stage(&public, "schema_switch")["outcome"], "skipped");
    assert_eq!(stage(&public, "query")["sql"], json!([registry::LIST_SQL]));
}

#[sqlx::test(migrations = false)]
async fn replay_refuses_text_that_is_not_a_host(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    for bad in [
        "",
        "   ",
        "a b",
        "http://fashion.localhost/",
        "fashion.localhost:http",
        "x:y:z",
    ] {
        let reply = call(&app, TECH, "replay", &[("host", bad)]).await;
        assert_ne!(reply.status, 200, "{bad:?}");
        let error = reply.json();
        assert_eq!(error["Invalid"]["field"], "host", "{bad:?}: {error}");
        let message = error["Invalid"]["message"].as_str().unwrap();
        assert!(
            message.contains("for example fashion.localhost:8000"),
            "{bad:?}: {message}"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn replaying_a_suspended_store_ends_in_503_without_entering_it(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let fashion = registry::get_by_schema(&app.pool, &SchemaName::parse("fashion").unwrap())
        .await
        .unwrap();
    registry::set_status(&app.pool, fashion.id, TenantStatus::Suspended)
        .await
        .unwrap();
    app.state.resolver.invalidate();
    let trace = call(&app, TECH, "replay", &[("host", "fashion.localhost")])
        .await
        .json();
    assert_eq!(
        kinds(&trace),
        [
            "received",
            "middleware",
            "lookup",
            "tenant_found",
            "response"
        ]
    );
    assert_measured_in_order(&trace);
    assert_eq!(trace["status"], 503);
    assert_eq!(trace["tenant"], "Fashion Boutique");
    assert_eq!(trace["schema"], Value::Null);
    assert_eq!(stage(&trace, "tenant_found")["outcome"], "failed");
    // Nor can the routing panel read it, even for platform staff.
    let staff = app.platform_staff().await;
    let routing = routing_tech_fashion(&app, Some(&staff)).await;
    assert!(
        routing.json()["Rejected"]
            .as_str()
            .unwrap()
            .contains("suspended"),
        "{}",
        routing.body
    );
}
