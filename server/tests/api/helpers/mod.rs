//! The one way the server's tests set up and talk to the platform: a [`TestApp`] over a
//! fresh database per test (`#[sqlx::test]`), migrated and usually seeded, with the real
//! `Router` built once and driven with `oneshot` and a `Host` header. It calls server
//! functions as the hydrated app does, posts forms as a browser without JavaScript
//! does, follows the redirects those answer with and reads the cookies they set.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use marketplace::accounts::Username;
use marketplace::db::Recycling;
use marketplace::email::Email;
use marketplace::password::{self, Password};
use marketplace::security::Policy;
use marketplace::tenancy::migrate;
use marketplace::tenancy::provision::{self, NewTenant};
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::{ShardedPool, Tenant};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};
use tower::ServiceExt;

use app::ssr::AppState;

mod reply;
mod requests;

pub use reply::Reply;
pub use requests::{encode_form, foreign_request, form_request, get_request, server_fn_request};

/// The seed's TechStore, as a browser addresses it.
pub const TECH: &str = "techstore.localhost:8000";
/// The seed's Fashion Boutique.
pub const FASHION: &str = "fashion.localhost:8000";
/// The platform's own (public) host.
pub const PUBLIC: &str = "localhost:8000";
/// The seed's `admin` password in these tests (see [`TestApp::seeded`]).
pub const ADMIN_PASSWORD: &str = "test-password-1";
/// The client address of requests that name none (in-process requests have no peer).
pub const CLIENT: &str = "10.0.0.1";

/// Taken alone by the tests that load the machine on purpose (many requests racing for
/// two pooled connections) and shared by every other [`TestApp`]: one binary runs its
/// tests side by side, and a neighbour's load would push their requests past the
/// pool's and the queue's deadlines into 503s.
static LOAD: LazyLock<Arc<RwLock<()>>> = LazyLock::new(|| Arc::new(RwLock::new(())));

/// A test's turn on [`LOAD`], held as long as its [`TestApp`] lives.
pub enum Turn {
    Shared(#[allow(dead_code)] OwnedRwLockReadGuard<()>),
    Alone(#[allow(dead_code)] OwnedRwLockWriteGuard<()>),
}

/// The platform under test: its pool, the state its server functions see, and the
/// router that both `serve` and the tests use.
pub struct TestApp {
    pub pool: PgPool,
    pub state: AppState,
    pub router: Router,
    /// Keeps the machine shared with other tests, or to this one alone.
    pub _turn: Turn,
}

impl TestApp {
    /// A migrated, empty platform over the test's database, `max_connections` pooled,
    /// with its own security policy (throttle numbers, session lifetimes).
    pub async fn with_policy(
        options: PgConnectOptions,
        max_connections: u32,
        policy: Policy,
    ) -> TestApp {
        let turn = Turn::Shared(LOAD.clone().read_owned().await);
        TestApp::build(options, max_connections, policy, turn).await
    }

    async fn build(
        options: PgConnectOptions,
        max_connections: u32,
        policy: Policy,
        turn: Turn,
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
            _turn: turn,
        }
    }

    /// A platform with the default policy and the demo data of the seed loaded (TechStore and Fashion
    /// Boutique, whose `admin` logs in with [`ADMIN_PASSWORD`]).
    pub async fn seeded(options: PgConnectOptions, max_connections: u32) -> TestApp {
        TestApp::seeded_with_policy(options, max_connections, Policy::default()).await
    }

    /// [`TestApp::seeded`] for a load test: no other test runs while it lives.
    pub async fn seeded_alone(options: PgConnectOptions, max_connections: u32) -> TestApp {
        let turn = Turn::Alone(LOAD.clone().write_owned().await);
        let app = TestApp::build(options, max_connections, Policy::default(), turn).await;
        app.seed().await;
        app
    }

    /// An empty platform for a load test (no other test runs while it lives) whose
    /// store work runs on `shards` store-affine shards of `max_connections`, as
    /// `serve` sets it up.
    pub async fn sharded_alone(
        options: PgConnectOptions,
        max_connections: u32,
        shards: u32,
    ) -> TestApp {
        let turn = Turn::Alone(LOAD.clone().write_owned().await);
        let mut app =
            TestApp::build(options.clone(), max_connections, Policy::default(), turn).await;
        app.state.stores =
            ShardedPool::connect(options, max_connections, shards, Recycling::default())
                .await
                .expect("connect the store shards");
        app.router = server::startup::router(app.state.clone(), Default::default());
        app
    }

    /// [`TestApp::seeded`] with its own security policy.
    pub async fn seeded_with_policy(
        options: PgConnectOptions,
        max_connections: u32,
        policy: Policy,
    ) -> TestApp {
        let app = TestApp::with_policy(options, max_connections, policy).await;
        app.seed().await;
        app
    }

    async fn seed(&self) {
        marketplace::seed::create_test_data(
            &self.pool,
            &PublicHosts::default(),
            Some(ADMIN_PASSWORD),
        )
        .await
        .expect("seed");
    }

    /// Creates a store `<schema>` at `<schema>.localhost` through the core.
    pub async fn create_store(&self, schema: &str) -> Tenant {
        let new = NewTenant::parse(
            &format!("Store {schema}"),
            &format!("owner@{schema}.example"),
            schema,
            &format!("{schema}.localhost"),
        )
        .expect("valid test store");
        provision::create(&self.pool, &new, &PublicHosts::default())
            .await
            .expect("create test store")
    }

    /// Sends any request through the router.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible router");
        Reply::collect(response).await
    }

