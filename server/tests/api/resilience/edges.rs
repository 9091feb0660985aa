//! The edges of the server: browser hardening headers, origins, cookies behind TLS,
//! the demo switch, and clients that never finish their request.

use axum::http::{header, StatusCode};
use server::startup::ServerConfig;
use server::tenant_layer::ProxyTrust;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::server_fn_request as post;
use crate::helpers::{foreign_request, get_request, Reply, TestApp, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn pages_and_answers_carry_the_browser_hardening(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
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
        assert_eq!(reply.headers[header::X_FRAME_OPTIONS], "DENY");
        assert!(reply.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert!(
            reply.headers.contains_key("x-request-id"),
            "{:?}",
            reply.headers
        );
    }
    // The same stack compresses for a client that accepts it, and keeps the headers.
    let mut request = get_request(TECH, "/", None);
    request
        .headers_mut()
        .insert(header::ACCEPT_ENCODING, "gzip".parse().unwrap());
    let zipped = app.send(request).await;
    assert_eq!(zipped.status, StatusCode::OK);
    assert_eq!(zipped.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(zipped.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(zipped.headers["x-tenant-schema"], "techstore");
}

#[sqlx::test(migrations = false)]
async fn forged_and_mismatched_origins_are_refused(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let add = app
        .send(post(TECH, "cart/add", "product_id=1&quantity=1", None))
        .await;
    let shopper = add.cookie("mkt_session").unwrap();
    let attempt = |origin: Option<&str>, cookie: Option<&str>| {
        foreign_request(
            TECH,
            "/api/cart/add",
            "product_id=1&quantity=1",
            origin,
            cookie,
        )
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
    let app = TestApp::seeded(options, 4).await;
    let set_cookie = |reply: &Reply| {
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
    let app = TestApp::seeded(options, 4).await;
    let mut state = app.state.clone();
    state.demo_endpoints = false;
    let router = server::startup::router(state, ServerConfig::default());
    let get = |host: &str, path: &str| get_request(host, path, None);
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
    let app = TestApp::seeded(options, 4).await;
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
