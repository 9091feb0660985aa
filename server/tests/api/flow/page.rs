//! The page itself: every stage measured in order, the JSON route sharing its steps,
//! rendered on the server on every host.

use axum::http::header;
use marketplace::tenancy::registry;
use marketplace::{catalog, orders};
use serde_json::{json, Value};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{assert_measured_in_order, call, call_as, each, kinds, stage, STORE_PATH};
use crate::helpers::{TestApp, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn the_page_measures_every_stage_of_its_request_in_order(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let first = call(&app, TECH, "overview", &[]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let overview = first.json();
    let trace = &overview["trace"];
    assert_eq!(kinds(trace), STORE_PATH);
    assert_measured_in_order(trace);
    assert_eq!(trace["host"], TECH);
    assert_eq!(trace["hostname"], "techstore.localhost");
    assert_eq!(trace["tenant"], "TechStore");
    assert_eq!(trace["schema"], "techstore");
    assert_eq!(trace["status"], 200);
    assert_eq!(trace["replayed"], false);
    // What PostgreSQL itself reported inside the store's transaction.
    assert_eq!(trace["search_path"], "techstore, public");

    // The first request for the host missed the cache and ran the domain query.
    assert_eq!(trace["cache_hit"], false);
    let lookup = stage(trace, "lookup");
    assert_eq!(lookup["outcome"], "cache_miss");
    assert_eq!(lookup["sql"], json!([registry::FIND_BY_DOMAIN_SQL]));
    // The statements that ran: the switch, then the core call behind /data/.
    assert_eq!(
        stage(trace, "schema_switch")["sql"],
        json!([
            "begin read only; set local search_path to \"techstore\", public; \
             set local role \"mkt_techstore\""
        ])
    );
    let query = stage(trace, "query");
    assert_eq!(query["sql"], json!([catalog::LIST_SQL, orders::LIST_SQL]));
    assert!(
        query["observed"].as_str().unwrap().contains("2 products"),
        "{query}"
    );

    let again = call(&app, TECH, "overview", &[]).await.json();
    assert_eq!(again["trace"]["cache_hit"], true);
    assert_eq!(stage(&again["trace"], "lookup")["outcome"], "cache_hit");
    assert_eq!(stage(&again["trace"], "lookup")["sql"], json!([]));

    // The page opens with the stores to choose from; on a store's host it compares
    // none (that would read another store's data)...
    assert_eq!(
        each(&overview["stores"], "host"),
        ["techstore.localhost:8000", "fashion.localhost:8000"]
    );
    assert_eq!(overview["can_compare"], false);
    assert_eq!(overview["routing"], Value::Null);
    // ...for platform staff on the platform's host it compares the first two.
    let staff = app.platform_staff().await;
    let overview = call_as(&app, PUBLIC, "overview", &[], Some(&staff))
        .await
        .json();
    assert_eq!(overview["can_compare"], true);
    assert_eq!(overview["routing"]["left"]["schema"], "techstore");
    assert_eq!(overview["routing"]["right"]["schema"], "fashion");
}

#[sqlx::test(migrations = false)]
async fn request_flow_json_and_the_page_share_their_steps(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let json = app.get(TECH, "/request-flow/").await.json();
    let page = call(&app, TECH, "overview", &[]).await.json();
    let seed_steps = |steps: &Value| -> Vec<(Value, Value)> {
        steps
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .map(|s| (s["step"].clone(), s["details"].clone()))
            .collect()
    };
    let mut from_page = seed_steps(&page["trace"]["stages"]);
    // The path differs (the page's server function, the JSON route); the rest is one text.
    from_page[0].1 = json["request_flow"][0]["details"].clone();
    assert_eq!(seed_steps(&json["request_flow"]), from_page);
    let steps = json["request_flow"].as_array().unwrap();
    for step in steps {
        assert!(
            step["started_us"].is_u64() && step["duration_us"].is_u64(),
            "{step}"
        );
    }

    // The public host keeps answering, marked public, with nothing switched.
    let public = app.get("localhost:8000", "/request-flow/").await;
    assert_eq!(public.status, 200);
    let public = public.json();
    assert_eq!(public["current_state"]["is_public"], true);
    assert_eq!(public["current_state"]["schema"], "public");
    assert_eq!(public["current_state"]["tenant"], "No tenant");
    assert_eq!(
        each(&public["request_flow"], "action"),
        [
            "Request Received",
            "TenantMainMiddleware Processing",
            "Domain Lookup",
            "Public Host",
            "Schema Switch"
        ]
    );
    assert_eq!(
        public["request_flow"][4]["details"],
        "PostgreSQL: SET search_path TO public;"
    );
    assert_eq!(public["request_flow"][4]["duration_us"], 0);
}

#[sqlx::test(migrations = false)]
async fn the_page_is_rendered_on_the_server_on_every_host(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let redirect = app.get(TECH, "/flow/").await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.headers[header::LOCATION], "/flow");

    let page = app.get(TECH, "/flow").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.schema(), Some("techstore"));
    for expected in [
        "<title>Request flow</title>",
        "<h1>Request flow</h1>",
        r#"data-fact="schema">techstore<"#,
        "set local search_path to",
        "Tenant middleware",
        " µs",
        "Try another host",
        "Database routing",
    ] {
        assert!(page.body.contains(expected), "missing {expected:?}");
    }
    let order: Vec<usize> = STORE_PATH
        .iter()
        .map(|kind| {
            page.body
                .find(&format!(r#"data-stage="{kind}""#))
                .unwrap_or_else(|| panic!("no {kind}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "stages out of order: {order:?}"
    );

    let public = app.get("localhost:8000", "/flow").await;
    assert_eq!(public.status, 200);
    assert_eq!(public.schema(), Some("public"));
    assert!(public.body.contains(r#"data-fact="schema">public<"#));
    assert!(public.body.contains(r#"data-stage="public_host""#));
    assert!(
        public.body.contains("pg_catalog"),
        "the pool's neutral search_path is shown"
    );
    assert!(!public.body.contains(r#"data-stage="tenant_found""#));
}
