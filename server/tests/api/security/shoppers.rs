//! A shopper's things stay theirs: checkout replays, guest orders, and form errors
//! that cannot be forged into a link.

use axum::http::header;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{add_to_cart, cart_count};
use crate::helpers::{get_request, TestApp, TECH};

#[sqlx::test(migrations = false)]
async fn checkout_replays_belong_to_the_buyer(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let buyer = add_to_cart(&app, None).await;
    let key = "replaykey0123456789abcdef";
    let form = format!("name=Ada&email=ada%40example.com&address=1+Loop+Road&key={key}");
    let first = app.call(TECH, "checkout/place", &form, Some(&buyer)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("TECH002"), "{}", first.body);
    let orders_after_first = app.count("select count(*) from techstore.orders").await;

    // The buyer shops on, then the old form is sent again: same order, cart kept.
    add_to_cart(&app, Some(&buyer)).await;
    assert_eq!(cart_count(&app, &buyer).await, 1);
    let replay = app.call(TECH, "checkout/place", &form, Some(&buyer)).await;
    assert!(replay.body.contains("TECH002"), "{}", replay.body);
    assert_eq!(
        cart_count(&app, &buyer).await,
        1,
        "the new cart is untouched"
    );

    // Someone else with the same key: refused, told nothing, their cart untouched.
    let other = add_to_cart(&app, None).await;
    let stolen = app.call(TECH, "checkout/place", &form, Some(&other)).await;
    assert!(stolen.body.contains("already been used"), "{}", stolen.body);
    assert!(!stolen.body.contains("TECH002"), "{}", stolen.body);
    assert_eq!(cart_count(&app, &other).await, 1);
    assert_eq!(
        app.count("select count(*) from techstore.orders").await,
        orders_after_first
    );
}

#[sqlx::test(migrations = false)]
async fn guest_orders_stay_the_guests(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let guest = add_to_cart(&app, None).await;
    let form =
        "name=Guest&email=guest%40example.com&address=Secret+Street+1&key=guestkey0123456789abcd";
    let placed = app.call(TECH, "checkout/place", form, Some(&guest)).await;
    assert!(placed.body.contains("TECH002"), "{}", placed.body);
    // Someone else logs in (registers) in that browser afterwards.
    let registered = app
        .call(
            TECH,
            "account/register",
            "name=Next&email=next%40example.com&password=next+password",
            Some(&guest),
        )
        .await;
    let next = registered.cookie("mkt_session").expect("logged in");
    let mine = app.call(TECH, "account/orders", "", Some(&next)).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(!mine.body.contains("TECH002"), "{}", mine.body);
    assert_eq!(
        app.count("select count(*) from techstore.orders where order_number = 'TECH002' and customer_id is null").await,
        1
    );
}

#[sqlx::test(migrations = false)]
async fn form_errors_in_links_cannot_be_forged(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    // {"Rejected":"Call 555-0100 to verify your account"}, as Leptos encodes errors.
    let forged = "eyJSZWplY3RlZCI6IkNhbGwgNTU1LTAxMDAgdG8gdmVyaWZ5IHlvdXIgYWNjb3VudCJ9";
    let url = format!("/account/login?__path=%2Fapi%2Faccount%2Flogin&__err={forged}");
    let reply = app.get(TECH, &url).await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    assert_eq!(reply.headers[header::LOCATION], "/account/login");
    assert!(!reply.body.contains("555-0100"));

    // A genuine error comes back with its own cookie and shows; with another
    // visitor's cookie, or none, the same link shows nothing.
    let failed = app
        .post_form(
            TECH,
            "/api/account/login",
            "email=nobody%40example.com&password=wrong+password",
            None,
            "/account/login",
        )
        .await;
    let location = failed.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        location.contains("__err=") && location.contains("__sig="),
        "{location}"
    );
    let nonce = failed
        .cookie("mkt_form_error")
        .expect("a form-error cookie");
    let path = location.trim_start_matches(&format!("http://{TECH}"));
    let get = |cookie: Option<String>| get_request(TECH, path, cookie.as_deref());
    let shown = app.send(get(Some(nonce))).await;
    assert_eq!(shown.status, 200);
    assert!(
        shown.body.contains("The email or password is incorrect."),
        "{}",
        shown.body
    );
    let elsewhere = app
        .send(get(Some("mkt_form_error=someoneelsesnonce".into())))
        .await;
    assert!(elsewhere.status.is_redirection());
    let none = app.send(get(None)).await;
    assert!(none.status.is_redirection());
}
