//! Server-side plumbing shared by every server function: the application state and the
//! store the request's host resolved to (put in the request's extensions by the
//! server's tenant layer, read back here with `leptos_axum::extract`).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRef;
use axum::Extension;
use leptos::prelude::*;
use marketplace::security::Policy;
use marketplace::tenancy::{Hostname, Resolution, Resolver, Site, Tenant, TenantTx};
use marketplace::throttle::Attempt;
use marketplace::{accounts, cart, sessions};
use sqlx::PgPool;

use crate::error::AppError;

/// Everything a request handler may need, provided to server functions as context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub resolver: Arc<Resolver>,
    /// Login throttling, session lifetimes, the sweeper's pace.
    pub policy: Policy,
    /// Whether the seed's introspection endpoints (`/schema-info/`, `/request-flow/`,
    /// `/db-routing/`) and the flow page's replay answer; off in production.
    pub demo_endpoints: bool,
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

/// The moments the tenant layer passed for one request, on one monotonic clock, so the
/// request-flow page can show each stage's real duration and their order.
#[derive(Clone, Copy, Debug)]
pub struct LayerMarks {
    /// The request entered the tenant layer.
    pub received: Instant,
    /// The `Host` header was read.
    pub host_read: Instant,
    /// It was parsed into a [`Hostname`].
    pub host_parsed: Instant,
    /// The resolver answered.
    pub resolved: Instant,
    /// The request was handed on to its route.
    pub admitted: Instant,
}

/// A `Host` header value resolved to a site, with the marks of each step.
pub struct HostLookup {
    pub hostname: Hostname,
    pub resolution: Resolution,
    /// `admitted` is the moment the lookup finished; the caller moves it on when the
    /// request really goes on to its route.
    pub marks: LayerMarks,
}

/// Parses a `Host` header value and resolves it through the shared resolver, marking
/// each step; `received` is when the request arrived. `None` when the value is not a
/// host name. The tenant layer runs this for every request, and the request-flow page
/// replays it for a typed host, so both take the very same path.
pub async fn look_up_host(
    resolver: &Resolver,
    raw_host: &str,
    received: Instant,
) -> marketplace::Result<Option<HostLookup>> {
    let host_read = Instant::now();
    let Some(hostname) = Hostname::from_host_header(raw_host) else {
        return Ok(None);
    };
    let host_parsed = Instant::now();
    let resolution = resolver.resolve(&hostname).await?;
    let resolved = Instant::now();
    let marks = LayerMarks {
        received,
        host_read,
        host_parsed,
        resolved,
        admitted: resolved,
    };
    Ok(Some(HostLookup {
        hostname,
        resolution,
        marks,
    }))
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
    Ok(TenantTx::begin_read_only(&state.pool, &tenant.schema_name).await?)
}

/// A read-write transaction in the request's store.
pub async fn write() -> Result<TenantTx, AppError> {
    let (state, tenant) = store().await?;
    Ok(TenantTx::begin(&state.pool, &tenant.schema_name).await?)
}

/// The cookie that carries a store session's token. Host-only (no `Domain`), so the
/// browser sends it to the store's own host alone.
pub const SESSION_COOKIE: &str = "mkt_session";

/// The value of the request's cookie `name`, if the browser sent one.
pub async fn cookie(name: &str) -> Option<String> {
    let headers = leptos_axum::extract::<http::HeaderMap>().await.ok()?;
    cookie_in(&headers, name)
}

/// The value of cookie `name` among `headers`' `Cookie` headers.
pub fn cookie_in(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_owned())
}

/// The session token the browser sent, if any.
pub async fn session_token() -> Option<String> {
    cookie(SESSION_COOKIE).await
}

/// The visitor's live session in this store, if their cookie names one.
pub async fn current_session(tx: &mut TenantTx) -> Result<Option<sessions::Session>, AppError> {
    match session_token().await {
        Some(token) => Ok(sessions::find(tx, &token).await?),
        None => Ok(None),
    }
}

/// The visitor's session, started (and its cookie set) when they have none.
pub async fn session_or_start(tx: &mut TenantTx) -> Result<sessions::Session, AppError> {
    if let Some(session) = current_session(tx).await? {
        return Ok(session);
    }
    let rules = state()?.policy.customer_sessions;
    let new = sessions::create(tx, None, rules).await?;
    set_session_cookie(&new.token, rules);
    Ok(new.session)
}

/// Whose cart a session shops with: the customer's once logged in.
pub fn cart_owner(session: &sessions::Session) -> cart::Owner {
    match session.user_id {
        Some(user_id) => cart::Owner::User(user_id),
        None => cart::Owner::Session(session.id),
    }
}

/// Sets (`Some(value)`, for `max_age_secs`) or clears (`None`) the cookie `name`:
/// always HttpOnly, SameSite=Lax and host-only (no `Domain`), so it goes back to this
/// host alone and no page script can read it.
pub fn set_cookie(name: &str, value: Option<&str>, max_age_secs: u64) {
    let (value, max_age) = match value {
        Some(value) => (value, max_age_secs),
        None => ("", 0),
    };
    let header = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    if let (Some(response), Ok(header)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&header),
    ) {
        response.append_header(http::header::SET_COOKIE, header);
    }
}

/// Hands the browser a store session token, kept as long as the session can live.
pub fn set_session_cookie(token: &str, rules: marketplace::security::SessionRules) {
    set_cookie(SESSION_COOKIE, Some(token), rules.absolute.as_secs());
}

/// Tells the browser to forget its store session token.
pub fn clear_session_cookie() {
    set_cookie(SESSION_COOKIE, None, 0);
}

/// Ties the visitor to `user` with a fresh session token (a token seen before login is
/// worthless after it), living by the rules of the user's kind (staff sessions are
/// short). The anonymous cart comes along; orders placed as a guest stay the guest's.
pub async fn start_user_session(tx: &mut TenantTx, user: &accounts::User) -> Result<(), AppError> {
    let rules = state()?.policy.sessions_for(user.is_staff);
    let previous = current_session(tx).await?;
    let fresh = sessions::create(tx, Some(user.id), rules).await?;
    if let Some(previous) = previous {
        if previous.user_id.is_none() {
            cart::merge_into_user(tx, previous.id, user.id).await?;
        }
        sessions::delete(tx, previous.id).await?;
    }
    set_session_cookie(&fresh.token, rules);
    Ok(())
}

/// A login attempt for `login` from this request's client.
pub async fn attempt(login: &str) -> Result<Attempt, AppError> {
    Ok(Attempt::new(login, site().await?.client)?)
}

/// Logs the visitor in to this store through `door` (storefront or admin), with the
/// core's throttling (no connection is held while the password is checked), then
/// starts their session.
pub async fn log_in(username: &str, password: &str, door: accounts::Door) -> Result<(), AppError> {
    let attempt = attempt(username).await?;
    let (state, tenant) = store().await?;
    let user = accounts::login(
        &state.pool,
        &tenant.schema_name,
        &attempt,
        password,
        door,
        &state.policy,
    )
    .await?;
    let mut tx = write().await?;
    start_user_session(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends the visitor's session in this store and forgets its cookie.
pub async fn log_out() -> Result<(), AppError> {
    let mut tx = write().await?;
    if let Some(session) = current_session(&mut tx).await? {
        sessions::delete(&mut tx, session.id).await?;
    }
    tx.commit().await?;
    clear_session_cookie();
    Ok(())
}

/// Sets the HTTP status of the page being rendered (404 for a missing order, …).
pub fn set_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}
