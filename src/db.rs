//! The connection pool.
//!
//! Every pooled connection starts with `search_path = pg_catalog`: an unqualified table
//! name used outside a tenant transaction fails with "relation does not exist" instead of
//! silently reading whatever schema happens to be first. Shared tables are always written
//! `public.<name>`; store tables are only reachable through [`crate::tenancy::TenantTx`],
//! whose `search_path` is transaction-local.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::Result;

/// The `search_path` of a connection outside any store transaction.
pub const NEUTRAL_SEARCH_PATH: &str = "pg_catalog";

/// How to reach the database and how many connections to keep.
#[derive(Debug, Clone)]
pub struct DbConfig {
    pub url: String,
    pub max_connections: u32,
}

/// Applies the project's per-connection settings to any connect options.
pub fn harden(options: PgConnectOptions) -> PgConnectOptions {
    options
        .options([("search_path", NEUTRAL_SEARCH_PATH)])
        .application_name("marketplace")
}

/// Opens the pool used by the server and the CLI.
pub async fn connect(config: &DbConfig) -> Result<PgPool> {
    let options = harden(PgConnectOptions::from_str(&config.url)?);
    connect_with(options, config.max_connections).await
}

/// The `search_path` PostgreSQL reports on a pooled connection, outside any store
/// transaction ([`NEUTRAL_SEARCH_PATH`] unless something is wrong).
pub async fn search_path(pool: &PgPool) -> Result<String> {
    Ok(sqlx::query_scalar("select current_setting('search_path')")
        .fetch_one(pool)
        .await?)
}

/// Opens a pool on explicit options (tests build them from a fresh database).
pub async fn connect_with(options: PgConnectOptions, max_connections: u32) -> Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        // While the database is away (a restart), requests fail after this long with
        // 503 instead of hanging; pooled connections are checked before use, so dead
        // ones left by a restart are replaced.
        .acquire_timeout(Duration::from_secs(3))
        .test_before_acquire(true)
        .connect_with(harden(options))
        .await?;
    Ok(pool)
}
