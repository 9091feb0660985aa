//! Customer accounts: per store, and the cart follows the customer.

use axum::http::header;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{TestApp, FASHION, TECH};

#[sqlx::test(migrations = false)]
async fn accounts_are_per_store_and_the_cart_follows_the_customer(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    // A guest fills a cart, then registers: the cart comes along.
    let guest = app
        .post_form(TECH, "/api/cart/add", "product_id=2&quantity=2", None, "/")
        .await
        .session_cookie();
    let body = "name=Ada&email=Ada%40Example.com&password=correct+horse+battery";
    let registered = app
        .post_form(
            TECH,
            "/api/account/register",
            body,
            Some(&guest),
            "/account/register",
        )
        .await;
    assert_eq!(
        registered.location(),
        "/account/orders",
        "{}",
        registered.body
    );
    let customer = registered.session_cookie();
    assert_ne!(customer, guest, "login issues a new session token");
    let header = app.get_with(TECH, "/", Some(&customer)).await;
    assert!(
        header.body.contains("Hi, ")
            && header.body.contains("Ada")
            && header.body.contains("Cart, 2 items")
    );
    // The old token is dead.
    assert!(app
        .get_with(TECH, "/", Some(&guest))
        .await
        .body
        .contains("Cart, 0 items"));

    // The same email registers separately on fashion; nothing was created there before.
    let users: i64 =
        sqlx::query_scalar("select count(*) from fashion.users where username = 'ada@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(users, 0);
    let there = app
        .post_form(
            FASHION,
            "/api/account/register",
            "name=Ada&email=ada%40example.com&password=another+password",
            None,
            "/account/register",
        )
        .await;
    assert_eq!(there.location(), "/account/orders");
    let dup = app
        .post_form(
            TECH,
            "/api/account/register",
            body,
            None,
            "/account/register",
        )
        .await;
    let shown = app.follow(TECH, &dup, None).await;
    assert!(shown
        .body
        .contains("An account with this email already exists here."));

    // Logging in elsewhere (another device) finds the same cart.
    let login = app
        .post_form(
            TECH,
            "/api/account/login",
            "email=ada%40example.com&password=correct+horse+battery",
            None,
            "/account/login",
        )
        .await;
    assert_eq!(login.location(), "/account/orders");
    let second_device = login.session_cookie();
    assert!(app
        .get_with(TECH, "/cart", Some(&second_device))
        .await
        .body
        .contains("Mouse"));
    // Fashion's password does not open techstore's account.
    let wrong = app
        .post_form(
            TECH,
            "/api/account/login",
            "email=ada%40example.com&password=another+password",
            None,
            "/account/login",
        )
        .await;
    assert!(wrong.location().contains("__err="));

    let logout = app
        .post_form(
            TECH,
            "/api/account/logout",
            "",
            Some(&second_device),
            "/account/logout",
        )
        .await;
    assert_eq!(logout.location(), "/");
    assert!(logout
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap().contains("Max-Age=0")));
    let orders = app
        .get_with(TECH, "/account/orders", Some(&second_device))
        .await;
    assert!(orders.body.contains("to see your orders"));
}
