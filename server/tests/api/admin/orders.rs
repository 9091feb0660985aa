//! Orders in the admin: the status workflow, and a cancel that returns the stock.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{TestApp, ADMIN_PASSWORD, FASHION, TECH};

#[sqlx::test(migrations = false)]
async fn orders_move_through_their_workflow_and_cancel_returns_stock(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let stock = || async {
        sqlx::query_scalar::<_, i32>("select stock from techstore.products where name = 'Laptop'")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let before = stock().await;

    let list = app
        .call(TECH, "admin/store/orders", "status=pending", Some(&staff))
        .await
        .json();
    assert_eq!(list[0]["number"], "TECH001");
    assert_eq!(
        app.call(TECH, "admin/store/orders", "status=shipped", Some(&staff))
            .await
            .json(),
        serde_json::json!([])
    );
    assert!(app
        .call(TECH, "admin/store/orders", "status=bogus", Some(&staff))
        .await
        .body
        .contains("not an order status"));

    let step = |to: &'static str| {
        let staff = staff.clone();
        let app = &app;
        async move {
            app.call(
                TECH,
                "admin/store/order/status",
                &format!("number=TECH001&status={to}"),
                Some(&staff),
            )
            .await
        }
    };
    assert!(
        step("shipped").await.body.contains("cannot become shipped"),
        "pending cannot ship"
    );
    assert_eq!(step("paid").await.json(), "paid");
    assert_eq!(step("shipped").await.json(), "shipped");
    assert!(
        step("cancelled")
            .await
            .body
            .contains("cannot become cancelled"),
        "shipped cannot be cancelled"
    );
    assert_eq!(step("delivered").await.json(), "delivered");
    assert_eq!(stock().await, before);

    // A fresh order cancelled from paid gives its stock back.
    let schema = marketplace::tenancy::SchemaName::parse("techstore").unwrap();
    let mut tx = marketplace::tenancy::TenantTx::begin(&app.pool, &schema)
        .await
        .unwrap();
    let order = marketplace::orders::place(
        &mut tx,
        &marketplace::orders::Checkout {
            customer_id: None,
            customer_name: "Ann".into(),
            email: "ann@example.com".into(),
            address: "here".into(),
            lines: vec![marketplace::orders::LineRequest {
                product_id: 1,
                quantity: 2,
            }],
            idempotency_key: None,
            session_id: None,
        },
    )
    .await
    .unwrap()
    .into_order();
    tx.commit().await.unwrap();
    assert_eq!(stock().await, before - 2);
    app.call(
        TECH,
        "admin/store/order/status",
        &format!("number={}&status=paid", order.order_number),
        Some(&staff),
    )
    .await;
    let cancelled = app
        .call(
            TECH,
            "admin/store/order/status",
            &format!("number={}&status=cancelled", order.order_number),
            Some(&staff),
        )
        .await;
    assert_eq!(cancelled.json(), "cancelled");
    assert_eq!(stock().await, before);
    // The other store's staff cannot touch this order.
    let fashion_staff = app.staff_login(FASHION, "admin", ADMIN_PASSWORD).await;
    let foreign = app
        .call(
            TECH,
            "admin/store/order/status",
            "number=TECH001&status=paid",
            Some(&fashion_staff),
        )
        .await;
    assert!(foreign.body.contains("Unauthorized"));
}
