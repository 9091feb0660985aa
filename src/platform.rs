//! Platform staff: the people who manage stores from the public host. Stored in the
//! shared `public` schema, unrelated to any store's own users; their sessions live in
//! `public.platform_sessions`, so no store session means anything here.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::accounts::Username;
use crate::email::Email;
use crate::password::{self, random_token, token_digest, Password};
use crate::tenancy::{registry, Tenant, TenantTx};
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
    password: Password,
) -> Result<PlatformUser> {
    let hash = password::hash_blocking(password).await;
    sqlx::query_as(
        "insert into public.platform_users (username, email, password_hash) values ($1, $2, $3) \
         returning id, username, email, is_active, last_login, created_at",
    )
    .bind(username.as_str())
    .bind(email.as_str())
    .bind(hash)
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
    let Some((id, hash, active)) = row else {
        password::check_login(None, candidate).await;
        return Ok(None);
    };
    if !password::check_login(Some((hash, active)), candidate).await {
        return Ok(None);
    }
    Ok(sqlx::query_as(
        "update public.platform_users set last_login = now() where id = $1 \
         returning id, username, email, is_active, last_login, created_at",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// Logs in with the same throttling as store logins.
pub async fn login(pool: &PgPool, username: &str, candidate: &str) -> Result<PlatformUser> {
    let username = username.trim();
    // Each step borrows a connection only for itself: a pool of one must not deadlock.
    throttle::PLATFORM
        .check(&mut *pool.acquire().await?, username)
        .await?;
    match authenticate(pool, username, candidate).await? {
        Some(user) => {
            throttle::PLATFORM
                .clear(&mut *pool.acquire().await?, username)
                .await?;
            Ok(user)
        }
        None => {
            throttle::PLATFORM
                .record_failure(&mut *pool.acquire().await?, username)
                .await?;
            Err(Error::Rejected(
                "The username or password is incorrect.".into(),
            ))
        }
    }
}

/// How long a platform session lasts.
pub const SESSION_HOURS: i64 = 12;

/// Starts a platform session; returns the token for the cookie (shown once).
pub async fn start_session(pool: &PgPool, user_id: i64) -> Result<String> {
    let token = random_token(43);
    sqlx::query("insert into public.platform_sessions (token_hash, platform_user_id, expires_at) values ($1, $2, $3)")
        .bind(token_digest(&token))
        .bind(user_id)
        .bind(Utc::now() + Duration::hours(SESSION_HOURS))
        .execute(pool)
        .await?;
    Ok(token)
}

/// The active platform user a session token belongs to.
pub async fn session_user(pool: &PgPool, token: &str) -> Result<Option<PlatformUser>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    Ok(sqlx::query_as(
        "select u.id, u.username, u.email, u.is_active, u.last_login, u.created_at \
         from public.platform_sessions s join public.platform_users u on u.id = s.platform_user_id \
         where s.token_hash = $1 and s.expires_at > now() and u.is_active",
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

/// A store as the platform admin lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreSummary {
    pub tenant: Tenant,
    pub products: i64,
    pub orders: i64,
}

/// Every store with its product and order counts, each read in its own schema.
pub async fn store_summaries(pool: &PgPool) -> Result<Vec<StoreSummary>> {
    let mut summaries = Vec::new();
    for tenant in registry::list(pool).await? {
        let mut tx = TenantTx::begin_read_only(pool, &tenant.schema_name).await?;
        let products = catalog::count(&mut tx).await?;
        let orders = orders::count(&mut tx).await?;
        tx.commit().await?;
        summaries.push(StoreSummary {
            tenant,
            products,
            orders,
        });
    }
    Ok(summaries)
}
