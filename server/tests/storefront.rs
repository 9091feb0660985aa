//! The storefront over HTTP, as a browser without JavaScript uses it: plain form posts
//! to server functions, session cookies scoped to one store's host, checkout, order
//! confirmations visible to their buyer only, accounts per store, and forged
//! cross-origin posts refused.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const TECH: &str = "techstore.localhost:8000";
const FASHION: &str = "fashion.localhost:8000";

/// A plain HTML form post, as a browser sends it from a page of `host`.
async fn post_form(
    app: &common::TestApp,
    host: &str,
    path: &str,
    body: &str,
    cookie: Option<&str>,
    from: &str,
) -> common::Reply {
    let mut request = Request::post(path)
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, format!("http://{host}"))
        .header(header::REFERER, format!("http://{host}{from}"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.send(request.body(Body::from(body.to_owned())).unwrap())
        .await
}

async fn get_with(
    app: &common::TestApp,
    host: &str,
    path: &str,
    cookie: Option<&str>,
) -> common::Reply {
    let mut request = Request::get(path).header(header::HOST, host);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

/// The `name=value` of the session cookie a response sets, checking its attributes.
fn session_cookie(reply: &common::Reply) -> String {
    let set = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("mkt_session="))
        .expect("a session cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "{set}"
    );
    assert!(
        !set.to_lowercase().contains("domain="),
        "host-only cookie: {set}"
    );
    set.split(';').next().unwrap().to_owned()
}

/// Follows the redirect a failed no-JS form post answered with, as the browser does:
/// to the form's page, carrying the form-error cookie the redirect set (without it,
/// the page would not show an error from the URL).
async fn follow(
    app: &common::TestApp,
    reply: &common::Reply,
    cookie: Option<&str>,
) -> common::Reply {
    let target = location(reply);
    let path = target.trim_start_matches(&format!("http://{TECH}"));
    let nonce = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("mkt_form_error="))
        .map(|v| v.split(';').next().unwrap().to_owned());
    let cookies: Vec<String> = cookie.map(str::to_owned).into_iter().chain(nonce).collect();
    let joined = cookies.join("; ");
    get_with(
        app,
        TECH,
        path,
        (!joined.is_empty()).then_some(joined.as_str()),
    )
    .await
}

