//! Buying without JavaScript, and stock and prices as a shopper reads them.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{Reply, TestApp, FASHION, TECH};

/// The checkout form's one-time key, read from the rendered page.
fn checkout_key(page: &str) -> String {
    let start =
        page.find("name=\"key\" value=\"").expect("key field") + "name=\"key\" value=\"".len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// The checkout form posted without JavaScript, from the checkout page.
async fn place(app: &TestApp, body: &str, cookie: &str) -> Reply {
    app.post_form(TECH, "/api/checkout/place", body, Some(cookie), "/checkout")
        .await
}

#[sqlx::test(migrations = false)]
async fn buy_the_mouse_without_javascript(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;

    let added = app
        .post_form(TECH, "/api/cart/add", "product_id=2&quantity=1", None, "/")
        .await;
    assert_eq!(added.status, 302, "{}", added.body);
    // Back to the page the form was on (leptos may leave an empty query behind).
    assert_eq!(
        added.location().trim_end_matches('?'),
        format!("http://{TECH}/")
    );
    let cookie = added.session_cookie();

    let home = app.get_with(TECH, "/", Some(&cookie)).await;
    assert!(
        home.body.contains("aria-label=\"Cart, 1 item\""),
        "header shows the cart"
    );
    let cart = app.get_with(TECH, "/cart", Some(&cookie)).await;
    assert!(
        cart.body.contains("Mouse") && cart.body.contains("$29.99"),
        "{}",
        cart.body
    );

    // Quantity beyond stock is refused with a message on the page it came from.
    let too_many = app
        .post_form(
            TECH,
            "/api/cart/update",
            "product_id=2&quantity=99",
            Some(&cookie),
            "/cart",
        )
        .await;
    assert_eq!(too_many.status, 302);
    let back = too_many.location();
    assert!(back.contains("__err="), "{back}");
    let shown = app.follow(TECH, &too_many, Some(&cookie)).await;
    assert!(
        shown.body.contains("Only 49 of Mouse left."),
        "{}",
        shown.body
    );

    let checkout = app.get_with(TECH, "/checkout", Some(&cookie)).await;
    for label in [">Name<", ">Email<", ">Address<", "Place order"] {
        assert!(checkout.body.contains(label), "checkout lacks {label}");
    }
    let key = checkout_key(&checkout.body);

    // A bad email comes back beside the field; nothing is ordered.
    let body = format!("name=Ada&email=not-an-email&address=1+Loop+Road&key={key}");
    let refused = place(&app, &body, &cookie).await;
    let shown = app.follow(TECH, &refused, Some(&cookie)).await;
    assert!(
        shown.body.contains("An email address needs an @."),
        "{}",
        shown.body
    );
    assert_eq!(app.get(TECH, "/data/").await.json()["counts"]["orders"], 1);

    let body = format!("name=Ada+Lovelace&email=ada%40example.com&address=1+Loop+Road&key={key}");
    let placed = place(&app, &body, &cookie).await;
    assert_eq!(placed.status, 302, "{}", placed.body);
    assert_eq!(placed.location(), "/orders/TECH002");
    // The same form submitted again places nothing new.
    let again = place(&app, &body, &cookie).await;
    assert_eq!(again.location(), "/orders/TECH002");

    let confirmation = app.get_with(TECH, "/orders/TECH002", Some(&cookie)).await;
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
        app.get_with(TECH, "/orders/TECH002", None).await.status,
        404
    );
    let stranger = app
        .post_form(TECH, "/api/cart/add", "product_id=1&quantity=1", None, "/")
        .await
        .session_cookie();
    assert_eq!(
        app.get_with(TECH, "/orders/TECH002", Some(&stranger))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get_with(FASHION, "/orders/TECH002", Some(&cookie))
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
    let cart = app.get_with(TECH, "/cart", Some(&cookie)).await;
    assert!(cart.body.contains("Your cart is empty."));
}

#[sqlx::test(migrations = false)]
async fn stock_states_and_prices_as_a_shopper_reads_them(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
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
    let refused = app
        .post_form(TECH, "/api/cart/add", "product_id=3&quantity=1", None, "/")
        .await;
    assert!(refused.location().contains("__err="));
}
