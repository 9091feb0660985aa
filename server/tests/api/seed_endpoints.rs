//! The seed's JSON endpoints through the real Router, with Host headers: the exact
//! responses of SEED.md "Testing the Application".

use crate::helpers::TestApp;

use marketplace::catalog::{self, ProductInput};
use marketplace::tenancy::{registry, SchemaName, TenantStatus, TenantTx};
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = false)]
async fn public_landing_and_schema_info(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;

    let landing = app.get("localhost:8000", "/").await;
    assert_eq!(landing.status, 200);
    assert_eq!(landing.schema(), Some("public"));
    assert_eq!(
        landing.json(),
        json!({
            "message": "This is the public schema",
            "info": "Access tenant sites using subdomain.localhost:8000",
            "available_tenants": ["http://techstore.localhost:8000", "http://fashion.localhost:8000"]
        })
    );
    // Keys in the seed's order, as Django's JsonResponse wrote them.
    assert!(
        landing.body.starts_with("{\"message\":"),
        "{}",
        landing.body
    );

    let info = app.get("localhost:8000", "/schema-info/").await;
    assert_eq!(
        info.json(),
        json!({
            "current_schema": "public",
            "tenant": "No tenant",
            "domain": "localhost:8000",
            "all_tenants": [
                {"name": "TechStore", "schema_name": "techstore"},
                {"name": "Fashion Boutique", "schema_name": "fashion"}
            ]
        })
    );
}

#[sqlx::test(migrations = false)]
async fn store_data_for_both_seed_stores(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let tech = app.get("techstore.localhost:8000", "/data/").await;
    assert_eq!(tech.status, 200);
    assert_eq!(tech.schema(), Some("techstore"));
    assert_eq!(
        tech.json(),
        json!({
            "tenant_info": {"name": "TechStore", "schema": "techstore", "domain": "techstore.localhost:8000"},
            "products": [{"name": "Laptop", "price": "999.99"}, {"name": "Mouse", "price": "29.99"}],
            "orders": [{"order_number": "TECH001", "total": "1029.98"}],
            "counts": {"products": 2, "orders": 1}
        })
    );
    let fashion = app.get("fashion.localhost:8000", "/data/").await;
    assert_eq!(fashion.schema(), Some("fashion"));
    assert_eq!(
        fashion.json(),
        json!({
            "tenant_info": {"name": "Fashion Boutique", "schema": "fashion", "domain": "fashion.localhost:8000"},
            "products": [{"name": "T-Shirt", "price": "19.99"}, {"name": "Jeans", "price": "49.99"}],
            "orders": [{"order_number": "FASH001", "total": "69.98"}],
            "counts": {"products": 2, "orders": 1}
        })
    );
}

#[sqlx::test(migrations = false)]
async fn request_flow_and_db_routing(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let flow = app.get("techstore.localhost:8000", "/request-flow/").await;
    let mut flow = flow.json();
    // Each step gained its measured timing; without it, the answer is the seed's.
    let timings = take_timings(&mut flow["request_flow"]);
    assert_eq!(timings.len(), 5);
    assert_eq!(
        flow,
        json!({
            "current_state": {
                "domain": "techstore.localhost:8000",
                "tenant": "TechStore",
                "schema": "techstore",
                "is_public": false
            },
            "request_flow": [
                {"step": 1, "action": "Request Received",
                 "details": "Domain: techstore.localhost:8000, Path: /request-flow/"},
                {"step": 2, "action": "TenantMainMiddleware Processing",
                 "details": "Middleware extracts domain from request"},
                {"step": 3, "action": "Domain Lookup",
                 "details": "Query: SELECT tenant_id FROM domains WHERE domain='techstore.localhost:8000'"},
                {"step": 4, "action": "Tenant Found", "details": "Tenant: TechStore, Schema: techstore"},
                {"step": 5, "action": "Schema Switch", "details": "PostgreSQL: SET search_path TO techstore, public;"}
            ]
        })
    );
    let routing = app.get("techstore.localhost:8000", "/db-routing/").await;
    assert_eq!(
        routing.json(),
        json!({
            "routing_explanation": {
                "current_schema": "techstore",
                "how_routing_works": {
                    "step1": "Query: Product.objects.all()",
                    "step2": "Router adds schema prefix: techstore.products",
                    "step3": "Actual SQL: SELECT * FROM techstore.products"
                }
            },
            "current_tenant_data": {"products_count": 2, "users_count": 1, "all_tenants_count": 2}
        })
    );
}

