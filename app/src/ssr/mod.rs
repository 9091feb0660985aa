//! Server-side plumbing shared by every server function: the application state and the
//! store the request's host resolved to (put in the request's extensions by the
//! server's tenant layer, read back here with `leptos_axum::extract`), and the
//! transactions a server function opens in that store.
//!
//! * [`cookies`] — reading and writing our cookies (HttpOnly, SameSite=Lax, host-only);
//! * [`session`] — the store visitor's session cookie, logging in and out.

pub mod cookies;
pub mod session;

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::FromRef;
use axum::Extension;
use leptos::prelude::*;
use marketplace::security::Policy;
use marketplace::tenancy::{Hostname, LayerMarks, Resolver, ShardedPool, Site, Tenant, TenantTx};
use sqlx::PgPool;

use crate::error::AppError;

/// The session helpers every store server function uses, at their old paths.
pub use session::{
    attempt, clear_session_cookie, current_session, log_in, log_out, session_or_start,
    session_token, set_session_cookie, start_user_session, SESSION_COOKIE,
};

/// The value of cookie `name` among `headers`' `Cookie` headers ([`cookies::get_in`]).
pub use cookies::get_in as cookie_in;

/// Everything a request handler may need, provided to server functions as context:
/// [`AppFields`] behind one `Arc`, so that the clone every extractor and middleware
/// makes is one counter, not one a field. Fields read through `Deref`; a write (before
/// serving, or in a test) copies them first if they are shared (`Arc::make_mut`).
#[derive(Clone)]
pub struct AppState(Arc<AppFields>);

impl AppState {
    pub fn new(fields: AppFields) -> Self {
        AppState(Arc::new(fields))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppFields;

    fn deref(&self) -> &AppFields {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut AppFields {
        Arc::make_mut(&mut self.0)
    }
}

/// Leptos' route handlers find their options in the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The fields of [`AppState`].
#[derive(Clone)]
pub struct AppFields {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// The connections store transactions run on: store-affine shards in the server
    /// ([`ShardedPool`]), so each database backend caches only some stores' catalogs;
    /// one shard over [`Self::pool`] until the server sets its own.
    pub stores: ShardedPool,
    pub resolver: Arc<Resolver>,
    /// Login throttling, session lifetimes, the sweeper's pace.
    pub policy: Policy,
    /// Whether the seed's introspection endpoints (`/schema-info/`, `/request-flow/`,
    /// `/db-routing/`) and the flow page's replay answer; off in production.
    pub demo_endpoints: bool,
    /// The DNS resolver that proves custom domains, and where their records point.
    pub verifier: Arc<marketplace::tenancy::verification::Verifier>,
    /// The payment provider and the clock billing decides by (the fake provider on the
    /// real clock until a real provider is plugged in).
    pub billing: marketplace::billing::Billing,
}

/// The site a request was resolved to, with how the resolution went.
#[derive(Clone, Debug)]
pub struct RequestSite {
    /// The `Host` header as received, port included (`techstore.localhost:8000`).
    pub host: String,
    /// The normalised host name that was looked up.
    pub hostname: Hostname,
    /// The client's address: the peer's, or the one a trusted proxy reported.
    pub client: IpAddr,
    pub site: Site,
    /// Whether the host was answered from the resolver's cache.
    pub cache_hit: bool,
    /// When the tenant layer reached each point of its work (for the request-flow page).
    pub marks: LayerMarks,
}

impl RequestSite {
    pub fn tenant(&self) -> Option<&Arc<Tenant>> {
        match &self.site {
            Site::Store(tenant) => Some(tenant),
            Site::Public => None,
        }
    }

    /// The schema name this request works in: the store's, or `public`.
    pub fn schema_label(&self) -> &str {
        match &self.site {
            Site::Store(tenant) => tenant.schema_name.as_str(),
            Site::Public => "public",
        }
    }

    /// The port the request named, if any.
    pub fn port(&self) -> Option<u16> {
        Hostname::from_host_header_with_port(&self.host).and_then(|(_, port)| port)
    }

    /// `:8000` when the request named a port, else empty: store links keep the port the
    /// visitor is using.
    pub fn port_suffix(&self) -> String {
        self.port()
            .map(|port| format!(":{port}"))
            .unwrap_or_default()
    }
}

/// The application state, inside a server function.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

/// A delay every server function waits before its work: a random time up to the
/// environment variable `MARKETPLACE_DEBUG_SERVER_FN_DELAY_MS` (default: none). It
/// stands in for a database that answers sometimes fast, sometimes slowly, so that
/// tests can show every page renders the same on the server and in the browser
/// whatever the timing. Never set it in production.
fn debug_delay() -> Option<std::time::Duration> {
    static MAX_MS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let max = *MAX_MS.get_or_init(|| {
        std::env::var("MARKETPLACE_DEBUG_SERVER_FN_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse::<u64>().ok())
            .unwrap_or(0)
    });
    if max == 0 {
        return None;
    }
    // Spread, not secrecy: the clock's nanoseconds are random enough.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    Some(std::time::Duration::from_millis(nanos % (max + 1)))
}

/// The request's resolved site, inside a server function.
pub async fn site() -> Result<RequestSite, AppError> {
    if let Some(delay) = debug_delay() {
        tokio::time::sleep(delay).await;
    }
    let Extension(site) = leptos_axum::extract::<Extension<RequestSite>>().await.map_err(|err| {
        tracing::error!(error = %err, "request reached a server function without a resolved site");
        AppError::Internal
    })?;
    Ok(site)
}

/// The request's store, or [`AppError::NoStore`] on the public host.
pub async fn store() -> Result<(AppState, Arc<Tenant>), AppError> {
    let site = site().await?;
    let tenant = site.tenant().cloned().ok_or(AppError::NoStore)?;
    Ok((state()?, tenant))
}

/// A read-only transaction in the request's store.
pub async fn read() -> Result<TenantTx, AppError> {
    let (state, tenant) = store().await?;
    Ok(TenantTx::begin_read_only(&state.stores, &tenant.schema_name).await?)
}

/// A read-write transaction in the request's store.
pub async fn write() -> Result<TenantTx, AppError> {
    let (state, tenant) = store().await?;
    Ok(TenantTx::begin(&state.stores, &tenant.schema_name).await?)
}

/// Sets the HTTP status of the page being rendered (404 for a missing order, …).
pub fn set_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}
