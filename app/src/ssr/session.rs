//! A store visitor's session, from the request's side: the cookie that carries its
//! token, and logging in and out. What a login carries over and what it never adopts
//! is the core's rule ([`accounts::start_session`]); this module only reads and writes
//! the cookie around it.

use marketplace::security::SessionRules;
use marketplace::tenancy::TenantTx;
use marketplace::throttle::Attempt;
use marketplace::{accounts, sessions};

use super::{cookies, site, state, store, write};
use crate::error::AppError;

/// The cookie that carries a store session's token. Host-only (no `Domain`), so the
/// browser sends it to the store's own host alone.
pub const SESSION_COOKIE: &str = "mkt_session";

/// The session token the browser sent, if any.
pub async fn session_token() -> Option<String> {
    cookies::get(SESSION_COOKIE).await
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

/// Hands the browser a store session token, kept as long as the session can live.
pub fn set_session_cookie(token: &str, rules: SessionRules) {
    cookies::set(SESSION_COOKIE, token, rules.absolute.as_secs());
}

/// Tells the browser to forget its store session token.
pub fn clear_session_cookie() {
    cookies::clear(SESSION_COOKIE);
}

/// Ties the visitor to `user` with a fresh session by the core's login rules
/// ([`accounts::start_session`]), living by the rules of the user's kind, and hands
/// the browser its token.
pub async fn start_user_session(tx: &mut TenantTx, user: &accounts::User) -> Result<(), AppError> {
    let rules = state()?.policy.sessions_for(user.is_staff);
    let previous = current_session(tx).await?;
    let fresh = accounts::start_session(tx, previous.as_ref(), user, rules).await?;
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
