//! Where a store's transaction gets its connection: [`StoreConnections`], implemented by
//! a plain [`PgPool`] and by the store-affine [`ShardedPool`] the server uses.
//!
//! django-tenants has no counterpart: it hands every request the same connection and
//! lets it visit every schema. A PostgreSQL backend caches the catalog entries
//! (relations, indexes, their plans) of every schema it has touched, for its whole life,
//! so a pool whose every connection serves every store ends up with every backend
//! caching every store: memory grows with stores × tables × connections, and with
//! thousands of stores the caches miss and throughput falls.
//!
//! A [`ShardedPool`] splits the connections into shards, and each store has a home shard
//! chosen by a stable hash of its schema name. A store's transactions take a connection
//! of the home shard when one is idle or can be opened, so each backend caches about
//! `1 / shards` of the stores.
//!
//! A transaction on a backend that has not served its store before is a cold start:
//! measured with 2,000 stores, it reads about 120 catalog pages, against about 7 on a
//! backend that has. So a store leaves its home shard only when it is itself the reason
//! the shard is busy: when one of its own transactions already waits there, the next
//! one *spills* to an idle connection of one of the next few shards (its
//! [spill span](DEFAULT_SPILL_SPAN)) — or opens one there, in a shard below its size —
//! else it waits at home. A few hot stores still get
//! several shards' connections at once; under traffic spread over many stores, where
//! every shard is as busy as the home one and spilling buys nothing, each store stays
//! on its home backends, which stay warm. (Measured over 10,000 stores on one database:
//! spilling whenever the home shard was busy, as this pool first did, ran at 0.5–0.6 of
//! the two-store rate, never spilling at 0.9–1.1 — each spill a cold start on a backend
//! that would soon forget the store. README, Timings.)
//!
//! Fairness: each shard's queue is sqlx's, first come first served, and a spill never
//! jumps another shard's queue (sqlx's semaphore hands a released connection's place to
//! the shard's first waiter, so a borrower only finds connections nobody there waits for).
//! The server's per-store limit (`server/src/limits.rs`) caps how many requests one
//! store has in flight, so a hot store holds at most that many places in its home
//! queue: its shard-mates wait behind at most `per_store` of its transactions, never
//! without end — and fewer while its extra transactions find idle connections in its
//! span.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection as _, PgPool, Postgres};

use super::names::SchemaName;
use crate::db::{self, Recycling};
use crate::Result;

/// A source of connections for store work, chosen by the store's schema.
pub trait StoreConnections: Send + Sync {
    /// An idle connection for `schema` right away, without a health check (`None`:
    /// nothing suitable is idle; [`Self::acquire_for`] then waits or opens one).
    fn try_acquire_for(&self, schema: &SchemaName) -> Option<PoolConnection<Postgres>>;

    /// A checked connection for `schema`, waiting as long as the pool's acquire timeout
    /// allows.
    fn acquire_for(
        &self,
        schema: &SchemaName,
    ) -> impl Future<Output = sqlx::Result<PoolConnection<Postgres>>> + Send;
}

/// A connection for `schema` that has just answered a ping: what a store read or
/// transaction retries on after its first connection turned out broken. After a
/// database restart every pooled connection may be broken, so a few are tried (each
/// broken one is closed) before giving up with the last error.
pub(crate) async fn acquire_checked(
    pool: &impl StoreConnections,
    schema: &SchemaName,
) -> sqlx::Result<PoolConnection<Postgres>> {
    const ATTEMPTS: usize = 4;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut conn = pool.acquire_for(schema).await?;
        match conn.ping().await {
            Ok(()) => return Ok(conn),
            Err(err) => {
                conn.close_on_drop();
                if attempt == ATTEMPTS {
                    return Err(err);
                }
            }
        }
    }
}

/// A plain pool: any connection serves any store (tests, the CLI).
impl StoreConnections for PgPool {
    fn try_acquire_for(&self, _: &SchemaName) -> Option<PoolConnection<Postgres>> {
        self.try_acquire()
    }

    fn acquire_for(
        &self,
        _: &SchemaName,
    ) -> impl Future<Output = sqlx::Result<PoolConnection<Postgres>>> + Send {
        self.acquire()
    }
}

