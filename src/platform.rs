//! Platform staff: the people who manage stores from the public host. Stored in the
//! shared `public` schema, unrelated to any store's own users; their sessions live in
//! `public.platform_sessions`, so no store session means anything here.

use chrono::{DateTime, Utc};
use futures::{stream, StreamExt as _, TryStreamExt as _};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::accounts::Username;
use crate::email::Email;
use crate::password::{self, random_token, token_digest, Hashed};
use crate::security::{interval, Policy, SessionRules};
use crate::tenancy::directory::{self, Counts, Position, Search};
use crate::tenancy::{self, Tenant};
use crate::throttle::Attempt;
use crate::{catalog, orders, throttle, Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PlatformUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn create(
    pool: &PgPool,
    username: &Username,
    email: &Email,
    password: &Hashed,
) -> Result<PlatformUser> {
    sqlx::query_as(
        "insert into public.platform_users (username, email, password_hash) values ($1, $2, $3) \
         returning id, username, email, is_active, last_login, created_at",
    )
    .bind(username.as_str())
    .bind(email.as_str())
    .bind(password.as_str())
    .fetch_one(pool)
    .await
    .map_err(Error::on_unique(
        "platform_users_username_key",
        "username",
        || {
            format!(
                "The platform username '{}' is already taken.",
                username.as_str()
            )
        },
    ))
}

pub async fn count(pool: &PgPool) -> Result<i64> {
    Ok(
        sqlx::query_scalar("select count(*) from public.platform_users")
            .fetch_one(pool)
            .await?,
    )
}

/// Checks credentials; `None` for any failure, taking the same time either way.
pub async fn authenticate(
    pool: &PgPool,
    username: &str,
    candidate: &str,
) -> Result<Option<PlatformUser>> {
    let row: Option<(i64, String, bool)> = sqlx::query_as(
        "select id, password_hash, is_active from public.platform_users where username = $1",
    )
    .bind(username.trim())
    .fetch_optional(pool)
    .await?;
    let Some(id) = password::check_account(row, candidate).await else {
        return Ok(None);
    };
    Ok(sqlx::query_as(
        "update public.platform_users set last_login = now() where id = $1 \
         returning id, username, email, is_active, last_login, created_at",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// Logs in with the same throttling as store logins ([`crate::accounts::login`]): the
/// attempt is counted first in its own transaction, the password checked with no
/// connection held, and a success takes the attempt back.
pub async fn login(
    pool: &PgPool,
    attempt: &Attempt,
    candidate: &str,
    policy: &Policy,
) -> Result<PlatformUser> {
    password::check_candidate(candidate)?;
    let mut tx = pool.begin().await?;
    if let Err(err) = throttle::PLATFORM.admit(&mut tx, attempt, policy).await {
        tx.rollback().await?;
        return Err(err);
    }
    tx.commit().await?;
    match authenticate(pool, attempt.login(), candidate).await? {
        Some(user) => {
            throttle::PLATFORM
                .succeeded(&mut *pool.acquire().await?, attempt, policy)
                .await?;
            Ok(user)
        }
        None => Err(Error::Rejected(
            "The username or password is incorrect.".into(),
        )),
    }
}

/// Starts a platform session, living by the policy's staff session rules; returns the
/// token for the cookie (shown once).
pub async fn start_session(pool: &PgPool, user_id: i64, rules: SessionRules) -> Result<String> {
    let token = random_token(43);
    sqlx::query(
        "insert into public.platform_sessions (token_hash, platform_user_id, expires_at, idle_timeout) \
         values ($1, $2, now() + $3, $4)",
    )
    .bind(token_digest(&token))
    .bind(user_id)
    .bind(interval(rules.absolute))
    .bind(interval(rules.idle))
    .execute(pool)
    .await?;
    Ok(token)
}

/// The active platform user a live session token belongs to; the use counts as
/// activity for the idle timeout.
pub async fn session_user(pool: &PgPool, token: &str) -> Result<Option<PlatformUser>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    Ok(sqlx::query_as(
        "with s as (update public.platform_sessions set last_seen_at = now() \
           where token_hash = $1 and expires_at > now() \
           and (idle_timeout is null or last_seen_at + idle_timeout > now()) \
           returning platform_user_id) \
         select u.id, u.username, u.email, u.is_active, u.last_login, u.created_at \
         from s join public.platform_users u on u.id = s.platform_user_id where u.is_active",
    )
    .bind(token_digest(token))
    .fetch_optional(pool)
    .await?)
}

pub async fn end_session(pool: &PgPool, token: &str) -> Result<()> {
    sqlx::query("delete from public.platform_sessions where token_hash = $1")
        .bind(token_digest(token))
        .execute(pool)
        .await?;
    Ok(())
}

/// Removes up to `limit` expired platform sessions and up to `limit` forgotten throttle
/// rows; returns how many rows went.
pub async fn purge_expired(pool: &PgPool, policy: &Policy, limit: u32) -> Result<u64> {
    let sessions = sqlx::query(
        "delete from public.platform_sessions where id in (select id from public.platform_sessions \
         where expires_at <= now() or (idle_timeout is not null and last_seen_at + idle_timeout <= now()) \
         limit $1)",
    )
    .bind(i64::from(limit))
    .execute(pool)
    .await?
    .rows_affected();
    let throttle = throttle::PLATFORM
        .purge(&mut *pool.acquire().await?, policy, limit)
        .await?;
    Ok(sessions + throttle)
}

/// A store as the platform admin lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreSummary {
    pub tenant: Tenant,
    pub products: i64,
    pub orders: i64,
}

/// A page of the platform admin's store list: its stores with their counts, where the
/// neighbouring pages start, and the registry's counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StorePage {
    pub stores: Vec<StoreSummary>,
    pub previous: Option<i64>,
    pub next: Option<i64>,
    pub counts: Counts,
}

/// How many stores' own counts are read at once for a page: enough to hide most of the
/// round trips, few enough to leave the pool to the stores' visitors.
const STORE_READS_AT_ONCE: usize = 4;

/// One page of stores ([`directory::page`]) with the registry's counts (one query) and
/// each listed store's product and order counts. Those live in the stores' own schemas,
/// so each is a one-round-trip read in that store's scope: the same road as any store
/// read, which also keeps the page working when stores sit on different database nodes
/// (docs/scale-out.md). Only the page's stores are read, never all of them.
pub async fn store_page(
    pool: &PgPool,
    search: Option<&Search>,
    from: Position,
    size: u32,
) -> Result<StorePage> {
    let page = directory::page(pool, search, from, size).await?;
    let counts = directory::counts(pool, search).await?;
    let stores = stream::iter(page.stores)
        .map(|tenant| async move {
            let (products, orders) = tenancy::read(
                pool,
                &tenant.schema_name,
                (catalog::product_count(), orders::order_count()),
            )
            .await?;
            Ok::<_, Error>(StoreSummary {
                tenant,
                products,
                orders,
            })
        })
        .buffered(STORE_READS_AT_ONCE)
        .try_collect()
        .await?;
    Ok(StorePage {
        stores,
        previous: page.previous,
        next: page.next,
        counts,
    })
}