    /// GET `path` with the given Host header.
    pub async fn get(&self, host: &str, path: &str) -> Reply {
        self.get_with(host, path, None).await
    }

    /// GET `path` with the given Host header and cookie, as a browser follows a link.
    pub async fn get_with(&self, host: &str, path: &str, cookie: Option<&str>) -> Reply {
        self.send(get_request(host, path, cookie)).await
    }

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

    /// Calls a server function as the hydrated app does (JSON back, no redirect), from
    /// a page of `host` and client address [`CLIENT`].
    pub async fn call(
        &self,
        host: &str,
        function: &str,
        body: &str,
        cookie: Option<&str>,
    ) -> Reply {
        self.call_from(CLIENT, host, function, body, cookie).await
    }

    /// [`TestApp::call`] with the body encoded from its fields.
    pub async fn call_form(
        &self,
        host: &str,
        function: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Reply {
        self.call(host, function, &encode_form(fields), cookie)
            .await
    }

    /// A plain HTML form post, as a browser without JavaScript sends it from the page
    /// `from` of `host`; server functions answer it with a redirect.
    pub async fn post_form(
        &self,
        host: &str,
        path: &str,
        body: &str,
        cookie: Option<&str>,
        from: &str,
    ) -> Reply {
        self.send(form_request(host, path, body, cookie, from))
            .await
    }

    /// Follows the redirect a failed no-JS form post on `host` answered with, as the
    /// browser does: to the form's page, carrying the form-error cookie the redirect
    /// set (without it, the page would not show an error from the URL).
    pub async fn follow(&self, host: &str, reply: &Reply, cookie: Option<&str>) -> Reply {
        let target = reply.location();
        let path = target.trim_start_matches(&format!("http://{host}"));
        let nonce = reply.cookie("mkt_form_error");
        let cookies: Vec<String> = cookie.map(str::to_owned).into_iter().chain(nonce).collect();
        let joined = cookies.join("; ");
        self.get_with(host, path, (!joined.is_empty()).then_some(joined.as_str()))
            .await
    }

    /// Logs in to `host`'s admin; the session cookie.
    pub async fn staff_login(&self, host: &str, username: &str, password: &str) -> String {
        let body = format!(
            "username={username}&password={}",
            password.replace(' ', "+")
        );
        let reply = self.call(host, "admin/login", &body, None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply
            .cookie("mkt_session")
            .unwrap_or_else(|| panic!("a session cookie: {}", reply.body))
    }

    /// Creates the platform user `root` (password "platform password").
    pub async fn create_platform_root(&self) {
        marketplace::platform::create(
            &self.pool,
            &Username::parse("root").unwrap(),
            &Email::parse("root@platform.example").unwrap(),
            &password::hash(Password::parse("platform password").unwrap()).await,
        )
        .await
        .unwrap();
    }

    /// Creates platform staff `root` and logs them in on the public host: their
    /// platform session cookie.
    pub async fn platform_staff(&self) -> String {
        self.create_platform_root().await;
        let login = "username=root&password=platform+password";
        let reply = self.call(PUBLIC, "admin/login", login, None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply
            .cookie("mkt_platform")
            .unwrap_or_else(|| panic!("a platform session: {}", reply.body))
    }

    /// One number from SQL run on the platform's pool (a count, mostly).
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }
}

/// `count` stores that exist in the registry only (no schema): `<Name> i`, schema
/// `<name>_i`, domain `<name>-i.localhost`, for i in 1..=count. Enough for what reads
/// only the registry (the store list, `list-tenants`), at any scale, in one statement.
pub async fn registry_only_stores(pool: &PgPool, name: &str, count: i32) {
    sqlx::query(
        "with t as (insert into public.tenants (name, schema_name, owner_email) \
           select $1 || ' ' || i, lower($1) || '_' || i, 'owner@example.com' \
           from generate_series(1, $2) i returning id, schema_name) \
         insert into public.domains (domain, tenant_id, is_primary) \
         select replace(schema_name, '_', '-') || '.localhost', id, true from t",
    )
    .bind(name)
    .bind(count)
    .execute(pool)
    .await
    .expect("registry-only stores");
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
