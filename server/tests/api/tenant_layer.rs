//! The tenant layer: which host reaches which store, and what unknown hosts get.

use crate::helpers::TestApp;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = false)]
async fn unknown_and_malformed_hosts_get_a_json_404_and_no_store(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    for host in [
        "nobody.localhost:8000",
        "techstore.localhost.evil.com",
        "evil.com",
        "techstore",
        "a b",
        "x:y:z",
    ] {
        for path in ["/", "/data/", "/schema-info/", "/pkg/marketplace.js"] {
            let reply = app.get(host, path).await;
            assert_eq!(reply.status, 404, "{host}{path}");
            assert_eq!(reply.schema(), None, "{host}{path}");
            let error = reply.json()["error"].as_str().unwrap().to_owned();
            assert!(
                error.starts_with("No store is served at"),
                "{host}{path}: {error}"
            );
            assert!(!reply.body.contains("Laptop") && !reply.body.contains("T-Shirt"));
        }
    }
    let no_host = app
        .send(Request::get("/data/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(no_host.status, 400);
}

#[sqlx::test(migrations = false)]
async fn host_matching_folds_case_strips_port_and_trailing_dot(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    for host in [
        "TechStore.LOCALHOST:8000",
        "techstore.localhost.:8000",
        "techstore.localhost",
        "techstore.localhost:1",
    ] {
        let reply = app.get(host, "/data/").await;
        assert_eq!(reply.status, 200, "{host}");
        assert_eq!(reply.schema(), Some("techstore"), "{host}");
    }
    for host in ["localhost", "127.0.0.1:8000", "LOCALHOST:8000"] {
        assert_eq!(app.get(host, "/").await.schema(), Some("public"), "{host}");
    }
}

#[sqlx::test(migrations = false)]
async fn forwarded_host_is_not_trusted_by_default(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let request = Request::get("/data/")
        .header(header::HOST, "fashion.localhost:8000")
        .header("x-forwarded-host", "techstore.localhost:8000")
        .body(Body::empty())
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.schema(), Some("fashion"));
    assert_eq!(reply.json()["tenant_info"]["schema"], "fashion");
}

#[sqlx::test(migrations = false)]
async fn forwarded_host_is_used_when_the_operator_trusts_a_proxy(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let config = server::startup::ServerConfig {
        proxy: server::tenant_layer::ProxyTrust {
            forwarded_host: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let router = server::startup::router(app.state.clone(), config);
    let request = Request::get("/data/")
        .header(header::HOST, "internal:8080")
        .header(
            "x-forwarded-host",
            "techstore.localhost:8000, proxy.internal",
        )
        .body(Body::empty())
        .unwrap();
    let app = TestApp { router, ..app };
    let reply = app.send(request).await;
    assert_eq!(reply.schema(), Some("techstore"));
}

#[sqlx::test(migrations = false)]
async fn store_home_is_rendered_on_the_server(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let home = app.get("techstore.localhost:8000", "/").await;
    assert_eq!(home.status, 200);
    assert!(home.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    for expected in [
        "<title>TechStore</title>",
        "<h1>TechStore</h1>",
        "Laptop",
        "$999.99",
        "Mouse",
        "$29.99",
    ] {
        assert!(home.body.contains(expected), "missing {expected:?}");
    }
    assert!(
        !home.body.contains("T-Shirt"),
        "another store's product on the page"
    );
    let fashion = app.get("fashion.localhost:8000", "/").await;
    assert!(fashion.body.contains("<h1>Fashion Boutique</h1>") && fashion.body.contains("$19.99"));
    assert!(!fashion.body.contains("Laptop"));

    let missing = app.get("techstore.localhost:8000", "/no-such-page").await;
    assert_eq!(missing.status, 404);
    let slash = app.get("techstore.localhost:8000", "/no-such-page/").await;
    assert_eq!(slash.status, 308);
    assert_eq!(slash.headers[header::LOCATION], "/no-such-page");
    assert_eq!(
        app.get("techstore.localhost:8000", "//evil.example/")
            .await
            .status,
        404
    );
}

#[sqlx::test(migrations = false)]
async fn a_store_created_elsewhere_is_served_without_a_restart(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let listener = app.state.resolver.spawn_listener();
    for _ in 0..400 {
        if app.state.resolver.is_listening() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        app.get("electronics.localhost:8000", "/data/").await.status,
        404
    );
    app.create_store("electronics").await;
    let mut status = 404;
    for _ in 0..200 {
        status = app
            .get("electronics.localhost:8000", "/data/")
            .await
            .status
            .as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200, "new store never became reachable");
    listener.abort();
}