/// Removes `started_us` and `duration_us` from every step, checking that each is a
/// non-negative integer and that no step starts before the previous one ended.
fn take_timings(steps: &mut serde_json::Value) -> Vec<(u64, u64)> {
    let steps = steps.as_array_mut().expect("request_flow is a list");
    let timings: Vec<(u64, u64)> = steps
        .iter_mut()
        .map(|step| {
            let step = step.as_object_mut().expect("a step is an object");
            let mut take = |key: &str| {
                let value = step
                    .remove(key)
                    .unwrap_or_else(|| panic!("step without {key}"));
                value
                    .as_u64()
                    .unwrap_or_else(|| panic!("{key} is not a non-negative integer: {value}"))
            };
            (take("started_us"), take("duration_us"))
        })
        .collect();
    for pair in timings.windows(2) {
        let ((start, duration), (next, _)) = (pair[0], pair[1]);
        assert!(
            start + duration <= next,
            "steps overlap or are out of order: {timings:?}"
        );
    }
    timings
}

#[sqlx::test(migrations = false)]
async fn paths_answer_with_and_without_trailing_slash_and_other_ports(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    for path in [
        "/data",
        "/data/",
        "/request-flow",
        "/request-flow/",
        "/db-routing",
        "/db-routing/",
    ] {
        let reply = app.get("fashion.localhost:8000", path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.schema(), Some("fashion"), "{path}");
    }
    for path in ["/schema-info", "/schema-info/"] {
        assert_eq!(app.get("localhost:8000", path).await.status, 200, "{path}");
    }
    // The request's own host and port appear in the answers.
    let other_port = app.get("techstore.localhost:3000", "/data").await.json();
    assert_eq!(
        other_port["tenant_info"]["domain"],
        "techstore.localhost:3000"
    );
    let landing = app.get("localhost:3000", "/").await.json();
    assert_eq!(
        landing["available_tenants"][1],
        "http://fashion.localhost:3000"
    );
    let flow = app.get("techstore.localhost", "/request-flow").await.json();
    assert_eq!(
        flow["request_flow"][0]["details"],
        "Domain: techstore.localhost, Path: /request-flow"
    );
}

#[sqlx::test(migrations = false)]
async fn values_come_from_the_database(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let schema = SchemaName::parse("techstore").unwrap();
    let mut tx = TenantTx::begin(&app.pool, &schema).await.unwrap();
    catalog::create(
        &mut tx,
        &ProductInput::parse("Keyboard", "", "49.5", "3").unwrap(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let data = app.get("techstore.localhost:8000", "/data/").await.json();
    assert_eq!(data["counts"]["products"], 3);
    assert_eq!(
        data["products"][2],
        json!({"name": "Keyboard", "price": "49.50"})
    );
    let routing = app
        .get("techstore.localhost:8000", "/db-routing/")
        .await
        .json();
    assert_eq!(routing["current_tenant_data"]["products_count"], 3);
    // The other store did not change.
    assert_eq!(
        app.get("fashion.localhost:8000", "/data/").await.json()["counts"]["products"],
        2
    );

    app.create_store("electronics").await;
    let landing = app.get("localhost:8000", "/").await.json();
    assert_eq!(landing["available_tenants"].as_array().unwrap().len(), 3);
    assert_eq!(app.get("localhost:8000", "/db-routing").await.status, 404);
    let routing = app
        .get("fashion.localhost:8000", "/db-routing")
        .await
        .json();
    assert_eq!(routing["current_tenant_data"]["all_tenants_count"], 3);
}

#[sqlx::test(migrations = false)]
async fn suspended_stores_answer_503_and_keep_their_data(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let tenant = registry::get_by_schema(&app.pool, &SchemaName::parse("fashion").unwrap())
        .await
        .unwrap();
    registry::set_status(&app.pool, tenant.id, TenantStatus::Suspended)
        .await
        .unwrap();
    app.state.resolver.invalidate();
    let reply = app.get("fashion.localhost:8000", "/").await;
    assert_eq!(reply.status, 503);
    assert!(
        reply.body.contains("Fashion Boutique is taking a break"),
        "{}",
        reply.body
    );
    assert_eq!(
        app.get("techstore.localhost:8000", "/data/").await.status,
        200
    );

    registry::set_status(&app.pool, tenant.id, TenantStatus::Active)
        .await
        .unwrap();
    app.state.resolver.invalidate();
    let data = app.get("fashion.localhost:8000", "/data/").await.json();
    assert_eq!(data["counts"], json!({"products": 2, "orders": 1}));
}