fn location(reply: &common::Reply) -> String {
    reply
        .headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The checkout form's one-time key, read from the rendered page.
fn checkout_key(page: &str) -> String {
    let start =
        page.find("name=\"key\" value=\"").expect("key field") + "name=\"key\" value=\"".len();
    page[start..].split('"').next().unwrap().to_owned()
}

#[sqlx::test(migrations = false)]
async fn buy_the_mouse_without_javascript(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;

    let added = post_form(
        &app,
        TECH,
        "/api/cart/add",
        "product_id=2&quantity=1",
        None,
        "/",
    )
    .await;
    assert_eq!(added.status, 302, "{}", added.body);
    // Back to the page the form was on (leptos may leave an empty query behind).
    assert_eq!(
        location(&added).trim_end_matches('?'),
        format!("http://{TECH}/")
    );
    let cookie = session_cookie(&added);

    let home = get_with(&app, TECH, "/", Some(&cookie)).await;
    assert!(
        home.body.contains("aria-label=\"Cart, 1 item\""),
        "header shows the cart"
    );
    let cart = get_with(&app, TECH, "/cart", Some(&cookie)).await;
    assert!(
        cart.body.contains("Mouse") && cart.body.contains("$29.99"),
        "{}",
        cart.body
    );

    // Quantity beyond stock is refused with a message on the page it came from.
    let too_many = post_form(
        &app,
        TECH,
        "/api/cart/update",
        "product_id=2&quantity=99",
        Some(&cookie),
        "/cart",
    )
    .await;
    assert_eq!(too_many.status, 302);
    let back = location(&too_many);
    assert!(back.contains("__err="), "{back}");
    let shown = follow(&app, &too_many, Some(&cookie)).await;
    assert!(
        shown.body.contains("Only 49 of Mouse left."),
        "{}",
        shown.body
    );

    let checkout = get_with(&app, TECH, "/checkout", Some(&cookie)).await;
    for label in [">Name<", ">Email<", ">Address<", "Place order"] {
        assert!(checkout.body.contains(label), "checkout lacks {label}");
    }
    let key = checkout_key(&checkout.body);

    // A bad email comes back beside the field; nothing is ordered.
    let body = format!("name=Ada&email=not-an-email&address=1+Loop+Road&key={key}");
    let refused = post_form(
        &app,
        TECH,
        "/api/checkout/place",
        &body,
        Some(&cookie),
        "/checkout",
    )
    .await;
    let shown = follow(&app, &refused, Some(&cookie)).await;
    assert!(
        shown.body.contains("An email address needs an @."),
        "{}",
        shown.body
    );
    assert_eq!(app.get(TECH, "/data/").await.json()["counts"]["orders"], 1);

    let body = format!("name=Ada+Lovelace&email=ada%40example.com&address=1+Loop+Road&key={key}");
    let placed = post_form(
        &app,
        TECH,
        "/api/checkout/place",
        &body,
        Some(&cookie),
        "/checkout",
    )
    .await;
    assert_eq!(placed.status, 302, "{}", placed.body);
    assert_eq!(location(&placed), "/orders/TECH002");
    // The same form submitted again places nothing new.
    let again = post_form(
        &app,
        TECH,
        "/api/checkout/place",
        &body,
        Some(&cookie),
        "/checkout",
    )
    .await;
    assert_eq!(location(&again), "/orders/TECH002");

    let confirmation = get_with(&app, TECH, "/orders/TECH002", Some(&cookie)).await;
    assert_eq!(confirmation.status, 200);
    for expected in [
        "TECH002",
        "Mouse",
        "$29.99",
        "pending",
        "Your order is confirmed",
    ] {
        assert!(
            confirmation.body.contains(expected),
            "confirmation lacks {expected}"
        );
    }
    // Nobody else sees it: no cookie, another visitor, or the other store.
    assert_eq!(
        get_with(&app, TECH, "/orders/TECH002", None).await.status,
        404
    );
    let stranger = session_cookie(
        &post_form(
            &app,
            TECH,
            "/api/cart/add",
            "product_id=1&quantity=1",
            None,
            "/",
        )
        .await,
    );
    assert_eq!(
        get_with(&app, TECH, "/orders/TECH002", Some(&stranger))
            .await
            .status,
        404
    );
    assert_eq!(
        get_with(&app, FASHION, "/orders/TECH002", Some(&cookie))
            .await
            .status,
        404
    );

    let data = app.get(TECH, "/data/").await.json();
    assert_eq!(
        data["orders"][1],
        serde_json::json!({"order_number": "TECH002", "total": "29.99"})
    );
    assert_eq!(data["counts"]["orders"], 2);
    let fashion = app.get(FASHION, "/data/").await.json();
    assert_eq!(
        fashion["counts"],
        serde_json::json!({"products": 2, "orders": 1})
    );
    let cart = get_with(&app, TECH, "/cart", Some(&cookie)).await;
    assert!(cart.body.contains("Your cart is empty."));
}

#[sqlx::test(migrations = false)]
async fn a_store_session_is_worthless_on_another_store(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let cookie = session_cookie(
        &post_form(
            &app,
            TECH,
            "/api/cart/add",
            "product_id=1&quantity=2",
            None,
            "/",
        )
        .await,
    );
    let own = get_with(&app, TECH, "/cart", Some(&cookie)).await;
    assert!(own.body.contains("Laptop"));
    let elsewhere = get_with(&app, FASHION, "/cart", Some(&cookie)).await;
    assert!(elsewhere.body.contains("Your cart is empty.") && !elsewhere.body.contains("Laptop"));
    let header = get_with(&app, FASHION, "/", Some(&cookie)).await;
    assert!(header.body.contains("aria-label=\"Cart, 0 items\""));
    // Adding on fashion with the techstore cookie starts a separate fashion session.
    let fashion_add = post_form(
        &app,
        FASHION,
        "/api/cart/add",
        "product_id=1&quantity=1",
        Some(&cookie),
        "/",
    )
    .await;
    let fashion_cookie = session_cookie(&fashion_add);
    assert_ne!(fashion_cookie, cookie);
    let fashion_cart = get_with(&app, FASHION, "/cart", Some(&fashion_cookie)).await;
    assert!(fashion_cart.body.contains("T-Shirt") && !fashion_cart.body.contains("Laptop"));
}

#[sqlx::test(migrations = false)]
async fn cross_origin_posts_are_refused_and_change_nothing(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    for origin in [
        "http://evil.example",
        "http://fashion.localhost:8000",
        "null",
        "https://techstore.localhost:8000.evil.example",
    ] {
        let request = Request::post("/api/cart/add")
            .header(header::HOST, TECH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, origin)
            .body(Body::from("product_id=2&quantity=1"))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, 403, "{origin}");
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
    }
    let by_referer = Request::post("/api/cart/add")
        .header(header::HOST, TECH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::REFERER, "http://evil.example/attack.html")
        .body(Body::from("product_id=2&quantity=1"))
        .unwrap();
    assert_eq!(app.send(by_referer).await.status, 403);
    let sessions: i64 = sqlx::query_scalar("select count(*) from techstore.sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "a refused post must not start a session");
}

#[sqlx::test(migrations = false)]
async fn accounts_are_per_store_and_the_cart_follows_the_customer(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    // A guest fills a cart, then registers: the cart comes along.
    let guest = session_cookie(
        &post_form(
            &app,
            TECH,
            "/api/cart/add",
            "product_id=2&quantity=2",
            None,
            "/",
        )
        .await,
    );
    let body = "name=Ada&email=Ada%40Example.com&password=correct+horse+battery";
    let registered = post_form(
        &app,
        TECH,
        "/api/account/register",
        body,
        Some(&guest),
        "/account/register",
    )
    .await;
    assert_eq!(
        location(&registered),
        "/account/orders",
        "{}",
        registered.body
    );
    let customer = session_cookie(&registered);
    assert_ne!(customer, guest, "login issues a new session token");
    let header = get_with(&app, TECH, "/", Some(&customer)).await;
    assert!(
        header.body.contains("Hi, ")
            && header.body.contains("Ada")
            && header.body.contains("Cart, 2 items")
    );
    // The old token is dead.
    assert!(get_with(&app, TECH, "/", Some(&guest))
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
    let there = post_form(
        &app,
        FASHION,
        "/api/account/register",
        "name=Ada&email=ada%40example.com&password=another+password",
        None,
        "/account/register",
    )
    .await;
    assert_eq!(location(&there), "/account/orders");
    let dup = post_form(
        &app,
        TECH,
        "/api/account/register",
        body,
        None,
        "/account/register",
    )
    .await;
    let shown = follow(&app, &dup, None).await;
    assert!(shown
        .body
        .contains("An account with this email already exists here."));

    // Logging in elsewhere (another device) finds the same cart.
    let login = post_form(
        &app,
        TECH,
        "/api/account/login",
        "email=ada%40example.com&password=correct+horse+battery",
        None,
        "/account/login",
    )
    .await;
    assert_eq!(location(&login), "/account/orders");
    let second_device = session_cookie(&login);
    assert!(get_with(&app, TECH, "/cart", Some(&second_device))
        .await
        .body
        .contains("Mouse"));
    // Fashion's password does not open techstore's account.
    let wrong = post_form(
        &app,
        TECH,
        "/api/account/login",
        "email=ada%40example.com&password=another+password",
        None,
        "/account/login",
    )
    .await;
    assert!(location(&wrong).contains("__err="));

    let logout = post_form(
        &app,
        TECH,
        "/api/account/logout",
        "",
        Some(&second_device),
        "/account/logout",
    )
    .await;
    assert_eq!(location(&logout), "/");
    assert!(logout
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap().contains("Max-Age=0")));
    let orders = get_with(&app, TECH, "/account/orders", Some(&second_device)).await;
    assert!(orders.body.contains("to see your orders"));
}

#[sqlx::test(migrations = false)]
async fn stock_states_and_prices_as_a_shopper_reads_them(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let schema = marketplace::tenancy::SchemaName::parse("techstore").unwrap();
    let mut tx = marketplace::tenancy::TenantTx::begin(&app.pool, &schema)
        .await
        .unwrap();
    for (name, stock) in [("Sold Out Cable", "0"), ("Last Two Hub", "2")] {
        let input = marketplace::catalog::ProductInput::parse(name, "", "5", stock).unwrap();
        marketplace::catalog::create(&mut tx, &input).await.unwrap();
    }
    tx.commit().await.unwrap();

    let home = app.get(TECH, "/").await.body;
    let card = |name: &str| {
        let start = home
            .find(&format!(">{name}<"))
            .expect("product on the page");
        home[start..].split("</li>").next().unwrap().to_owned()
    };
    let sold_out = card("Sold Out Cable");
    assert!(
        sold_out.contains("Out of stock") && sold_out.contains("disabled"),
        "{sold_out}"
    );
    let last_two = card("Last Two Hub");
    assert!(
        last_two.contains("Only 2 left") && last_two.contains("$5.00"),
        "{last_two}"
    );
    let plenty = card("Mouse");
    assert!(
        !plenty.contains("left") && !plenty.contains("disabled"),
        "{plenty}"
    );
    // Adding the sold-out product is refused on the server too.
    let refused = post_form(
        &app,
        TECH,
        "/api/cart/add",
        "product_id=3&quantity=1",
        None,
        "/",
    )
    .await;
    assert!(location(&refused).contains("__err="));
}
