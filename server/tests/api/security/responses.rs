//! One request's response headers never end up on another's.
//!
//! Leptos leaves a rendering page's reactive owner current on its worker thread across
//! the render's `.await`s; a static file served meanwhile on that thread used to take
//! the page's `ResponseOptions` headers (its Content-Security-Policy, and whatever
//! `Set-Cookie` it had) as its own. `server::owner_scope` keeps each owner to its
//! request. The test runtime has one thread, so pages and files interleave on it.

use std::net::SocketAddr;

use axum::http::{header, StatusCode};
use marketplace::security::Policy;
use marketplace::tenancy::resolver::PublicHosts;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::helpers::{get_request, TestApp, TECH};

#[sqlx::test(migrations = false)]
async fn a_pages_headers_stay_on_that_page(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    // The app again, with static files of its own to serve.
    let site = std::env::temp_dir().join(format!("mkt-site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/probe.css"), "body{}").unwrap();
    let addr: SocketAddr = "127.0.0.1:8000".parse().unwrap();
    let leptos = server::startup::leptos_options(&site, addr);
    let state = server::startup::state(
        app.pool.clone(),
        PublicHosts::default(),
        leptos,
        Policy::default(),
    );
    let router = server::startup::router(state, Default::default());

    let mut requests = JoinSet::new();
    for i in 0..90 {
        let path = ["/", "/pkg/probe.css", "/admin"][i % 3];
        let router = router.clone();
        requests.spawn(async move {
            let response = router.oneshot(get_request(TECH, path, None)).await.unwrap();
            let policy = response
                .headers()
                .get(header::CONTENT_SECURITY_POLICY)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (path, response.status(), policy)
        });
    }
    let mut pages = 0;
    while let Some(done) = requests.join_next().await {
        let (path, status, policy) = done.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}");
        if path.starts_with("/pkg/") {
            assert!(
                !policy.contains("nonce-"),
                "a static file carried a page's policy: {policy}"
            );
        } else {
            assert!(
                policy.contains("'nonce-"),
                "{path} lost its policy: {policy:?}"
            );
            pages += 1;
        }
    }
    assert_eq!(pages, 60);
    std::fs::remove_dir_all(&site).ok();
}