/// Store-affine connections: several small pools, each store at home in one of them.
/// Cloning is cheap and shares the pools.
#[derive(Clone, Debug)]
pub struct ShardedPool {
    shards: Arc<[PgPool]>,
    /// How many transactions of the stores hashed to each slot wait at their home
    /// shard (counted by us: sqlx does not say). Slots are shared by hash, so two
    /// stores rarely share one; when they do, one may spill a little early.
    waiting: Arc<[AtomicUsize]>,
    /// How many shards after its home a store may spill to.
    spill_span: usize,
}

/// How many shards after its home shard a store's transaction may borrow from when the
/// home shard is busy (see the module's documentation for why it is bounded). With the
/// default shards of one connection, a hot store has its home connection and up to four
/// borrowed ones: measured on one store under `wrk`, a span of 2 gave 3,500 `/data/`
/// requests a second and a span of 4 gave 4,900, about what shards of two gave (README,
/// Timings). Spreading many stores does not spill (a store rarely waits on itself), so
/// the span costs the 10,000-store sweep nothing.
pub const DEFAULT_SPILL_SPAN: usize = 4;

impl ShardedPool {
    /// Opens `shards` pools sharing `max_connections` between them (as evenly as they
    /// divide; at least one connection each). Connections are opened when first needed.
    pub fn connect_lazy(
        options: PgConnectOptions,
        max_connections: u32,
        shards: u32,
        recycling: Recycling,
    ) -> Self {
        let shards = shards.clamp(1, max_connections.max(1));
        let options = db::harden(options);
        let pools: Vec<PgPool> = (0..shards)
            .map(|i| {
                let size = max_connections / shards + u32::from(i < max_connections % shards);
                db::pool_options(size.max(1), recycling).connect_lazy_with(options.clone())
            })
            .collect();
        ShardedPool::over(pools)
    }

    /// Opens a sharded pool and checks the database answers.
    pub async fn connect(
        options: PgConnectOptions,
        max_connections: u32,
        shards: u32,
        recycling: Recycling,
    ) -> Result<Self> {
        let pool = Self::connect_lazy(options, max_connections, shards, recycling);
        drop(pool.shards[0].acquire().await?);
        Ok(pool)
    }

    /// One shard: `pool` itself, shared with whoever else holds it (what the server's
    /// state starts with, and what tests use).
    pub fn single(pool: PgPool) -> Self {
        ShardedPool::over(vec![pool])
    }

    fn over(pools: Vec<PgPool>) -> Self {
        ShardedPool {
            waiting: (0..WAITING_SLOTS).map(|_| AtomicUsize::new(0)).collect(),
            shards: pools.into(),
            spill_span: DEFAULT_SPILL_SPAN,
        }
    }

    /// The same pool letting stores spill to `span` shards after their home (0: never
    /// spill; at least the shard count minus one: any shard, as before the span).
    pub fn with_spill_span(mut self, span: usize) -> Self {
        self.spill_span = span;
        self
    }

    /// The default shard count for a pool of `max_connections`: one shard a connection,
    /// so each backend caches `1 / max_connections` of the stores (500 of 10,000 with the
    /// default 20, some 30 MB: see [`crate::db::Recycling`]). A store's second concurrent
    /// transaction waits at home, and a third (one already waiting) borrows from the
    /// next shards of its span. Measured over 10,000 stores (README, Timings), shards of
    /// one ran at 0.79 of the two-store rate where shards of two ran at 0.42–0.45: a
    /// backend serving 1,000 stores outgrew the recycling budget and was replaced again
    /// and again, each time with cold caches; the two-store rate did not suffer.
    pub fn default_shards(max_connections: u32) -> u32 {
        max_connections.max(1)
    }

    /// The shards, in order.
    pub fn shards(&self) -> &[PgPool] {
        &self.shards
    }

    /// The index of `schema`'s home shard: FNV-1a of the name, so the same in every
    /// process and every run (what a backend has cached survives a server restart only
    /// if the store comes home to the same shard — and two servers agree).
    pub fn home_of(&self, schema: &SchemaName) -> usize {
        self.place_of(schema).0
    }

