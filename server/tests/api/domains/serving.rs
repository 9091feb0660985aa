//! What serves where: platform subdomains without a row, the 301 to a store's primary
//! host, and the TLS proxy's question (`/internal/tls/ask`), database down included.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request};
use marketplace::tenancy::registry::{self, DomainChange};
use marketplace::tenancy::resolver::{PublicHosts, Resolver};
use marketplace::tenancy::SchemaName;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{app_with_dns, check, claim, host, DnsServer};
use crate::helpers::{encode_form, Reply, TestApp};

/// A verified `shop.example.com` for TechStore.
async fn verified_shop(app: &TestApp, dns: &mut DnsServer) {
    let claimed = claim(app, "techstore", "shop.example.com").await.unwrap();
    dns.set(&[("_marketplace-verify.shop.example.com", &claimed.token)]);
    check(app, "techstore", "shop.example.com").await;
}

#[sqlx::test(migrations = false)]
async fn every_store_is_served_under_the_platform_domain(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut app = TestApp::seeded(options, 4).await;
    let hosts = PublicHosts::default().with_platform_domain(host("shops.test"));
    app.state.resolver = Arc::new(Resolver::new(app.pool.clone(), hosts));
    app.router = server::startup::router(app.state.clone(), Default::default());
    // No domain row names these hosts; the schema does.
    let moved = app.get("fashion.shops.test", "/cart?x=1").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.location(), "http://fashion.localhost/cart?x=1");
    assert_eq!(
        app.get("fashion.shops.test:8000", "/data/").await.schema(),
        Some("fashion")
    );
    for nobody in ["nobody.shops.test", "a.fashion.shops.test", "shops.test"] {
        assert_eq!(app.get(nobody, "/data/").await.status, 404, "{nobody}");
    }
    // A store created while the server runs (by the CLI, say) is served at once: the
    // registry's NOTIFY reaches the running resolver, no restart.
    let resolver = app.state.resolver.clone();
    let listener = resolver.spawn_listener();
    while !resolver.is_listening() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(app.get("newshop.shops.test", "/data/").await.status, 404);
    let heard = resolver.heard();
    app.create_store("newshop").await;
    while resolver.heard() < heard + 2 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        app.get("newshop.shops.test", "/data/").await.schema(),
        Some("newshop")
    );
    listener.abort();
}

#[sqlx::test(migrations = false)]
async fn other_hosts_answer_301_to_the_primary_one(_: PgPoolOptions, options: PgConnectOptions) {
    let mut dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    verified_shop(&app, &mut dns).await;
    // Not primary yet: its pages move to the primary host; its JSON answers in place.
    let moved = app.get("shop.example.com", "/").await;
    assert_eq!(
        (moved.status.as_u16(), moved.location()),
        (301, "http://techstore.localhost/".to_owned())
    );
    assert_eq!(
        app.get("shop.example.com", "/data/").await.schema(),
        Some("techstore")
    );
    let schema = SchemaName::parse("techstore").unwrap();
    let make_primary = DomainChange::MakePrimary;
    registry::change_domain(
        &app.pool,
        &*app.state.resolver,
        &schema,
        &host("shop.example.com"),
        make_primary,
    )
    .await
    .unwrap();

    let moved = app
        .get("techstore.localhost:8000", "/products/1?ref=mail")
        .await;
    assert_eq!(moved.status, 301);
    assert_eq!(
        moved.location(),
        "http://shop.example.com:8000/products/1?ref=mail"
    );
    let head = app
        .send(
            Request::head("/cart")
                .header(header::HOST, "techstore.localhost")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (head.status.as_u16(), head.location()),
        (301, "http://shop.example.com/cart".to_owned())
    );
    assert_eq!(app.get("shop.example.com:8000", "/").await.status, 200);
    // The seed's JSON answers on every host, as the seed did.
    for path in [
        "/data/",
        "/data",
        "/schema-info/",
        "/request-flow/",
        "/db-routing/",
    ] {
        let reply = app.get("techstore.localhost:8000", path).await;
        assert_ne!(reply.status, 301, "{path}");
    }
    // A form posted to another host is not redirected (its body would be lost).
    let post = app
        .send(
            Request::post("/api/admin/login")
                .header(header::HOST, "techstore.localhost:8000")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(encode_form(&[
                    ("username", "x"),
                    ("password", "y"),
                ])))
                .unwrap(),
        )
        .await;
    assert_ne!(post.status, 301);
}

fn ask_request(domain: &str, peer: &str) -> Request<Body> {
    let mut request = Request::get(format!("/internal/tls/ask?domain={domain}"))
        .header(header::HOST, "127.0.0.1:8000")
        .body(Body::empty())
        .unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

async fn ask(app: &TestApp, domain: &str) -> Reply {
    app.send(ask_request(domain, "127.0.0.1:40000")).await
}

#[sqlx::test(migrations = false)]
async fn the_tls_ask_approves_served_hosts_only_and_fails_closed(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    claim(&app, "fashion", "pending.example.com").await.unwrap();
    verified_shop(&app, &mut dns).await;
    let cases = [
        ("shop.example.com", 200),
        ("techstore.localhost", 200),
        ("fashion.localhost", 200),
        ("pending.example.com", 404),
        ("unknown.example.com", 404),
        ("nobody.localhost", 404),
        ("localhost", 404),
        ("bad host", 400),
    ];
    for (domain, status) in cases {
        let domain = domain.replace(' ', "%20");
        assert_eq!(ask(&app, &domain).await.status, status, "{domain}");
    }
    let remote = app
        .send(ask_request("shop.example.com", "203.0.113.9:5000"))
        .await;
    assert_eq!(remote.status, 403, "only the local proxy may ask");
    let no_peer = Request::get("/internal/tls/ask?domain=shop.example.com")
        .header(header::HOST, "127.0.0.1:8000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(no_peer).await.status, 403);

    // The database is gone: a host the resolver has not seen gets no certificate.
    app.pool.close().await;
    assert_eq!(ask(&app, "other.example.com").await.status, 503);
    assert_ne!(ask(&app, "www.example.com").await.status, 200);
}
