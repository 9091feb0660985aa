//! Resilience (issue 9): slow clients cut off, honest status codes, money that cannot
//! overflow, the database going away, browser hardening, and the demo switch.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use server::startup::ServerConfig;
use server::tenant_layer::ProxyTrust;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const TECH: &str = "techstore.localhost:8000";
const PUBLIC: &str = "localhost:8000";
const ADMIN_PASSWORD: &str = "test-password-1";

use common::{cookie_named, server_fn_request as post};

async fn staff(app: &common::TestApp, username: &str, password: &str) -> String {
    app.staff_login(TECH, username, password).await
}

#[sqlx::test(migrations = false)]
async fn server_functions_answer_with_honest_status_codes(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let boss = staff(&app, "admin", ADMIN_PASSWORD).await;

    let anonymous = app
        .send(post(TECH, "admin/store/dashboard", "", None))
        .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    assert!(anonymous.headers.contains_key("x-request-id"));

    app.send(post(
        TECH,
        "admin/store/users/create",
        "username=clerk&email=clerk%40tech.example&password=clerk+password",
        Some(&boss),
    ))
    .await;
    let clerk = staff(&app, "clerk", "clerk password").await;
    let forbidden = app
        .send(post(
            TECH,
            "admin/store/users/create",
            "username=x&email=x%40tech.example&password=long+enough",
            Some(&clerk),
        ))
        .await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );

    let invalid = app
        .send(post(
            TECH,
            "admin/store/product/save",
            "name=Webcam&description=&price=-5&stock=3",
            Some(&boss),
        ))
        .await;
    assert_eq!(
        invalid.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        invalid.body
    );
    assert!(
        invalid.body.contains("\"field\":\"price\""),
        "{}",
        invalid.body
    );

    let taken = app
        .send(post(
            TECH,
            "admin/store/users/create",
            "username=clerk&email=c2%40tech.example&password=long+enough",
            Some(&boss),
        ))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);

    let unknown = app
        .send(post(TECH, "admin/store/order", "number=NOPE1", Some(&boss)))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);

    // Slowed down: 429 with Retry-After.
    let mut last = None;
    for i in 0..6 {
        let body = format!("username=admin&password=wrong+guess+{i}");
        last = Some(app.send(post(TECH, "admin/login", &body, None)).await);
    }
    let slowed = last.unwrap();
    assert_eq!(
        slowed.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        slowed.body
    );
    assert!(slowed.headers.contains_key(header::RETRY_AFTER));

    // A body over the limit: 413, and nothing reached the function.
    let huge = "x".repeat(2 * 1024 * 1024);
    let too_large = app
        .send(post(
            TECH,
            "cart/add",
            &format!("product_id=1&quantity=1&pad={huge}"),
            None,
        ))
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Malformed arguments are the client's mistake, not ours.
    let malformed = app
        .send(post(TECH, "cart/add", "product_id=abc", None))
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.body
    );
}

