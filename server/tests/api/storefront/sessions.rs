//! Sessions belong to one store's host, and forged cross-origin posts change nothing.

use axum::http::header;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{foreign_request, TestApp, FASHION, TECH};

#[sqlx::test(migrations = false)]
async fn a_store_session_is_worthless_on_another_store(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let cookie = app
        .post_form(TECH, "/api/cart/add", "product_id=1&quantity=2", None, "/")
        .await
        .session_cookie();
    let own = app.get_with(TECH, "/cart", Some(&cookie)).await;
    assert!(own.body.contains("Laptop"));
    let elsewhere = app.get_with(FASHION, "/cart", Some(&cookie)).await;
    assert!(elsewhere.body.contains("Your cart is empty.") && !elsewhere.body.contains("Laptop"));
    let header = app.get_with(FASHION, "/", Some(&cookie)).await;
    assert!(header.body.contains("aria-label=\"Cart, 0 items\""));
    // Adding on fashion with the techstore cookie starts a separate fashion session.
    let fashion_add = app
        .post_form(
            FASHION,
            "/api/cart/add",
            "product_id=1&quantity=1",
            Some(&cookie),
            "/",
        )
        .await;
    let fashion_cookie = fashion_add.session_cookie();
    assert_ne!(fashion_cookie, cookie);
    let fashion_cart = app.get_with(FASHION, "/cart", Some(&fashion_cookie)).await;
    assert!(fashion_cart.body.contains("T-Shirt") && !fashion_cart.body.contains("Laptop"));
}

#[sqlx::test(migrations = false)]
async fn cross_origin_posts_are_refused_and_change_nothing(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    for origin in [
        "http://evil.example",
        "http://fashion.localhost:8000",
        "null",
        "https://techstore.localhost:8000.evil.example",
    ] {
        let request = foreign_request(
            TECH,
            "/api/cart/add",
            "product_id=2&quantity=1",
            Some(origin),
            None,
        );
        let reply = app.send(request).await;
        assert_eq!(reply.status, 403, "{origin}");
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
    }
    let mut by_referer =
        foreign_request(TECH, "/api/cart/add", "product_id=2&quantity=1", None, None);
    by_referer.headers_mut().insert(
        header::REFERER,
        "http://evil.example/attack.html".parse().unwrap(),
    );
    assert_eq!(app.send(by_referer).await.status, 403);
    let sessions: i64 = sqlx::query_scalar("select count(*) from techstore.sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "a refused post must not start a session");
}
