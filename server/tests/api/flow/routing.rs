//! Database routing: the same SQL in two stores reads disjoint rows, for platform
//! staff only.

use marketplace::{catalog, orders};
use serde_json::{json, Value};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{call, call_as, routing_tech_fashion};
use crate::helpers::{TestApp, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn routing_runs_the_same_sql_in_two_stores_and_reads_disjoint_rows(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    // Comparing stores reads their rows: refused to a store's visitors (whichever
    // store) and to anonymous visitors of the platform's host.
    for host in [TECH, "fashion.localhost:8000", PUBLIC] {
        let refused = call(
            &app,
            host,
            "routing",
            &[("left", "techstore"), ("right", "fashion")],
        )
        .await;
        assert_eq!(refused.status, 403, "{host}: {}", refused.body);
        assert!(!refused.body.contains("Laptop") && !refused.body.contains("T-Shirt"));
    }
    let staff = app.platform_staff().await;
    let reply = routing_tech_fashion(&app, Some(&staff)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let routing = reply.json();
    let (left, right) = (&routing["left"], &routing["right"]);
    assert_eq!(
        left["statements"],
        json!([catalog::LIST_SQL, orders::LIST_SQL])
    );
    assert_eq!(left["statements"], right["statements"]);
    assert_eq!(left["search_path"], "techstore, public");
    assert_eq!(right["search_path"], "fashion, public");
    let labels = |rows: &Value| -> Vec<String> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["label"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(labels(&left["products"]), ["Laptop", "Mouse"]);
    assert_eq!(labels(&right["products"]), ["T-Shirt", "Jeans"]);
    assert_eq!(labels(&left["orders"]), ["TECH001"]);
    assert_eq!(labels(&right["orders"]), ["FASH001"]);
    assert!(left["switch_us"].is_u64() && left["query_us"].is_u64());

    let unknown = call_as(
        &app,
        PUBLIC,
        "routing",
        &[("left", "techstore"), ("right", "nowhere")],
        Some(&staff),
    )
    .await;
    assert_ne!(unknown.status, 200);
    assert!(
        unknown.json()["NotFound"]
            .as_str()
            .unwrap()
            .contains("nowhere"),
        "{}",
        unknown.body
    );
    let reserved = call_as(
        &app,
        PUBLIC,
        "routing",
        &[("left", "public"), ("right", "fashion")],
        Some(&staff),
    )
    .await;
    assert_eq!(
        reserved.json()["Invalid"]["field"],
        "schema",
        "{}",
        reserved.body
    );
}
