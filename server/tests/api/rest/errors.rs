//! Every problem the API answers with has the same RFC 9457 shape
//! (`application/problem+json`, `type`, `title`, `status`, `detail`) and names the
//! field at fault when there is one.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{assert_problem, get, key, post, request};
use crate::helpers::{TestApp, TECH};

#[sqlx::test(migrations = false)]
async fn every_error_is_a_problem_naming_its_field(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let all = key(
        &app,
        "techstore",
        &[
            "read_products",
            "write_products",
            "read_orders",
            "write_orders",
        ],
    )
    .await;
    let products = "/api/v1/products";

    // 400: query and path parameters that cannot be read.
    for (path, field) in [
        ("/api/v1/products?limit=abc", "limit"),
        ("/api/v1/products?limit=0", "limit"),
        ("/api/v1/products?limit=251", "limit"),
        ("/api/v1/products?cursor=garbage", "cursor"),
        ("/api/v1/orders?status=lost", "status"),
        ("/api/v1/orders?created_from=yesterday", "created_from"),
        ("/api/v1/orders?created_to=2026-13-01", "created_to"),
        ("/api/v1/products/abc", "path"),
    ] {
        let reply = get(&app, TECH, path, &all).await;
        assert_problem(&reply, 400, "bad-request", Some(field));
    }

    // 404: no such thing in this store, no such endpoint.
    for path in [
        "/api/v1/products/999999",
        "/api/v1/orders/NOPE001",
        "/api/v1/nothing-here",
    ] {
        assert_problem(&get(&app, TECH, path, &all).await, 404, "not-found", None);
    }

    // 415: not JSON. 400: broken JSON. 422: a value against the rules, by field.
    let form = app
        .send(request(
            "POST",
            TECH,
            products,
            Some(&all),
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
        ))
        .await;
    assert_problem(&form, 415, "unsupported-media-type", Some("Content-Type"));
    let broken = post(&app, TECH, products, &all, "{\"name\": ", &[]).await;
    assert_problem(&broken, 400, "bad-request", Some("body"));
    for (body, field) in [
        (r#"{"price": "1.00"}"#, "body"),
        (r#"{"name": 5, "price": "1.00"}"#, "name"),
        (r#"{"name": "Cable", "price": "-1"}"#, "price"),
        (r#"{"name": "Cable", "price": "1.234"}"#, "price"),
        (r#"{"name": "  ", "price": "1"}"#, "name"),
        (r#"{"name": "Ca\u0000ble", "price": "1"}"#, "name"),
        (r#"{"name": "Cable", "price": "1", "stock": -1}"#, "stock"),
        (
            r#"{"name": "Cable", "price": "1", "colour": "red"}"#,
            "colour",
        ),
    ] {
        let reply = post(&app, TECH, products, &all, body, &[]).await;
        assert_problem(&reply, 422, "invalid", Some(field));
    }
    let id = app.count("select min(id) from techstore.products").await;
    let too_few = post(
        &app,
        TECH,
        &format!("/api/v1/products/{id}/stock"),
        &all,
        r#"{"delta": -100000}"#,
        &[],
    )
    .await;
    assert_problem(&too_few, 422, "invalid", Some("delta"));
    let bad_status = post(
        &app,
        TECH,
        "/api/v1/orders/TECH001/status",
        &all,
        r#"{"status": "lost"}"#,
        &[],
    )
    .await;
    assert_problem(&bad_status, 422, "invalid", Some("status"));
    assert_eq!(
        app.count("select count(*) from techstore.products").await,
        2
    );

    // 409: a move the order workflow does not allow.
    let delivered = post(
        &app,
        TECH,
        "/api/v1/orders/TECH001/status",
        &all,
        r#"{"status": "delivered"}"#,
        &[],
    )
    .await;
    assert_problem(&delivered, 409, "conflict", None);

    // 400: an Idempotency-Key that cannot be one.
    let long = "k".repeat(256);
    let reply = post(
        &app,
        TECH,
        products,
        &all,
        r#"{"name": "Cable", "price": "1"}"#,
        &[("idempotency-key", long.as_str())],
    )
    .await;
    assert_problem(&reply, 400, "bad-request", Some("Idempotency-Key"));
}
