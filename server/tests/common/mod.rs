//! Shared set-up for the server's tests: a fresh database per test (`#[sqlx::test]`),
//! migrated, optionally seeded, and the real `Router` over it, driven with `oneshot`
//! and a `Host` header.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use marketplace::security::Policy;
use marketplace::tenancy::migrate;
use marketplace::tenancy::resolver::PublicHosts;
use serde_json::Value;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use tower::ServiceExt;

use app::ssr::AppState;

pub struct TestApp {
    pub pool: PgPool,
    pub state: AppState,
    pub router: Router,
}

/// A migrated platform over the test's database, with `max_connections` pooled.
pub async fn app(options: PgConnectOptions, max_connections: u32) -> TestApp {
    app_with_policy(options, max_connections, Policy::default()).await
}

/// [`app`] with its own security policy (throttle numbers, session lifetimes).
pub async fn app_with_policy(
    options: PgConnectOptions,
    max_connections: u32,
    policy: Policy,
) -> TestApp {
    let pool = marketplace::db::connect_with(options, max_connections)
        .await
        .expect("connect");
    migrate::migrate_public(&pool)
        .await
        .expect("migrate public");
    let addr: SocketAddr = "127.0.0.1:8000".parse().unwrap();
    let options = server::startup::leptos_options(Path::new("target/site"), addr);
    let state = server::startup::state(pool.clone(), PublicHosts::default(), options, policy);
    let router = server::startup::router(state.clone(), Default::default());
    TestApp {
        pool,
        state,
        router,
    }
}

/// [`app`] with the demo data of the seed loaded.
pub async fn seeded(options: PgConnectOptions, max_connections: u32) -> TestApp {
    seeded_with_policy(options, max_connections, Policy::default()).await
}

/// [`seeded`] with its own security policy.
pub async fn seeded_with_policy(
    options: PgConnectOptions,
    max_connections: u32,
    policy: Policy,
) -> TestApp {
    let app = app_with_policy(options, max_connections, policy).await;
    marketplace::seed::create_test_data(
        &app.pool,
        &PublicHosts::default(),
        Some("test-password-1"),
    )
    .await
    .expect("seed");
    app
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn schema(&self) -> Option<&str> {
        self.headers
            .get("x-tenant-schema")
            .and_then(|v| v.to_str().ok())
    }
}

async fn collect(response: Response<Body>) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

impl TestApp {
    /// GET `path` with the given Host header.
    pub async fn get(&self, host: &str, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        collect(
            self.router
                .clone()
                .oneshot(request)
                .await
                .expect("infallible router"),
        )
        .await
    }
}

/// A server function call as the hydrated app makes it (form body, JSON back, the
/// page's own `Origin`), from a page of `host`.
pub fn server_fn_request(
    host: &str,
    function: &str,
    body: &str,
    cookie: Option<&str>,
) -> Request<Body> {
    let mut request = Request::post(format!("/api/{function}"))
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, format!("http://{host}"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

/// The `name=value` of the cookie `name` a reply sets (not a deletion).
pub fn cookie_named(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")) && !v.contains("Max-Age=0"))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// The client address of requests that name none (in-process requests have no peer).
pub const CLIENT: &str = "10.0.0.1";

impl TestApp {
    /// Calls a server function from client address `client` (as the peer address).
    pub async fn call_from(
        &self,
        client: &str,
        host: &str,
        function: &str,
        body: &str,
        cookie: Option<&str>,
    ) -> Reply {
        let mut request = server_fn_request(host, function, body, cookie);
        let peer: SocketAddr = format!("{client}:40000").parse().unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        self.send(request).await
    }

    /// Calls a server function from [`CLIENT`].
    pub async fn call(
        &self,
        host: &str,
        function: &str,
        body: &str,
        cookie: Option<&str>,
    ) -> Reply {
        self.call_from(CLIENT, host, function, body, cookie).await
    }

    /// Logs in to `host`'s admin; the session cookie.
    pub async fn staff_login(&self, host: &str, username: &str, password: &str) -> String {
        let body = format!(
            "username={username}&password={}",
            password.replace(' ', "+")
        );
        let reply = self.call(host, "admin/login", &body, None).await;
        cookie_named(&reply, "mkt_session").unwrap_or_else(|| panic!("{}", reply.body))
    }
}

/// A `postgres://` URL for the test's database, for running the CLI binary against it.
pub fn database_url(options: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().expect("test database name")
    )
}

/// Creates a store `<schema>` at `<schema>.localhost` through the core.
pub async fn app_create_store(app: &TestApp, schema: &str) -> marketplace::tenancy::Tenant {
    use marketplace::tenancy::provision::{self, NewTenant};
    let new = NewTenant::parse(
        &format!("Store {schema}"),
        &format!("owner@{schema}.example"),
        schema,
        &format!("{schema}.localhost"),
    )
    .unwrap();
    provision::create(&app.pool, &new, &PublicHosts::default())
        .await
        .unwrap()
}
