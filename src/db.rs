//! The connection pool.
//!
//! Every pooled connection starts with `search_path = pg_catalog`: an unqualified table
//! name used outside a tenant transaction fails with "relation does not exist" instead of
//! silently reading whatever schema happens to be first. Shared tables are always written
//! `public.<name>`; store tables are only reachable through [`crate::tenancy::TenantTx`],
//! whose `search_path` is transaction-local.
//!
//! A PostgreSQL backend keeps, for the rest of its life, catalog cache entries for every
//! relation it has touched: with thousands of stores a long-lived pooled connection grows
//! to hundreds of megabytes. [`Recycling`] bounds that: now and then, as a connection is
//! released, its backend's memory is measured and a connection over budget is closed
//! (the pool opens a fresh one when it is next needed). Store-affine pools
//! ([`crate::tenancy::connections`]) keep the number of stores each backend sees small in
//! the first place.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgPool};

use crate::Result;

/// The `search_path` of a connection outside any store transaction.
pub const NEUTRAL_SEARCH_PATH: &str = "pg_catalog";

/// How to reach the database and how many connections to keep.
#[derive(Debug, Clone)]
pub struct DbConfig {
    pub url: String,
    pub max_connections: u32,
}

/// When a pooled connection is closed and replaced because its backend grew too big.
///
/// Measuring costs a round trip and a walk over the backend's memory contexts, so only
/// about one release in `sample_every` measures (a counter shared by the pool's
/// connections: each connection is measured every `sample_every` of its own uses on
/// average). Reading `pg_backend_memory_contexts` needs a superuser (PostgreSQL 15) or
/// `pg_read_all_stats` (16+); where it is refused, recycling falls back to the pool's
/// `max_lifetime` and says so once in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recycling {
    /// Measure about once per this many releases (0: never measure).
    pub sample_every: u64,
    /// Close a connection whose backend uses more than this many bytes.
    pub memory_budget: i64,
}

impl Recycling {
    /// Measurement off: connections live until the pool's `max_lifetime`.
    pub const OFF: Recycling = Recycling {
        sample_every: 0,
        memory_budget: i64::MAX,
    };

    /// Counts one release in `releases` and says whether it is the one in
    /// `sample_every` to measure (never when measurement is off).
    pub fn due(&self, releases: &AtomicU64) -> bool {
        let every = self.sample_every;
        every > 0 && releases.fetch_add(1, Ordering::Relaxed) % every == every - 1
    }
}

impl Default for Recycling {
    /// Every 256th release, 128 MiB. Measured on PostgreSQL 15 (one backend running the
    /// two reads of `/data/` in one store after another): a fresh backend uses 1.0 MB,
    /// each store it has served adds about 56 kB (200 stores: 12.3 MB). With 10,000
    /// stores in the default shards of one connection
    /// ([`crate::tenancy::ShardedPool::default_shards`]) a backend serves its 500 stores
    /// and now and then a neighbour's that spilled to it: some 30–80 MB, which fits.
    /// The budget then only catches backends that heavier pages have grown, and bounds
    /// the default pool's 20 store backends. A budget below a backend's working set
    /// replaces it again and again, each time starting with a cold cache: 64 MiB did
    /// that to shards of two (1,000 stores a backend) and cost half the throughput over
    /// 10,000 stores. Measuring walks every memory context of the backend: at one
    /// release in 64 that walk took 2.5% of the machine's CPU under `/data/` (`perf`,
    /// over 2 stores and over 10,000 alike); one in 256 costs a quarter of that, and a
    /// backend can grow by at most 256 stores' worth (about 14 MB) between two looks.
    fn default() -> Self {
        Recycling {
            sample_every: 256,
            memory_budget: 128 << 20,
        }
    }
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

/// Opens a pool on explicit options (tests build them from a fresh database), with the
/// default [`Recycling`].
pub async fn connect_with(options: PgConnectOptions, max_connections: u32) -> Result<PgPool> {
    let pool = pool_options(max_connections, Recycling::default())
        .connect_with(harden(options))
        .await?;
    Ok(pool)
}

/// How long a pooled connection may sit idle before it is checked again on acquire.
pub const CHECK_IDLE_AFTER: Duration = Duration::from_secs(1);

/// The project's pool settings: `max_connections`, the acquire timeout, the health
/// check, and `recycling` on release.
pub fn pool_options(max_connections: u32, recycling: Recycling) -> PgPoolOptions {
    let options = PgPoolOptions::new()
        .max_connections(max_connections)
        // While the database is away (a restart), requests fail after this long with
        // 503 instead of hanging; pooled connections idle for a while are checked
        // before use, so dead ones left by a restart are replaced.
        .acquire_timeout(Duration::from_secs(3))
        // sqlx's own check (`test_before_acquire`) pings every connection it hands out:
        // under load, a round trip per request on a connection that was answering a
        // moment ago (sqlx also pings each one it takes back, so that was the third
        // round trip of a one-batch read). Only a connection idle for a while is checked
        // now; a connection that broke since its last use fails its next statement, and
        // the store reads and transactions retry once on a checked connection then
        // (`crate::tenancy::batch`, `crate::tenancy::TenantTx`).
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= CHECK_IDLE_AFTER {
                    conn.ping().await?;
                }
                Ok(true)
            })
        });
    if recycling.sample_every == 0 {
        return options;
    }
    let releases = Arc::new(AtomicU64::new(0));
    options.after_release(move |conn, _meta| {
        let due = recycling.due(&releases);
        Box::pin(async move {
            if !due {
                return Ok(true);
            }
            // An error leaves the connection in doubt: sqlx closes it.
            within_budget(conn, recycling).await
        })
    })
}

/// Set once `pg_backend_memory_contexts` was refused to this role: memory is not
/// measured again, and connections are recycled by age only.
static MEMORY_UNREADABLE: AtomicBool = AtomicBool::new(false);

/// Whether the backend behind `conn` is within `recycling`'s memory budget (`true` when
/// this role may not read its memory: see [`MEMORY_UNREADABLE`]).
pub async fn within_budget(
    conn: &mut sqlx::PgConnection,
    recycling: Recycling,
) -> sqlx::Result<bool> {
    if MEMORY_UNREADABLE.load(Ordering::Relaxed) {
        return Ok(true);
    }
    match backend_memory(conn).await {
        Ok(used) => Ok(used <= recycling.memory_budget),
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42501") => {
            if !MEMORY_UNREADABLE.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "pg_backend_memory_contexts is not readable by this role: \
                     pooled connections are recycled by age only"
                );
            }
            Ok(true)
        }
        Err(err) => Err(err),
    }
}

/// Bytes in use by the backend behind `conn`, as its memory contexts count them (the
/// catalog caches included; shared buffers not).
pub async fn backend_memory(conn: &mut sqlx::PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("select sum(used_bytes)::int8 from pg_catalog.pg_backend_memory_contexts")
        .fetch_one(conn)
        .await
}
