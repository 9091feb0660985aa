//! Building the application: state, the one `Router` (used by `serve` and by the
//! tests alike), and serving it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list_with_exclusions, LeptosRoutes};
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::map_request_body::MapRequestBodyLayer;
use tower_http::map_response_body::MapResponseBodyLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use app::ssr::{AppFields, AppState, RequestSite};
use app::{shell, App};
use marketplace::security::Policy;
use marketplace::tenancy::resolver::{PublicHosts, Resolver};
use marketplace::tenancy::verification::Verifier;
use marketplace::tenancy::{ShardedPool, Site};

use crate::api::{self, RateRules};
use crate::form_errors::{self, FormErrorKey};
pub use crate::jobs::{spawn_billing, spawn_sweeper, spawn_verifier};
use crate::limits::{LimitRules, Limits};
use crate::owner_scope::OwnerScopeLayer;
use crate::tenant_layer::{self, LayerState, ProxyTrust};
use crate::tls_ask::{self, TlsAsks};
use crate::{routes, status};

/// Where the compiled site (`pkg/` with the wasm, JS and CSS) lives: the given
/// directory, else `target/site` under the working directory, else the `site` directory
/// next to the binary's own (`target/release/marketplace` → `target/site`).
pub fn find_site_root(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    let local = PathBuf::from("target/site");
    if local.join("pkg").is_dir() {
        return local;
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(beside) = exe.parent().and_then(Path::parent).map(|p| p.join("site")) {
            if beside.join("pkg").is_dir() {
                return beside;
            }
        }
    }
    local
}

/// Leptos' options for this server.
pub fn leptos_options(site_root: &Path, addr: SocketAddr) -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .expect("Leptos configuration from the environment")
        .leptos_options;
    options.site_root = site_root.to_string_lossy().into_owned().into();
    options.site_addr = addr;
    if std::env::var_os("LEPTOS_ENV").is_none() {
        options.env = Env::PROD;
    }
    options
}

/// The application state over an open pool.
pub fn state(
    pool: PgPool,
    public_hosts: PublicHosts,
    leptos_options: LeptosOptions,
    policy: Policy,
) -> AppState {
    let verifier = Arc::new(Verifier::system(public_hosts.platform_domain()));
    let resolver = Arc::new(Resolver::new(pool.clone(), public_hosts));
    AppState::new(AppFields {
        verifier,
        leptos_options,
        stores: ShardedPool::single(pool.clone()),
        pool,
        resolver,
        policy,
        demo_endpoints: true,
        billing: marketplace::billing::Billing::fake(),
    })
}

/// How the server is set up beyond its state: which proxy headers to believe, the key
/// that signs form errors, and its limits.
#[derive(Clone)]
pub struct ServerConfig {
    pub proxy: ProxyTrust,
    pub form_error_key: FormErrorKey,
    /// Mark cookies `Secure` on every request (TLS ends at a proxy that does not say so).
    pub force_secure_cookies: bool,
    pub limits: LimitRules,
    /// Longest time a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Longest time a client may take to send a request's head (hyper closes the
    /// connection after it).
    pub header_read_timeout: Duration,
    /// Largest request body, in bytes (413 beyond).
    pub body_limit: usize,
    /// The size of every API key's rate limit (`/api/v1/…`).
    pub api_rates: RateRules,
    /// Time between two rounds of the domain verification job.
    pub domain_checks: Duration,
    /// Time between two billing ticks ([`marketplace::billing::tick`]).
    pub billing_ticks: Duration,
    /// Counts the TLS proxy's questions ([`crate::tls_ask`]).
    pub tls_asks: TlsAsks,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            proxy: ProxyTrust::default(),
            form_error_key: FormErrorKey::new(None),
            force_secure_cookies: false,
            limits: LimitRules::default(),
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            body_limit: 1024 * 1024,
            api_rates: RateRules::default(),
            domain_checks: Duration::from_secs(30),
            billing_ticks: Duration::from_secs(60),
            tls_asks: TlsAsks::default(),
        }
    }
}

