//! Visitor sessions of one store, kept in that store's schema.
//!
//! The browser holds a random token in a cookie scoped to the store's host; the
//! database holds only the token's SHA-256. A session starts anonymous (it can hold a
//! cart and see the orders it placed) and may be tied to one of the store's users by
//! logging in — which always issues a new token, so a token seen before login is
//! worthless after it. Because sessions live in the store's own schema, a token from
//! one store finds nothing in any other.

use chrono::{DateTime, Duration, Utc};

use crate::password::{random_token, token_digest};
use crate::tenancy::TenantTx;
use crate::Result;

/// How long a session lasts.
pub const LIFETIME_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub user_id: Option<i64>,
    pub expires_at: DateTime<Utc>,
}

/// A new session and the token to hand to the browser (shown once, never stored).
pub struct NewSession {
    pub session: Session,
    pub token: String,
}

/// Starts a session, anonymous or for `user_id`. A login also sweeps the store's
/// expired sessions (and their carts) away, so they never pile up.
pub async fn create(tx: &mut TenantTx, user_id: Option<i64>) -> Result<NewSession> {
    if user_id.is_some() {
        purge_expired(tx).await?;
    }
    let token = random_token(43);
    let expires_at = Utc::now() + Duration::days(LIFETIME_DAYS);
    let session = sqlx::query_as(
        "insert into sessions (token_hash, user_id, expires_at) values ($1, $2, $3) \
         returning id, user_id, expires_at",
    )
    .bind(token_digest(&token))
    .bind(user_id)
    .bind(expires_at)
    .fetch_one(tx.conn())
    .await?;
    Ok(NewSession { session, token })
}

/// The live session a token belongs to. Tokens of inactive users' sessions are refused.
pub async fn find(tx: &mut TenantTx, token: &str) -> Result<Option<Session>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    Ok(sqlx::query_as(
        "select s.id, s.user_id, s.expires_at from sessions s left join users u on u.id = s.user_id \
         where s.token_hash = $1 and s.expires_at > now() and (s.user_id is null or u.is_active)",
    )
    .bind(token_digest(token))
    .fetch_optional(tx.conn())
    .await?)
}

/// Ends a session (logout). Its anonymous cart goes with it.
pub async fn delete(tx: &mut TenantTx, session_id: i64) -> Result<()> {
    sqlx::query("delete from sessions where id = $1")
        .bind(session_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Ends every session of a user (deactivation, password reset).
pub async fn delete_for_user(tx: &mut TenantTx, user_id: i64) -> Result<u64> {
    Ok(sqlx::query("delete from sessions where user_id = $1")
        .bind(user_id)
        .execute(tx.conn())
        .await?
        .rows_affected())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired(tx: &mut TenantTx) -> Result<u64> {
    Ok(
        sqlx::query("delete from sessions where expires_at <= now()")
            .execute(tx.conn())
            .await?
            .rows_affected(),
    )
}
