//! The store admin and the platform admin over HTTP: every rule is enforced by the
//! server function itself, whoever calls it and however.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use marketplace::accounts::Username;
use marketplace::email::Email;
use marketplace::password::Password;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const TECH: &str = "techstore.localhost:8000";
const FASHION: &str = "fashion.localhost:8000";
const PUBLIC: &str = "localhost:8000";
/// The seed's `admin` password in these tests (see common::seeded).
const ADMIN_PASSWORD: &str = "test-password-1";

/// Calls a server function as the hydrated app does (JSON back, no redirect), from a
/// page of `host`.
async fn call(
    app: &common::TestApp,
    host: &str,
    function: &str,
    body: &str,
    cookie: Option<&str>,
) -> common::Reply {
    app.call(host, function, body, cookie).await
}

fn cookie_named(reply: &common::Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")) && !v.contains("Max-Age=0"))
        .map(|v| {
            assert!(
                v.contains("HttpOnly")
                    && v.contains("SameSite=Lax")
                    && !v.to_lowercase().contains("domain="),
                "{v}"
            );
            v.split(';').next().unwrap().to_owned()
        })
}

async fn staff_login(app: &common::TestApp, host: &str, username: &str, password: &str) -> String {
    let body = format!(
        "username={username}&password={}",
        password.replace(' ', "+")
    );
    let reply = call(app, host, "admin/login", &body, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    cookie_named(&reply, "mkt_session").expect("a session cookie")
}

async fn platform_user(app: &common::TestApp) -> String {
    marketplace::platform::create(
        &app.pool,
        &Username::parse("root").unwrap(),
        &Email::parse("root@platform.example").unwrap(),
        &marketplace::password::hash(Password::parse("platform password").unwrap()).await,
    )
    .await
    .unwrap();
    let reply = call(
        app,
        PUBLIC,
        "admin/login",
        "username=root&password=platform+password",
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    cookie_named(&reply, "mkt_platform").expect("a platform cookie")
}

#[sqlx::test(migrations = false)]
async fn only_this_stores_staff_may_use_its_admin(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let staff = staff_login(&app, TECH, "admin", ADMIN_PASSWORD).await;

    let ok = call(&app, TECH, "admin/store/dashboard", "", Some(&staff)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let dashboard = ok.json();
    assert_eq!(
        (dashboard["products"].as_i64(), dashboard["orders"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(dashboard["revenue"], "1029.98");

    // Nobody, a customer, another store's staff, the public host: all refused.
    let anonymous = call(&app, TECH, "admin/store/dashboard", "", None).await;
    assert!(
        anonymous.body.contains("Unauthorized"),
        "{}",
        anonymous.body
    );
    let customer = {
        let reply = call(
            &app,
            TECH,
            "account/register",
            "name=Cy&email=cy%40example.com&password=customer+password",
            None,
        )
        .await;
        cookie_named(&reply, "mkt_session").unwrap()
    };
    let refused = call(&app, TECH, "admin/store/products", "", Some(&customer)).await;
    assert!(refused.body.contains("Forbidden"), "{}", refused.body);
    let customer_login = call(
        &app,
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

    let elsewhere = call(&app, FASHION, "admin/store/products", "", Some(&staff)).await;
    assert!(
        elsewhere.body.contains("Unauthorized"),
        "techstore staff on fashion: {}",
        elsewhere.body
    );
    let forged = call(
        &app,
        FASHION,
        "admin/store/product/save",
        "name=Evil&description=&price=1&stock=1",
        Some(&staff),
    )
    .await;
    assert!(forged.body.contains("Unauthorized"));
    let on_public = call(&app, PUBLIC, "admin/store/products", "", Some(&staff)).await;
    assert!(!on_public.body.contains("Laptop"), "{}", on_public.body);
    let platform_fn = call(&app, PUBLIC, "admin/platform/stores", "", Some(&staff)).await;
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
    let request = Request::post("/api/admin/store/product/save")
        .header(header::HOST, TECH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::COOKIE, &staff)
        .body(Body::from("name=Evil&description=&price=1&stock=1"))
        .unwrap();
    assert_eq!(app.send(request).await.status, 403);

    // Logging out ends the session.
    call(&app, TECH, "admin/logout", "", Some(&staff)).await;
    assert!(call(&app, TECH, "admin/store/dashboard", "", Some(&staff))
        .await
        .body
        .contains("Unauthorized"));
}

#[sqlx::test(migrations = false)]
async fn products_are_validated_and_saved_ones_are_in_the_store_at_once(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let staff = staff_login(&app, TECH, "admin", ADMIN_PASSWORD).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from techstore.products")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };

    for (body, field) in [
        ("name=Cable&description=&price=-1&stock=3", "price"),
        ("name=Cable&description=&price=abc&stock=3", "price"),
        ("name=Cable&description=&price=1.234&stock=3", "price"),
        ("name=Cable&description=&price=1&stock=-3", "stock"),
        ("name=+&description=&price=1&stock=3", "name"),
    ] {
        let reply = call(&app, TECH, "admin/store/product/save", body, Some(&staff)).await;
        assert!(
            reply.body.contains(&format!("\"field\":\"{field}\"")),
            "{body}: {}",
            reply.body
        );
    }
    let long = format!("name={}&description=&price=1&stock=3", "n".repeat(201));
    assert!(
        call(&app, TECH, "admin/store/product/save", &long, Some(&staff))
            .await
            .body
            .contains("\"field\":\"name\"")
    );
    assert_eq!(count().await, 2, "refused forms changed nothing");

    let saved = call(
        &app,
        TECH,
        "admin/store/product/save",
        "name=USB+Cable&description=1+metre&price=9.5&stock=4",
        Some(&staff),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let id = saved.json().as_i64().unwrap();
    let home = app.get(TECH, "/").await;
    assert!(
        home.body.contains("USB Cable")
            && home.body.contains("$9.50")
            && home.body.contains("Only 4 left")
    );
    assert!(!app.get(FASHION, "/").await.body.contains("USB Cable"));

    let edit = format!("id={id}&name=USB-C+Cable&description=&price=12&stock=0");
    assert_eq!(
        call(&app, TECH, "admin/store/product/save", &edit, Some(&staff))
            .await
            .status,
        200
    );
    assert!(app.get(TECH, "/").await.body.contains("USB-C Cable"));
    let off = format!("id={id}&active=false");
    call(&app, TECH, "admin/store/product/active", &off, Some(&staff)).await;
    assert!(
        !app.get(TECH, "/").await.body.contains("USB-C Cable"),
        "inactive products leave the store"
    );
    call(
        &app,
        TECH,
        "admin/store/product/delete",
        &format!("id={id}"),
        Some(&staff),
    )
    .await;
    assert_eq!(count().await, 2);
}

#[sqlx::test(migrations = false)]
async fn orders_move_through_their_workflow_and_cancel_returns_stock(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let staff = staff_login(&app, TECH, "admin", ADMIN_PASSWORD).await;
    let stock = || async {
        sqlx::query_scalar::<_, i32>("select stock from techstore.products where name = 'Laptop'")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let before = stock().await;

    let list = call(
        &app,
        TECH,
        "admin/store/orders",
        "status=pending",
        Some(&staff),
    )
    .await
    .json();
    assert_eq!(list[0]["number"], "TECH001");
    assert_eq!(
        call(
            &app,
            TECH,
            "admin/store/orders",
            "status=shipped",
            Some(&staff)
        )
        .await
        .json(),
        serde_json::json!([])
    );
    assert!(call(
        &app,
        TECH,
        "admin/store/orders",
        "status=bogus",
        Some(&staff)
    )
    .await
    .body
    .contains("not an order status"));

    let step = |to: &'static str| {
        let staff = staff.clone();
        let app = &app;
        async move {
            call(
                app,
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
    call(
        &app,
        TECH,
        "admin/store/order/status",
        &format!("number={}&status=paid", order.order_number),
        Some(&staff),
    )
    .await;
    let cancelled = call(
        &app,
        TECH,
        "admin/store/order/status",
        &format!("number={}&status=cancelled", order.order_number),
        Some(&staff),
    )
    .await;
    assert_eq!(cancelled.json(), "cancelled");
    assert_eq!(stock().await, before);
    // The other store's staff cannot touch this order.
    let fashion_staff = staff_login(&app, FASHION, "admin", ADMIN_PASSWORD).await;
    let foreign = call(
        &app,
        TECH,
        "admin/store/order/status",
        "number=TECH001&status=paid",
        Some(&fashion_staff),
    )
    .await;
    assert!(foreign.body.contains("Unauthorized"));
}

#[sqlx::test(migrations = false)]
async fn staff_users_and_settings(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let staff = staff_login(&app, TECH, "admin", ADMIN_PASSWORD).await;

    let short = call(
        &app,
        TECH,
        "admin/store/users/create",
        "username=clerk&email=clerk%40tech.example&password=short",
        Some(&staff),
    )
    .await;
    assert!(
        short.body.contains("\"field\":\"password\""),
        "{}",
        short.body
    );
    let created = call(
        &app,
        TECH,
        "admin/store/users/create",
        "username=clerk&email=clerk%40tech.example&password=clerk+password",
        Some(&staff),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let dup = call(
        &app,
        TECH,
        "admin/store/users/create",
        "username=clerk&email=c2%40tech.example&password=clerk+password",
        Some(&staff),
    )
    .await;
    assert!(dup.body.contains("already taken"));
    let users = call(&app, TECH, "admin/store/users", "", Some(&staff))
        .await
        .json()["users"]
        .clone();
    let clerk = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "clerk")
        .unwrap()
        .clone();
    assert_eq!(clerk["is_staff"], true);
    let me = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["is_me"] == true)
        .unwrap()
        .clone();

    let clerk_session = staff_login(&app, TECH, "clerk", "clerk password").await;
    assert_eq!(
        call(
            &app,
            TECH,
            "admin/store/dashboard",
            "",
            Some(&clerk_session)
        )
        .await
        .status,
        200
    );
    // Deactivating ends the clerk's sessions at once; one cannot deactivate oneself.
    let self_off = call(
        &app,
        TECH,
        "admin/store/users/active",
        &format!("id={}&active=false", me["id"]),
        Some(&staff),
    )
    .await;
    assert!(self_off.body.contains("cannot deactivate yourself"));
    call(
        &app,
        TECH,
        "admin/store/users/active",
        &format!("id={}&active=false", clerk["id"]),
        Some(&staff),
    )
    .await;
    assert!(call(
        &app,
        TECH,
        "admin/store/dashboard",
        "",
        Some(&clerk_session)
    )
    .await
    .body
    .contains("Unauthorized"));
    let relogin = call(
        &app,
        TECH,
        "admin/login",
        "username=clerk&password=clerk+password",
        None,
    )
    .await;
    assert!(cookie_named(&relogin, "mkt_session").is_none());
    call(
        &app,
        TECH,
        "admin/store/users/active",
        &format!("id={}&active=true", clerk["id"]),
        Some(&staff),
    )
    .await;
    call(
        &app,
        TECH,
        "admin/store/users/password",
        &format!("id={}&password=new+clerk+password", clerk["id"]),
        Some(&staff),
    )
    .await;
    staff_login(&app, TECH, "clerk", "new clerk password").await;

    let bad = call(
        &app,
        TECH,
        "admin/store/settings/save",
        "display_name=Tech&tagline=&primary_colour=blue",
        Some(&staff),
    )
    .await;
    assert!(bad.body.contains("\"field\":\"primary_colour\""));
    let saved = call(
        &app,
        TECH,
        "admin/store/settings/save",
        "display_name=TechStore+Pro&tagline=Gadgets+galore&primary_colour=%23aa3300",
        Some(&staff),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let home = app.get(TECH, "/").await;
    assert!(
        home.body.contains("<h1>TechStore Pro</h1>")
            && home.body.contains("Gadgets galore")
            && home.body.contains("#aa3300")
    );
    assert!(app
        .get(FASHION, "/")
        .await
        .body
        .contains("<h1>Fashion Boutique</h1>"));
}

#[sqlx::test(migrations = false)]
async fn platform_admin_manages_stores_and_domains(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let root = platform_user(&app).await;

    let stores = call(&app, PUBLIC, "admin/platform/stores", "", Some(&root))
        .await
        .json();
    assert_eq!(stores[0]["schema"], "techstore");
    assert_eq!(
        (stores[0]["products"].as_i64(), stores[0]["orders"].as_i64()),
        (Some(2), Some(1))
    );
    assert!(call(&app, PUBLIC, "admin/platform/stores", "", None)
        .await
        .body
        .contains("Unauthorized"));
    // A platform session means nothing on a store host, for either admin.
    assert!(call(&app, TECH, "admin/platform/stores", "", Some(&root))
        .await
        .body
        .contains("Forbidden"));
    assert!(call(&app, TECH, "admin/store/dashboard", "", Some(&root))
        .await
        .body
        .contains("Unauthorized"));

    // Creating validates like the CLI and is all or nothing.
    for (body, field) in [
        (
            "name=E&email=e%40e.example&schema=public&domain=e.localhost",
            "schema",
        ),
        (
            "name=E&email=e%40e.example&schema=techstore&domain=e.localhost",
            "schema",
        ),
        (
            "name=E&email=e%40e.example&schema=electronics&domain=techstore.localhost",
            "domain",
        ),
        (
            "name=E&email=e%40e.example&schema=electronics&domain=localhost",
            "domain",
        ),
        (
            "name=E&email=e%40e.example&schema=electronics&domain=e.localhost%3A8000",
            "domain",
        ),
        (
            "name=E&email=nope&schema=electronics&domain=e.localhost",
            "email",
        ),
    ] {
        let reply = call(
            &app,
            PUBLIC,
            "admin/platform/stores/create",
            body,
            Some(&root),
        )
        .await;
        assert!(
            reply.body.contains(&format!("\"field\":\"{field}\"")),
            "{body}: {}",
            reply.body
        );
    }
    assert_eq!(
        marketplace::tenancy::registry::count(&app.pool)
            .await
            .unwrap(),
        2
    );
    let created = call(
        &app,
        PUBLIC,
        "admin/platform/stores/create",
        "name=Electronics+Plus&email=e%40e.example&schema=electronics&domain=electronics.localhost",
        Some(&root),
    )
    .await;
    assert_eq!(created.json(), "electronics", "{}", created.body);
    let home = app.get("electronics.localhost:8000", "/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<h1>Electronics Plus</h1>"));

    // Domains: add, make primary, remove the old one (never the primary).
    let domain = |body: &'static str| {
        call(
            &app,
            PUBLIC,
            "admin/platform/store/domain",
            body,
            Some(&root),
        )
    };
    assert_eq!(
        domain("schema=electronics&domain=shop.localhost&op=add")
            .await
            .status,
        200
    );
    assert_eq!(
        app.get("shop.localhost:8000", "/data/").await.schema(),
        Some("electronics")
    );
    assert!(domain("schema=electronics&domain=fashion.localhost&op=add")
        .await
        .body
        .contains("already serves a store"));
    assert!(
        domain("schema=electronics&domain=electronics.localhost&op=remove")
            .await
            .body
            .contains("primary domain")
    );
    domain("schema=electronics&domain=shop.localhost&op=primary").await;
    domain("schema=electronics&domain=electronics.localhost&op=remove").await;
    assert_eq!(
        app.get("electronics.localhost:8000", "/data/").await.status,
        404
    );
    let detail = call(
        &app,
        PUBLIC,
        "admin/platform/store",
        "schema=electronics",
        Some(&root),
    )
    .await
    .json();
    assert_eq!(
        detail["domains"],
        serde_json::json!([["shop.localhost", true]])
    );

    // Suspend: 503 with the data kept; resume.
    call(
        &app,
        PUBLIC,
        "admin/platform/store/status",
        "schema=fashion&suspended=true",
        Some(&root),
    )
    .await;
    assert_eq!(app.get(FASHION, "/").await.status, 503);
    call(
        &app,
        PUBLIC,
        "admin/platform/store/status",
        "schema=fashion&suspended=false",
        Some(&root),
    )
    .await;
    assert_eq!(
        app.get(FASHION, "/data/").await.json()["counts"]["products"],
        2
    );

    // Delete only after typing the schema name.
    let wrong = call(
        &app,
        PUBLIC,
        "admin/platform/store/delete",
        "schema=electronics&confirm=electronic",
        Some(&root),
    )
    .await;
    assert!(wrong.body.contains("\"field\":\"confirm\""));
    assert_eq!(app.get("shop.localhost:8000", "/data/").await.status, 200);
    let deleted = call(
        &app,
        PUBLIC,
        "admin/platform/store/delete",
        "schema=electronics&confirm=electronics",
        Some(&root),
    )
    .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(app.get("shop.localhost:8000", "/data/").await.status, 404);
    let schema_left: bool = sqlx::query_scalar(
        "select exists(select 1 from pg_namespace where nspname = 'electronics')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!schema_left);

    // Logout ends the platform session.
    call(&app, PUBLIC, "admin/logout", "", Some(&root)).await;
    assert!(call(&app, PUBLIC, "admin/platform/stores", "", Some(&root))
        .await
        .body
        .contains("Unauthorized"));
}
