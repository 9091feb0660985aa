//! The platform admin: stores and their domains.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{TestApp, FASHION, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn platform_admin_manages_stores_and_domains(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let root = app.platform_staff().await;

    let listing = app
        .call(PUBLIC, "admin/platform/stores", "", Some(&root))
        .await
        .json();
    let stores = &listing["stores"];
    assert_eq!(stores[0]["schema"], "techstore");
    assert_eq!(
        (stores[0]["products"].as_i64(), stores[0]["orders"].as_i64()),
        (Some(2), Some(1))
    );
    assert!(app
        .call(PUBLIC, "admin/platform/stores", "", None)
        .await
        .body
        .contains("Unauthorized"));
    // A platform session means nothing on a store host, for either admin.
    assert!(app
        .call(TECH, "admin/platform/stores", "", Some(&root))
        .await
        .body
        .contains("Forbidden"));
    assert!(app
        .call(TECH, "admin/store/dashboard", "", Some(&root))
        .await
        .body
        .contains("Unauthorized"));

    // Creating validates like the CLI and is all or nothing.
    for (body, field) in [
        (
            "name=E&email=e%40e.example&schema=public&domain=e.localhost",
            "schema",
        ),
        (
            "name=E&email=e%40e.example&schema=techstore&domain=e.localhost",
            "schema",
        ),
        (
            "name=E&email=e%40e.example&schema=electronics&domain=techstore.localhost",
            "domain",
        ),
        (
            "name=E&email=e%40e.example&schema=electronics&domain=localhost",
            "domain",
        ),
        (
            "name=E&email=e%40e.example&schema=electronics&domain=e.localhost%3A8000",
            "domain",
        ),
        (
            "name=E&email=nope&schema=electronics&domain=e.localhost",
            "email",
        ),
    ] {
        let reply = app
            .call(PUBLIC, "admin/platform/stores/create", body, Some(&root))
            .await;
        assert!(
            reply.body.contains(&format!("\"field\":\"{field}\"")),
            "{body}: {}",
            reply.body
        );
    }
    assert_eq!(
        marketplace::tenancy::registry::count(&app.pool)
            .await
            .unwrap(),
        2
    );
    let created = app.call(PUBLIC,
        "admin/platform/stores/create",
        "name=Electronics+Plus&email=e%40e.example&schema=electronics&domain=electronics.localhost",
        Some(&root),
    )
    .await;
    assert_eq!(created.json(), "electronics", "{}", created.body);
    let home = app.get("electronics.localhost:8000", "/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<h1>Electronics Plus</h1>"));

    // Domains: add, make primary, remove the old one (never the primary).
    let domain =
        |body: &'static str| app.call(PUBLIC, "admin/platform/store/domain", body, Some(&root));
    assert_eq!(
        domain("schema=electronics&domain=shop.localhost&op=add")
            .await
            .status,
        200
    );
    assert_eq!(
        app.get("shop.localhost:8000", "/data/").await.schema(),
        Some("electronics")
    );
    assert!(domain("schema=electronics&domain=fashion.localhost&op=add")
        .await
        .body
        .contains("already serves a store"));
    assert!(
        domain("schema=electronics&domain=electronics.localhost&op=remove")
            .await
            .body
            .contains("primary domain")
    );
    domain("schema=electronics&domain=shop.localhost&op=primary").await;
    domain("schema=electronics&domain=electronics.localhost&op=remove").await;
    // Its row is gone; electronics.localhost answers only as the store's platform
    // subdomain (platform domain `localhost`), its pages moved to the primary host.
    let moved = app.get("electronics.localhost:8000", "/cart").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.location(), "http://shop.localhost:8000/cart");
    let detail = app
        .call(
            PUBLIC,
            "admin/platform/store",
            "schema=electronics",
            Some(&root),
        )
        .await
        .json();
    assert_eq!(
        detail["domains"],
        serde_json::json!([["shop.localhost", true]])
    );

    // Suspend: 503 with the data kept; resume.
    app.call(
        PUBLIC,
        "admin/platform/store/status",
        "schema=fashion&suspended=true",
        Some(&root),
    )
    .await;
    assert_eq!(app.get(FASHION, "/").await.status, 503);
    app.call(
        PUBLIC,
        "admin/platform/store/status",
        "schema=fashion&suspended=false",
        Some(&root),
    )
    .await;
    assert_eq!(
        app.get(FASHION, "/data/").await.json()["counts"]["products"],
        2
    );

    // Delete only after typing the schema name.
    let wrong = app
        .call(
            PUBLIC,
            "admin/platform/store/delete",
            "schema=electronics&confirm=electronic",
            Some(&root),
        )
        .await;
    assert!(wrong.body.contains("\"field\":\"confirm\""));
    assert_eq!(app.get("shop.localhost:8000", "/data/").await.status, 200);
    let deleted = app
        .call(
            PUBLIC,
            "admin/platform/store/delete",
            "schema=electronics&confirm=electronics",
            Some(&root),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(app.get("shop.localhost:8000", "/data/").await.status, 404);
    let schema_left: bool = sqlx::query_scalar(
        "select exists(select 1 from pg_namespace where nspname = 'electronics')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!schema_left);

    // Logout ends the platform session.
    app.call(PUBLIC, "admin/logout", "", Some(&root)).await;
    assert!(app
        .call(PUBLIC, "admin/platform/stores", "", Some(&root))
        .await
        .body
        .contains("Unauthorized"));
}