/// Content-Security-Policy of responses that are not pages (pages set their own, with
/// the nonce of their scripts; see `app::App`).
const DEFAULT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The whole application: JSON routes, Leptos pages and server functions, static
/// files, all behind the tenant layer.
pub fn router(state: AppState, config: ServerConfig) -> Router {
    let options = state.leptos_options.clone();
    // `/` is the JSON landing on public hosts and the store's home page elsewhere,
    // rendered whole before sending (like every store page) so it works without JavaScript.
    let pages = generate_route_list_with_exclusions(App, Some(vec!["/".to_owned()]));
    let home = {
        let state = state.clone();
        let options = options.clone();
        leptos_axum::render_app_async_with_context(
            move || provide_context(state.clone()),
            move || shell(options.clone()),
        )
    };
    let root = move |State(state): State<AppState>,
                     Extension(site): Extension<RequestSite>,
                     request: Request| {
        let home = home.clone();
        async move {
            match site.site {
                Site::Public => match routes::public::landing(&state, &site).await {
                    Ok(json) => json.into_response(),
                    Err(err) => err.into_response(),
                },
                Site::Store(_) => home(request).await,
            }
        }
    };

    Router::new()
        .route("/", get(root))
        .merge(routes::router(state.demo_endpoints))
        .merge(api::router(&state, config.api_rates))
        .merge(tls_ask::router(config.tls_asks.clone()))
        .merge(routes::billing::router())
        .leptos_routes(&state, pages, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(fallback)
        // One stack, applied once: each `Router::layer` call wraps every route in its own
        // boxed service, cloned and boxed again on every request.
        .layer(
            ServiceBuilder::new()
                // Outermost: no request ever runs with another request's Leptos owner
                // current.
                .layer(OwnerScopeLayer)
                .layer(SetRequestIdLayer::new(
                    HeaderName::from_static(status::REQUEST_ID),
                    status::RequestIds::new(),
                ))
                .layer(TraceLayer::new_for_http())
                .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
                    status::REQUEST_ID,
                )))
                // A bug that panics in a handler answers 500 instead of dropping the
                // connection.
                .layer(CatchPanicLayer::new())
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(DEFAULT_CSP),
                ))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    config.request_timeout,
                ))
                // The timeout's own answer needs a body type with a default.
                .layer(MapResponseBodyLayer::new(Body::new))
                .layer(CompressionLayer::new())
                .layer(RequestBodyLimitLayer::new(config.body_limit))
                // The middleware functions below take axum's own body.
                .layer(MapRequestBodyLayer::new(Body::new))
                .layer(middleware::from_fn_with_state(
                    LayerState {
                        app: state.clone(),
                        proxy: config.proxy,
                        force_secure_cookies: config.force_secure_cookies,
                        limits: Arc::new(Limits::new(config.limits)),
                    },
                    tenant_layer::resolve,
                ))
                .layer(middleware::from_fn_with_state(
                    config.form_error_key,
                    form_errors::guard,
                ))
                // Innermost: sees the handler's own answer.
                .layer(middleware::from_fn(status::server_fn_errors)),
        )
        .with_state(state)
}

/// Everything no route matched: a page path with a trailing slash is redirected to the
/// path without it; static files are served from the site root; the rest is the app's
/// "Page not found".
async fn fallback(State(state): State<AppState>, uri: Uri, request: Request<Body>) -> Response {
    let path = uri.path();
    if matches!(*request.method(), Method::GET | Method::HEAD)
        && path.len() > 1
        && path.ends_with('/')
    {
        let trimmed = path.trim_end_matches('/');
        // "//evil.example/" must not become a redirect to another site.
        if trimmed.is_empty() || trimmed.starts_with("//") {
            return StatusCode::NOT_FOUND.into_response();
        }
        let target = match uri.query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_owned(),
        };
        return Redirect::permanent(&target).into_response();
    }
    let context_state = state.clone();
    let handler = leptos_axum::file_and_error_handler_with_context(
        move || provide_context(context_state.clone()),
        shell,
    );
    handler(uri, State(state), request).await
}

/// Serves until the process is stopped (Ctrl-C or SIGTERM end it gracefully, letting
/// requests in flight finish for up to 10 seconds).
///
/// Connections are served by hyper directly rather than through `axum::serve`, for the
/// header-read timeout: a client that opens a connection and sends its request head
/// slowly (or never) is cut off after `config.header_read_timeout`.
pub async fn serve(state: AppState, addr: SocketAddr, config: ServerConfig) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(listener, state, config, shutdown_signal()).await
}

/// [`serve`] on a bound listener, until `shutdown` completes (tests use their own).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use tower::ServiceExt;

    let listener_task = state.resolver.spawn_listener();
    let sweeper_task = spawn_sweeper(state.pool.clone(), state.policy);
    let verifier_task = spawn_verifier(&state, config.domain_checks);
    let billing_task = spawn_billing(&state, config.billing_ticks);
    let header_read_timeout = config.header_read_timeout;
    let app = router(state, config);
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a little, go on.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request)
            },
        );
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after 10 s; stopping anyway");
    }
    listener_task.abort();
    sweeper_task.abort();
    verifier_task.abort();
    billing_task.abort();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut sig) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