    /// `schema`'s home shard and the count of its transactions waiting there (see
    /// [`Self::waiting`]), from one hash of its name.
    fn place_of(&self, schema: &SchemaName) -> (usize, &AtomicUsize) {
        let hash = fnv1a(schema.as_str().as_bytes());
        let home = (hash % self.shards.len() as u64) as usize;
        let waiting = &self.waiting[((hash >> 32) % WAITING_SLOTS as u64) as usize];
        (home, waiting)
    }

    /// Closes every shard's connections.
    pub async fn close(&self) {
        for shard in self.shards.iter() {
            shard.close().await;
        }
    }

    /// The shards of the [spill span](Self::with_spill_span) after `home`, the nearest
    /// first.
    fn span_after(&self, home: usize) -> impl Iterator<Item = &PgPool> {
        let count = self.shards.len();
        let span = self.spill_span.min(count - 1);
        (1..=span).map(move |step| &self.shards[(home + step) % count])
    }

    /// An idle connection of one of the spill span's shards, the nearest first.
    fn borrow_idle(&self, home: usize) -> Option<PoolConnection<Postgres>> {
        self.span_after(home).find_map(PgPool::try_acquire)
    }

    /// The nearest shard of the spill span that may open another connection (nobody
    /// waits there: it is below its size).
    fn with_room(&self, home: usize) -> Option<&PgPool> {
        self.span_after(home).find(|shard| has_room(shard))
    }

    /// Whether shard `index` can serve at once: a connection idle, or room to open one
    /// (opening at home beats borrowing a connection that other stores' caches fill).
    fn ready(&self, index: usize) -> bool {
        let shard = &self.shards[index];
        shard.num_idle() > 0 || has_room(shard)
    }

    /// Waits in shard `home`'s queue, counted in `waiting` meanwhile.
    async fn wait_at_home(
        &self,
        home: usize,
        waiting: &AtomicUsize,
    ) -> sqlx::Result<PoolConnection<Postgres>> {
        let _waiting = Waiting::new(waiting);
        self.shards[home].acquire().await
    }
}

/// Whether `shard` may open another connection (it is below its size).
fn has_room(shard: &PgPool) -> bool {
    shard.size() < shard.options().get_max_connections()
}

/// Slots counting stores' waiting transactions (see [`ShardedPool::waiting`]). Stores
/// hashed to one slot count as one: with 1,024 slots and 10,000 stores, ten stores
/// shared each, so a store spilled whenever any of its slot-mates waited — in a sweep
/// over every store, all the time, spreading stores over more backends than their home.
/// With 65,536 (512 KiB of counters) and a few dozen transactions waiting, a store
/// finds its slot taken by another's about once in two thousand.
const WAITING_SLOTS: usize = 65_536;

/// FNV-1a of `bytes`: the same in every process and every run (a store's home shard,
/// a batch statement's prepared name).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// One place in a shard's count of waiters, given back however the wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl StoreConnections for ShardedPool {
    /// The home shard's idle connection; else, when one of the store's own transactions
    /// already waits at home, an idle one of its spill span (unchecked, as the caller
    /// asked).
    fn try_acquire_for(&self, schema: &SchemaName) -> Option<PoolConnection<Postgres>> {
        let (home, waiting) = self.place_of(schema);
        if let Some(conn) = self.shards[home].try_acquire() {
            return Some(conn);
        }
        if self.ready(home) || waiting.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.borrow_idle(home)
    }

    fn acquire_for(
        &self,
        schema: &SchemaName,
    ) -> impl Future<Output = sqlx::Result<PoolConnection<Postgres>>> + Send {
        let pool = self.clone();
        let schema = schema.clone();
        async move {
            let (home, waiting) = pool.place_of(&schema);
            if !pool.ready(home) && waiting.load(Ordering::Acquire) > 0 {
                // Unchecked, like any connection that was in use a moment ago: the
                // read or transaction retries on a checked one if it is broken.
                if let Some(conn) = pool.borrow_idle(home) {
                    return Ok(conn);
                }
                // Nothing idle in the span, but a shard there has room: open one. (A
                // shard whose own stores are quiet has no connection yet; without this
                // a hot store in shards of one never got a second connection.)
                if let Some(shard) = pool.with_room(home) {
                    return shard.acquire().await;
                }
            }
            pool.wait_at_home(home, waiting).await
        }
    }
}

#[cfg(test)]
#[path = "connections_tests.rs"]
mod tests;
