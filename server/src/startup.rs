//! Building the application: state, the one `Router` (used by `serve` and by the
//! tests alike), and serving it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list_with_exclusions, LeptosRoutes};
use sqlx::PgPool;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use app::ssr::{AppState, RequestSite};
use app::{shell, App};
use marketplace::security::Policy;
use marketplace::sweep::Sweeper;
use marketplace::tenancy::resolver::{PublicHosts, Resolver};
use marketplace::tenancy::Site;

use crate::form_errors::{self, FormErrorKey};
use crate::routes;
use crate::tenant_layer::{self, LayerState, ProxyTrust};

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
    let resolver = Arc::new(Resolver::new(pool.clone(), public_hosts));
    AppState {
        leptos_options,
        pool,
        resolver,
        policy,
    }
}

/// How the server is set up beyond its state: which proxy headers to believe, and the
/// key that signs form errors.
#[derive(Clone)]
pub struct ServerConfig {
    pub proxy: ProxyTrust,
    pub form_error_key: FormErrorKey,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            proxy: ProxyTrust::default(),
            form_error_key: FormErrorKey::new(None),
        }
    }
}

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
        .merge(routes::router())
        .leptos_routes(&state, pages, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(
            config.form_error_key,
            form_errors::guard,
        ))
        .layer(middleware::from_fn_with_state(
            LayerState {
                app: state.clone(),
                proxy: config.proxy,
            },
            tenant_layer::resolve,
        ))
        .layer(CompressionLayer::new())
        // A bug that panics in a handler answers 500 instead of dropping the connection.
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
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

/// Serves until the process is stopped (Ctrl-C or SIGTERM end it gracefully).
pub async fn serve(state: AppState, addr: SocketAddr, config: ServerConfig) -> std::io::Result<()> {
    let listener_task = state.resolver.spawn_listener();
    let sweeper_task = spawn_sweeper(state.pool.clone(), state.policy);
    let app = router(state, config);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    listener_task.abort();
    sweeper_task.abort();
    Ok(())
}

/// Runs the sweeper ([`marketplace::sweep`]) every `policy.sweep.interval` until the
/// server stops; a failed tick is logged and the next one tries again.
pub fn spawn_sweeper(pool: PgPool, policy: Policy) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut sweeper = Sweeper::new();
        let mut every = tokio::time::interval(policy.sweep.interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match sweeper.tick(&pool, &policy).await {
                Ok(report) if report.rows_removed > 0 => tracing::info!(
                    stores = report.stores_visited,
                    removed = report.rows_removed,
                    "swept expired sessions and login records"
                ),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "sweeper tick failed"),
            }
        }
    })
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
