//! Who may use a store's admin: its own staff, on its own host, through every door.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{foreign_request, TestApp, ADMIN_PASSWORD, FASHION, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn only_this_stores_staff_may_use_its_admin(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;

    let ok = app
        .call(TECH, "admin/store/dashboard", "", Some(&staff))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let dashboard = ok.json();
    assert_eq!(
        (dashboard["products"].as_i64(), dashboard["orders"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(dashboard["revenue"], "1029.98");

    // Nobody, a customer, another store's staff, the public host: all refused.
    let anonymous = app.call(TECH, "admin/store/dashboard", "", None).await;
    assert!(
        anonymous.body.contains("Unauthorized"),
        "{}",
        anonymous.body
    );
    let customer = {
        let reply = app
            .call(
                TECH,
                "account/register",
                "name=Cy&email=cy%40example.com&password=customer+password",
                None,
            )
            .await;
        reply.cookie("mkt_session").unwrap()
    };
    let refused = app
        .call(TECH, "admin/store/products", "", Some(&customer))
        .await;
    assert!(refused.body.contains("Forbidden"), "{}", refused.body);
    let customer_login = app
        .call(
            TECH,
            "admin/login",
            "username=cy%40example.com&password=customer+password",
            None,
        )
        .await;
    assert!(
        customer_login.body.contains("not staff"),
        "{}",
        customer_login.body
    );

    let elsewhere = app
        .call(FASHION, "admin/store/products", "", Some(&staff))
        .await;
    assert!(
        elsewhere.body.contains("Unauthorized"),
        "techstore staff on fashion: {}",
        elsewhere.body
    );
    let forged = app
        .call(
            FASHION,
            "admin/store/product/save",
            "name=Evil&description=&price=1&stock=1",
            Some(&staff),
        )
        .await;
    assert!(forged.body.contains("Unauthorized"));
    let on_public = app
        .call(PUBLIC, "admin/store/products", "", Some(&staff))
        .await;
    assert!(!on_public.body.contains("Laptop"), "{}", on_public.body);
    let platform_fn = app
        .call(PUBLIC, "admin/platform/stores", "", Some(&staff))
        .await;
    assert!(
        platform_fn.body.contains("Unauthorized"),
        "{}",
        platform_fn.body
    );
    let fashion_products: i64 = sqlx::query_scalar("select count(*) from fashion.products")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(fashion_products, 2);

    // Cross-origin posts never reach the function.
    let request = foreign_request(
        TECH,
        "/api/admin/store/product/save",
        "name=Evil&description=&price=1&stock=1",
        Some("http://evil.example"),
        Some(&staff),
    );
    assert_eq!(app.send(request).await.status, 403);

    // Logging out ends the session.
    app.call(TECH, "admin/logout", "", Some(&staff)).await;
    assert!(app
        .call(TECH, "admin/store/dashboard", "", Some(&staff))
        .await
        .body
        .contains("Unauthorized"));
}
