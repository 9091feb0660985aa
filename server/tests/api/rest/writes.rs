//! Changes through the API land in the store at once: products created, changed, taken
//! off sale and restocked; orders moved along their workflow and cancelled.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{get, key, post, request};
use crate::helpers::{TestApp, TECH};

#[sqlx::test(migrations = false)]
async fn products_and_orders_change_through_the_api(_: PgPoolOptions, options: PgConnectOptions) {
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

    let created = post(
        &app,
        TECH,
        "/api/v1/products",
        &all,
        r#"{"name": "USB Cable", "description": "1 metre", "price": "9.5", "stock": 4}"#,
        &[],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let product = created.json();
    assert_eq!(product["price"], "9.50");
    let id = product["id"].as_i64().unwrap();
    assert_eq!(created.location(), format!("/api/v1/products/{id}"));
    assert!(app.get(TECH, "/").await.body.contains("USB Cable"));

    let path = format!("/api/v1/products/{id}");
    let patched = app
        .send(request(
            "PATCH",
            TECH,
            &path,
            Some(&all),
            Some(r#"{"price": "12.00", "name": "USB-C Cable"}"#),
            &[],
        ))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.json()["name"], "USB-C Cable");
    assert_eq!(patched.json()["description"], "1 metre", "untouched");

    let stocked = post(
        &app,
        TECH,
        &format!("{path}/stock"),
        &all,
        r#"{"delta": -3}"#,
        &[],
    )
    .await;
    assert_eq!(stocked.json()["stock"], 1);

    let gone = app
        .send(request("DELETE", TECH, &path, Some(&all), None, &[]))
        .await;
    assert_eq!(gone.status, 200);
    assert_eq!(gone.json()["is_active"], false);
    assert!(!app.get(TECH, "/").await.body.contains("USB-C Cable"));
    assert_eq!(
        get(&app, TECH, &path, &all).await.json()["is_active"],
        false
    );

    let order = get(&app, TECH, "/api/v1/orders/TECH001", &all).await.json();
    assert_eq!(order["status"], "pending");
    assert_eq!(
        order["next_statuses"],
        serde_json::json!(["paid", "cancelled"])
    );
    assert!(!order["lines"].as_array().unwrap().is_empty());
    let paid = post(
        &app,
        TECH,
        "/api/v1/orders/TECH001/status",
        &all,
        r#"{"status": "paid"}"#,
        &[],
    )
    .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.json()["status"], "paid");
    let cancelled = post(&app, TECH, "/api/v1/orders/TECH001/cancel", &all, "", &[]).await;
    assert_eq!(cancelled.json()["status"], "cancelled");
    let filtered = get(&app, TECH, "/api/v1/orders?status=cancelled", &all).await;
    assert_eq!(filtered.json()["items"].as_array().unwrap().len(), 1);
    let none = get(&app, TECH, "/api/v1/orders?status=paid", &all).await;
    assert!(none.json()["items"].as_array().unwrap().is_empty());
    let later = get(
        &app,
        TECH,
        "/api/v1/orders?created_from=2999-01-01T00:00:00Z",
        &all,
    )
    .await;
    assert!(later.json()["items"].as_array().unwrap().is_empty());
    let earlier = get(
        &app,
        TECH,
        "/api/v1/orders?created_to=2999-01-01T00:00:00Z",
        &all,
    )
    .await;
    assert_eq!(earlier.json()["items"].as_array().unwrap().len(), 1);
}
