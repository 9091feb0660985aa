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
use marketplace::tenancy::resolver::{PublicHosts, Resolver};
use marketplace::tenancy::Site;

use crate::routes;
use crate::tenant_layer::{self, LayerState};

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
pub fn state(pool: PgPool, public_hosts: PublicHosts, leptos_options: LeptosOptions) -> AppState {
    let resolver = Arc::new(Resolver::new(pool.clone(), public_hosts));
    AppState {
        leptos_options,
        pool,
        resolver,
    }
}

/// The whole application: JSON routes, Leptos pages and server functions, static
/// files, all behind the tenant layer.
pub fn router(state: AppState, trust_forwarded_host: bool) -> Router {
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
            LayerState {
                app: state.clone(),
                trust_forwarded_host,
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
pub async fn serve(
    state: AppState,
    addr: SocketAddr,
    trust_forwarded_host: bool,
) -> std::io::Result<()> {
    let listener_task = state.resolver.spawn_listener();
    let app = router(state, trust_forwarded_host);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    listener_task.abort();
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