#[sqlx::test(migrations = false)]
async fn order_totals_cannot_overflow(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let boss = staff(&app, "admin", ADMIN_PASSWORD).await;
    for name in ["Yacht", "Jet"] {
        let saved = app
            .send(post(
                TECH,
                "admin/store/product/save",
                &format!("name={name}&description=&price=9999999999.99&stock=1000"),
                Some(&boss),
            ))
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    }
    let id = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select id from techstore.products where name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (yacht, jet) = (id("Yacht").await, id("Jet").await);

    // 99 of the dearest product: 989,999,999,999.01, which numeric(12,2) could not hold.
    let add = app
        .send(post(
            TECH,
            "cart/add",
            &format!("product_id={yacht}&quantity=99"),
            None,
        ))
        .await;
    let shopper = cookie_named(&add, "mkt_session").expect("a session");
    let form = "name=Rich&email=rich%40example.com&address=Harbour+1&key=bigorder0123456789abcd";
    let placed = app
        .send(post(TECH, "checkout/place", form, Some(&shopper)))
        .await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    let total: String =
        sqlx::query_scalar("select total::text from techstore.orders order by id desc limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(total, "989999999999.01");

    // Two such lines pass the documented maximum: refused, clearly, nothing written.
    for product in [yacht, jet] {
        app.send(post(
            TECH,
            "cart/add",
            &format!("product_id={product}&quantity=99"),
            Some(&shopper),
        ))
        .await;
    }
    let orders_before: i64 = sqlx::query_scalar("select count(*) from techstore.orders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let form = "name=Rich&email=rich%40example.com&address=Harbour+1&key=toobig0123456789abcdefg";
    let refused = app
        .send(post(TECH, "checkout/place", form, Some(&shopper)))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("at most 1,000,000,000,000.00"),
        "{}",
        refused.body
    );
    let orders_after: i64 = sqlx::query_scalar("select count(*) from techstore.orders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(orders_before, orders_after);

    // Revenue over big orders still adds up.
    let dashboard = app
        .send(post(TECH, "admin/store/dashboard", "", Some(&boss)))
        .await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    // The seed's 1,029.98 and the yacht order's 989,999,999,999.01.
    assert!(
        dashboard.body.contains("\"revenue\":\"990000001028.99\""),
        "{}",
        dashboard.body
    );
}

#[sqlx::test(migrations = false)]
async fn a_database_that_is_away_answers_503_not_a_hang(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 2).await;
    // Resolve the host once (cached), then take the database away.
    assert_eq!(app.get(TECH, "/data/").await.status, StatusCode::OK);
    app.pool.close().await;
    let json = app.get(TECH, "/data/").await;
    assert_eq!(
        json.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        json.body
    );
    assert!(json.body.contains("briefly unavailable"), "{}", json.body);
    let function = app
        .send(post(TECH, "cart/add", "product_id=1&quantity=1", None))
        .await;
    assert_eq!(
        function.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        function.body
    );
    assert!(function.headers.contains_key(header::RETRY_AFTER));
}

#[sqlx::test(migrations = false)]
async fn pages_and_answers_carry_the_browser_hardening(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let page = app.get(TECH, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    // The nonce of the policy is the nonce of the page's scripts.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce");
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "{}",
        page.body
    );
    for reply in [
        page,
        app.get(TECH, "/data/").await,
        app.get(PUBLIC, "/").await,
    ] {
        assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(reply.headers[header::REFERRER_POLICY], "same-origin");
        assert!(reply.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
    }
}

#[sqlx::test(migrations = false)]
async fn forged_and_mismatched_origins_are_refused(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let add = app
        .send(post(TECH, "cart/add", "product_id=1&quantity=1", None))
        .await;
    let shopper = cookie_named(&add, "mkt_session").unwrap();
    let attempt = |origin: Option<&str>, cookie: Option<&str>| {
        let mut request = Request::post("/api/cart/add")
            .header(header::HOST, TECH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::from("product_id=1&quantity=1")).unwrap()
    };
    // Cookies but neither Origin nor Referer: not from our page.
    assert_eq!(app.send(attempt(None, Some(&shopper))).await.status, 403);
    // The scheme and the port count.
    let https = format!("https://{TECH}");
    assert_eq!(
        app.send(attempt(Some(&https), Some(&shopper))).await.status,
        403
    );
    assert_eq!(
        app.send(attempt(
            Some("http://techstore.localhost:9999"),
            Some(&shopper)
        ))
        .await
        .status,
        403
    );
    assert_eq!(
        app.send(attempt(Some("null"), Some(&shopper))).await.status,
        403
    );
    // The same origin goes through; so does a cookieless API client.
    let same = format!("http://{TECH}");
    assert_eq!(
        app.send(attempt(Some(&same), Some(&shopper))).await.status,
        200
    );
    assert_eq!(app.send(attempt(None, None)).await.status, 200);
}

#[sqlx::test(migrations = false)]
async fn cookies_are_secure_behind_tls(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let set_cookie = |reply: &common::Reply| {
        reply.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned()
    };
    // Plain HTTP: not Secure (the browser would drop it).
    let plain = app
        .send(post(TECH, "cart/add", "product_id=1&quantity=1", None))
        .await;
    assert!(!set_cookie(&plain).contains("Secure"));

    // Behind a TLS proxy that says so.
    let config = ServerConfig {
        proxy: ProxyTrust {
            forwarded_proto: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let router = server::startup::router(app.state.clone(), config);
    let mut request = post(TECH, "cart/add", "product_id=1&quantity=1", None);
    request
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    request
        .headers_mut()
        .insert(header::ORIGIN, format!("https://{TECH}").parse().unwrap());
    let reply = router.oneshot(request).await.unwrap();
    let cookie = reply.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.ends_with("; Secure"), "{cookie}");

    // Forced by configuration.
    let config = ServerConfig {
        force_secure_cookies: true,
        ..Default::default()
    };
    let router = server::startup::router(app.state.clone(), config);
    let mut request = post(TECH, "cart/add", "product_id=1&quantity=1", None);
    request
        .headers_mut()
        .insert(header::ORIGIN, format!("https://{TECH}").parse().unwrap());
    let reply = router.oneshot(request).await.unwrap();
    assert_eq!(reply.status(), 200);
    assert!(reply.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Secure"));
}

#[sqlx::test(migrations = false)]
async fn demo_endpoints_can_be_switched_off(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let mut state = app.state.clone();
    state.demo_endpoints = false;
    let router = server::startup::router(state, ServerConfig::default());
    let get = |host: &str, path: &str| {
        Request::get(path)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    for (host, path) in [
        (PUBLIC, "/schema-info/"),
        (TECH, "/schema-info/"),
        (TECH, "/request-flow/"),
        (TECH, "/db-routing"),
    ] {
        let reply = router.clone().oneshot(get(host, path)).await.unwrap();
        assert_eq!(reply.status(), StatusCode::NOT_FOUND, "{host}{path}");
    }
    let data = router.clone().oneshot(get(TECH, "/data/")).await.unwrap();
    assert_eq!(data.status(), StatusCode::OK);
    let replay = router
        .clone()
        .oneshot(post(TECH, "flow/replay", "host=localhost", None))
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::NOT_FOUND);
    // With them on (the default), as the seed describes.
    assert_eq!(app.get(TECH, "/request-flow/").await.status, StatusCode::OK);
}

#[sqlx::test(migrations = false)]
async fn a_client_that_never_finishes_its_request_head_is_cut_off(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = ServerConfig {
        header_read_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::startup::serve_on(
        listener,
        app.state.clone(),
        config,
        async {
            let _ = stopped.await;
        },
    ));

    // A whole request is answered, with the client's real address seen.
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client
        .write_all(b"GET /data/ HTTP/1.1\r\nHost: techstore.localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Half a request head, then nothing: the server hangs up on its own.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /data/ HTTP/1.1\r\nHost: techst")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection is still open after 30 s");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
