//! Visitor sessions of one store, kept in that store's schema.
//!
//! The browser holds a random token in a cookie scoped to the store's host; the
//! database holds only the token's SHA-256. A session starts anonymous (it can hold a
//! cart and see the orders it placed) and may be tied to one of the store's users by
//! logging in — which always issues a new token, so a token seen before login is
//! worthless after it. Because sessions live in the store's own schema, a token from
//! one store finds nothing in any other.

use chrono::{DateTime, Utc};

use crate::password::{random_token, token_digest};
use crate::security::{interval, SessionRules};
use crate::tenancy::TenantTx;
use crate::Result;

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

/// Starts a session, anonymous or for `user_id`, living by `rules`: it ends
/// `rules.absolute` from now, or after `rules.idle` without use, whichever comes first.
pub async fn create(
    tx: &mut TenantTx,
    user_id: Option<i64>,
    rules: SessionRules,
) -> Result<NewSession> {
    let token = random_token(43);
    let session = sqlx::query_as(
        "insert into sessions (token_hash, user_id, expires_at, idle_timeout) \
         values ($1, $2, now() + $3, $4) returning id, user_id, expires_at",
    )
    .bind(token_digest(&token))
    .bind(user_id)
    .bind(interval(rules.absolute))
    .bind(interval(rules.idle))
    .fetch_one(tx.conn())
    .await?;
    Ok(NewSession { session, token })
}

/// `$columns` of the live session whose token digest is `$1`, its user joined as `u`:
/// the one rule of what a live session is, shared by [`find`] and [`visitor`].
macro_rules! live_session_sql {
    ($columns:literal) => {
        concat!(
            "select ",
            $columns,
            " from sessions s left join users u on u.id = s.user_id \
             where s.token_hash = $1 and s.expires_at > now() \
             and (s.idle_timeout is null or s.last_seen_at + s.idle_timeout > now()) \
             and (s.user_id is null or u.is_active)"
        )
    };
}

/// The themes' preview read ([`crate::theme::store`]) asks the same question.
pub(crate) use live_session_sql;

/// Whether `token` could be a session token at all (anything else finds nothing).
pub(crate) fn plausible(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128
}

/// The live session a token belongs to: not past its lifetime, not idle for longer than
/// its idle timeout, and not of an inactive user. Inside a read-write transaction a use
/// also counts as activity (recorded at most once a minute).
pub async fn find(tx: &mut TenantTx, token: &str) -> Result<Option<Session>> {
    if !plausible(token) {
        return Ok(None);
    }
    let found: Option<(i64, Option<i64>, DateTime<Utc>, bool)> = sqlx::query_as(live_session_sql!(
        "s.id, s.user_id, s.expires_at, s.last_seen_at < now() - interval '1 minute'"
    ))
    .bind(token_digest(token))
    .fetch_optional(tx.conn())
    .await?;
    let Some((id, user_id, expires_at, stale)) = found else {
        return Ok(None);
    };
    if stale && !tx.is_read_only() {
        sqlx::query("update sessions set last_seen_at = now() where id = $1")
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    Ok(Some(Session {
        id,
        user_id,
        expires_at,
    }))
}

/// Who is visiting, as a storefront's header shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Visitor {
    pub session_id: i64,
    pub user_id: Option<i64>,
    /// Items in the cart the session shops with (the customer's, once logged in).
    pub cart_items: i64,
    /// The logged-in customer's full name, or their username when it is empty.
    pub customer: Option<String>,
}

/// The visitor a session token belongs to, as a read of a one-round-trip batch
/// ([`crate::tenancy::read`]): the session as [`find`] finds it (never touched: batches
/// are read-only), its cart's size and its customer's name, in one statement.
pub fn visitor(token: Option<&str>) -> crate::tenancy::Read<Option<Visitor>> {
    use crate::tenancy::batch::{self, Arg, Read};
    match token.filter(|token| plausible(token)) {
        Some(token) => batch::optional(live_session_sql!(
            "s.id as session_id, s.user_id, \
             (select coalesce(sum(i.quantity), 0)::bigint from cart_items i \
              join carts c on c.id = i.cart_id \
              where (s.user_id is null and c.session_id = s.id) or c.user_id = s.user_id) \
             as cart_items, \
             coalesce(nullif(u.full_name, ''), u.username) as customer"
        ))
        .arg(Arg::Bytes(token_digest(token))),
        None => Read::ready(None),
    }
}

/// Ends a session (logout). Its anonymous cart goes with it.
pub async fn delete(tx: &mut TenantTx, session_id: i64) -> Result<()> {
    sqlx::query("delete from sessions where id = $1")
        .bind(session_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Ends every session of a user but `keep` (deactivation, password change or reset).
pub async fn delete_for_user(tx: &mut TenantTx, user_id: i64, keep: Option<i64>) -> Result<u64> {
    Ok(
        sqlx::query("delete from sessions where user_id = $1 and id is distinct from $2")
            .bind(user_id)
            .bind(keep)
            .execute(tx.conn())
            .await?
            .rows_affected(),
    )
}

/// Removes up to `limit` sessions that are past their lifetime or idle timeout (and,
/// through the foreign key, the carts of anonymous ones); returns how many.
pub async fn purge_expired(tx: &mut TenantTx, limit: u32) -> Result<u64> {
    Ok(sqlx::query(
        "delete from sessions where id in (select id from sessions where expires_at <= now() \
         or (idle_timeout is not null and last_seen_at + idle_timeout <= now()) limit $1)",
    )
    .bind(i64::from(limit))
    .execute(tx.conn())
    .await?
    .rows_affected())
}
