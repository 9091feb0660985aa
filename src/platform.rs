//! Platform staff: the people who manage stores from the public host. Stored in the
//! shared `public` schema, unrelated to any store's own users.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::accounts::Username;
use crate::email::Email;
use crate::password::{self, Password};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PlatformUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn create(pool: &PgPool, username: &Username, email: &Email, password: Password) -> Result<PlatformUser> {
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
    .map_err(Error::on_unique("platform_users_username_key", || {
        format!("The platform username '{}' is already taken.", username.as_str())
    }))
}

pub async fn count(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from public.platform_users").fetch_one(pool).await?)
}

/// Checks credentials; `None` for any failure, in constant-ish time.
pub async fn authenticate(pool: &PgPool, username: &str, candidate: &str) -> Result<Option<PlatformUser>> {
    let row: Option<(i64, String, bool)> =
        sqlx::query_as("select id, password_hash, is_active from public.platform_users where username = $1")
            .bind(username.trim())
            .fetch_optional(pool)
            .await?;
    let (id, hash, active) = match row {
        Some(row) => row,
        None => (0, password::decoy_hash().to_owned(), false),
    };
    if !(password::verify_blocking(candidate.to_owned(), hash).await && active) {
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
