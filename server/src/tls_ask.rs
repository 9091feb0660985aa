//! `GET /internal/tls/ask?domain=…`: whether a TLS proxy in front of the server (Caddy's
//! on-demand TLS, `deploy/Caddyfile`) may get a certificate for a host.
//!
//! Certificates are issued during a client's TLS handshake for whatever name it sends,
//! so without this question anyone could make the proxy ask a certificate authority
//! for arbitrary names (and run into its rate limits). The answer is 200 only for a
//! host that serves a store — a verified custom domain or a store's platform subdomain
//! — straight from the resolver and its cache. Anything else, including any error
//! reaching the registry, is not 200: no certificate (fail closed). Only loopback
//! peers may ask; the proxy runs on the same machine.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;

use app::ssr::AppState;
use marketplace::tenancy::{Hostname, Site};

/// The path the proxy asks.
pub const ASK_PATH: &str = "/internal/tls/ask";

/// How often the proxy asked and how often it was told yes (the end-to-end test reads
/// them; each answer is also logged).
#[derive(Clone, Debug, Default)]
pub struct TlsAsks(Arc<[AtomicU64; 2]>);

impl TlsAsks {
    /// Questions answered so far.
    pub fn asked(&self) -> u64 {
        self.0[0].load(Ordering::Acquire)
    }

    /// Questions answered 200 so far.
    pub fn allowed(&self) -> u64 {
        self.0[1].load(Ordering::Acquire)
    }

    fn count(&self, allowed: bool) {
        self.0[0].fetch_add(1, Ordering::AcqRel);
        if allowed {
            self.0[1].fetch_add(1, Ordering::AcqRel);
        }
    }
}

#[derive(Deserialize)]
struct Ask {
    domain: Option<String>,
}

/// The ask route, counting into `asks`.
pub fn router(asks: TlsAsks) -> Router<AppState> {
    Router::new()
        .route(ASK_PATH, get(ask))
        .layer(Extension(asks))
}

async fn ask(
    State(state): State<AppState>,
    Extension(asks): Extension<TlsAsks>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Query(query): Query<Ask>,
) -> Response {
    let loopback = peer.is_some_and(|Extension(ConnectInfo(addr))| addr.ip().is_loopback());
    if !loopback {
        return (StatusCode::FORBIDDEN, "Only the local TLS proxy may ask.\n").into_response();
    }
    let raw = query.domain.unwrap_or_default();
    let status = match Hostname::parse(&raw) {
        Err(_) => StatusCode::BAD_REQUEST,
        Ok(host) => match state.resolver.resolve(&host).await {
            Ok(resolution) => match resolution.site {
                Some(Site::Store(_)) => StatusCode::OK,
                Some(Site::Public) | None => StatusCode::NOT_FOUND,
            },
            Err(err) => {
                tracing::warn!(domain = %raw.escape_debug(), error = %err, "tls ask: registry unavailable; refusing");
                StatusCode::SERVICE_UNAVAILABLE
            }
        },
    };
    let allowed = status == StatusCode::OK;
    asks.count(allowed);
    tracing::info!(domain = %raw.escape_debug(), allowed, "tls ask");
    let body = if allowed { "ok\n" } else { "no\n" };
    (status, body).into_response()
}
