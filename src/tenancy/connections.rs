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
//!
//! A store read gives its connection back to its shard, not to sqlx: sqlx pings every
//! connection it takes back (a round trip) before anyone may use it again, and a read
//! that has read its `COMMIT`'s answer leaves nothing to check. The shard parks it for
//! its next read or transaction ([`Parked`]); a transaction's connection still goes back
//! through sqlx, which also rolls back one left open.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

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
    fn try_acquire_for(&self, schema: &SchemaName) -> Option<Lease>;

    /// A checked connection for `schema`, waiting as long as the pool's acquire timeout
    /// allows.
    fn acquire_for(&self, schema: &SchemaName) -> impl Future<Output = sqlx::Result<Lease>> + Send;

    /// Takes back a connection its user finished with cleanly: outside any transaction,
    /// every answer read (a store read after its `COMMIT`). A plain pool gives it back to
    /// sqlx, which checks it with a ping on the way; a [`ShardedPool`] keeps it for the
    /// shard's next user (see [`Parked`]).
    fn put_back(&self, lease: Lease) {
        drop(lease);
    }
}

/// A pooled connection lent for store work, and the shard it came from (`None`: a
/// plain pool's). Dropped, it goes back to its sqlx pool like any [`PoolConnection`];
/// [`StoreConnections::put_back`] may keep it closer at hand.
#[derive(Debug)]
pub struct Lease {
    conn: PoolConnection<Postgres>,
    shard: Option<usize>,
}

impl Lease {
    /// The pooled connection itself (what a [`super::TenantTx`] runs on: it goes back
    /// to sqlx when the transaction ends).
    pub fn into_inner(self) -> PoolConnection<Postgres> {
        self.conn
    }

    /// The connection itself, to run statements on.
    pub fn conn(&mut self) -> &mut sqlx::PgConnection {
        &mut self.conn
    }
}

impl Deref for Lease {
    type Target = PoolConnection<Postgres>;

    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

/// A connection for `schema` that has just answered a ping: what a store read or
/// transaction retries on after its first connection turned out broken. After a
/// database restart every pooled connection may be broken, so a few are tried (each
/// broken one is closed) before giving up with the last error.
pub(crate) async fn acquire_checked(
    pool: &impl StoreConnections,
    schema: &SchemaName,
) -> sqlx::Result<Lease> {
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
    fn try_acquire_for(&self, _: &SchemaName) -> Option<Lease> {
        self.try_acquire().map(|conn| Lease { conn, shard: None })
    }

    fn acquire_for(&self, _: &SchemaName) -> impl Future<Output = sqlx::Result<Lease>> + Send {
        let acquire = self.acquire();
        async move {
            Ok(Lease {
                conn: acquire.await?,
                shard: None,
            })
        }
    }
}

/// Store-affine connections: several small pools, each store at home in one of them.
/// Cloning is cheap and shares the pools.
#[derive(Clone, Debug)]
pub struct ShardedPool {
    shards: Arc<[Shard]>,
    /// How many transactions of the stores hashed to each slot wait at their home
    /// shard (counted by us: sqlx does not say). Slots are shared by hash, so two
    /// stores rarely share one; when they do, one may spill a little early.
    waiting: Arc<[AtomicUsize]>,
    /// How many shards after its home a store may spill to.
    spill_span: usize,
    /// When parked connections are measured (see [`Parked`]).
    recycling: Recycling,
    /// Connections put back so far, to measure every `recycling.sample_every`-th.
    put_back: Arc<AtomicU64>,
    /// Set by [`Self::close`] — and from the start for a pool shared with others
    /// ([`Self::single`]), which they may close: nothing is parked.
    closed: Arc<AtomicBool>,
}

/// One shard: its sqlx pool, which opens, limits and queues its connections, and the
/// connections store reads have parked.
#[derive(Debug)]
pub struct Shard {
    pool: PgPool,
    parked: Mutex<Vec<Parked>>,
    /// Transactions waiting in this shard's queue or about to (see [`Shard::park`]).
    waiters: AtomicUsize,
}

/// A connection a store read finished with cleanly, kept by its shard for the shard's
/// next read or transaction instead of going back into sqlx's pool.
///
/// sqlx checks every connection given back to its pool with a ping — a round trip, and
/// a wake-up of the backend and of a task — before anyone may take it again. A read
/// that has read its `COMMIT`'s answer leaves nothing to check: the connection is
/// outside any transaction with nothing unread. Measured with a minimal server (README,
/// Timings), giving connections back to sqlx cost `/data/` about a third of its rate.
/// A parked connection still counts against its shard's size in sqlx, so whoever is
/// about to wait in sqlx's queue first looks here, and a connection parked while
/// someone waits goes to sqlx (to that waiter) instead. Taken after a second or more
/// parked, it is pinged first, as sqlx does with its own idle connections.
#[derive(Debug)]
struct Parked {
    conn: PoolConnection<Postgres>,
    since: Instant,
}

impl Shard {
    fn new(pool: PgPool) -> Self {
        Shard {
            pool,
            parked: Mutex::new(Vec::new()),
            waiters: AtomicUsize::new(0),
        }
    }

    /// The shard's sqlx pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Connections ready to be taken: sqlx's idle ones and the parked ones.
    pub fn idle(&self) -> usize {
        self.pool.num_idle() + self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Parked>> {
        // A panic while holding the lock leaves the list as it was: use it.
        self.parked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The most recently parked connection (its backend's caches the warmest).
    fn unpark(&self) -> Option<Parked> {
        self.lock().pop()
    }

    /// A parked connection, pinged first if it waited a second or more (a broken one is
    /// closed and the next tried).
    async fn unpark_checked(&self) -> Option<PoolConnection<Postgres>> {
        while let Some(Parked { mut conn, since }) = self.unpark() {
            if since.elapsed() < db::CHECK_IDLE_AFTER || conn.ping().await.is_ok() {
                return Some(conn);
            }
            conn.close_on_drop();
        }
        None
    }

    /// Parks `conn`, unless someone waits in sqlx's queue: then a parked connection goes
    /// back to sqlx, which hands it to the first waiter. (A waiter counts itself before
    /// it looks here; we look at the count after parking; so either we see it, or it
    /// finds what we parked.)
    fn park(&self, conn: PoolConnection<Postgres>, closed: &AtomicBool) {
        self.lock().push(Parked {
            conn,
            since: Instant::now(),
        });
        if closed.load(Ordering::SeqCst) {
            self.lock().clear();
        } else if self.waiters.load(Ordering::SeqCst) > 0 {
            drop(self.unpark());
        }
    }

    /// Takes a connection right away: a parked one, else one of sqlx's idle ones.
    fn try_take(&self) -> Option<PoolConnection<Postgres>> {
        self.unpark()
            .map(|p| p.conn)
            .or_else(|| self.pool.try_acquire())
    }

    /// A checked connection of this shard: a parked one, else from sqlx's queue.
    async fn take(&self) -> sqlx::Result<PoolConnection<Postgres>> {
        let _waiting = Waiting::new(&self.waiters);
        if let Some(conn) = self.unpark_checked().await {
            return Ok(conn);
        }
        self.pool.acquire().await
    }

    /// Whether the shard can serve at once: a connection parked or idle, or room to open
    /// one (opening at home beats borrowing a connection that other stores' caches fill).
    fn ready(&self) -> bool {
        !self.lock().is_empty() || self.pool.num_idle() > 0 || self.has_room()
    }

    /// Whether the shard may open another connection (it is below its size).
    fn has_room(&self) -> bool {
        self.pool.size() < self.pool.options().get_max_connections()
    }
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
        ShardedPool::over(pools, recycling)
    }

    /// Opens a sharded pool and checks the database answers.
    pub async fn connect(
        options: PgConnectOptions,
        max_connections: u32,
        shards: u32,
        recycling: Recycling,
    ) -> Result<Self> {
        let pool = Self::connect_lazy(options, max_connections, shards, recycling);
        drop(pool.shards[0].pool.acquire().await?);
        Ok(pool)
    }

    /// One shard: `pool` itself, shared with whoever else holds it (what the server's
    /// state starts with, and what tests use). Connections go straight back to `pool`
    /// (none is parked), so that whoever closes it does not wait for them.
    pub fn single(pool: PgPool) -> Self {
        let pool = ShardedPool::over(vec![pool], Recycling::OFF);
        pool.closed.store(true, Ordering::SeqCst);
        pool
    }

    fn over(pools: Vec<PgPool>, recycling: Recycling) -> Self {
        ShardedPool {
            waiting: (0..WAITING_SLOTS).map(|_| AtomicUsize::new(0)).collect(),
            shards: pools.into_iter().map(Shard::new).collect(),
            spill_span: DEFAULT_SPILL_SPAN,
            recycling,
            put_back: Arc::new(AtomicU64::new(0)),
            closed: Arc::new(AtomicBool::new(false)),
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
    pub fn shards(&self) -> &[Shard] {
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

    /// Closes every shard's connections (parked ones at once, the others as they are
    /// given back).
    pub async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for shard in self.shards.iter() {
            shard.lock().clear();
            shard.pool.close().await;
        }
    }

    /// The shards of the [spill span](Self::with_spill_span) after `home`, the nearest
    /// first.
    fn span_after(&self, home: usize) -> impl Iterator<Item = usize> {
        let count = self.shards.len();
        let span = self.spill_span.min(count - 1);
        (1..=span).map(move |step| (home + step) % count)
    }

    /// An idle connection of one of the spill span's shards, the nearest first.
    fn borrow_idle(&self, home: usize) -> Option<Lease> {
        self.span_after(home).find_map(|index| self.try_take(index))
    }

    /// The nearest shard of the spill span that may open another connection (nobody
    /// waits there: it is below its size).
    fn with_room(&self, home: usize) -> Option<usize> {
        self.span_after(home)
            .find(|&index| self.shards[index].has_room())
    }

    /// A connection of shard `index` right away, if one is parked or idle.
    fn try_take(&self, index: usize) -> Option<Lease> {
        let conn = self.shards[index].try_take()?;
        Some(Lease {
            conn,
            shard: Some(index),
        })
    }

    /// A checked connection of shard `index`, waiting in its queue if need be.
    async fn take(&self, index: usize) -> sqlx::Result<Lease> {
        Ok(Lease {
            conn: self.shards[index].take().await?,
            shard: Some(index),
        })
    }

    /// Waits in shard `home`'s queue, counted in `waiting` meanwhile.
    async fn wait_at_home(&self, home: usize, waiting: &AtomicUsize) -> sqlx::Result<Lease> {
        let _waiting = Waiting::new(waiting);
        self.take(home).await
    }

    /// Measures the backend behind `conn` (one of every `recycling.sample_every` put
    /// back) and closes it when over the budget, else gives it back to sqlx, which also
    /// applies its age limit. Runs apart: the read that used it has answered.
    fn sample(&self, mut conn: PoolConnection<Postgres>) {
        let recycling = self.recycling;
        tokio::spawn(async move {
            match db::within_budget(&mut conn, recycling).await {
                Ok(true) => {}
                Ok(false) | Err(_) => conn.close_on_drop(),
            }
        });
    }
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
    fn try_acquire_for(&self, schema: &SchemaName) -> Option<Lease> {
        let (home, waiting) = self.place_of(schema);
        if let Some(lease) = self.try_take(home) {
            return Some(lease);
        }
        if self.shards[home].ready() || waiting.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.borrow_idle(home)
    }

    fn acquire_for(&self, schema: &SchemaName) -> impl Future<Output = sqlx::Result<Lease>> + Send {
        let pool = self.clone();
        let schema = schema.clone();
        async move {
            let (home, waiting) = pool.place_of(&schema);
            if !pool.shards[home].ready() && waiting.load(Ordering::Acquire) > 0 {
                // Unchecked, like any connection that was in use a moment ago: the
                // read or transaction retries on a checked one if it is broken.
                if let Some(conn) = pool.borrow_idle(home) {
                    return Ok(conn);
                }
                // Nothing idle in the span, but a shard there has room: open one. (A
                // shard whose own stores are quiet has no connection yet; without this
                // a hot store in shards of one never got a second connection.)
                if let Some(shard) = pool.with_room(home) {
                    return pool.take(shard).await;
                }
            }
            pool.wait_at_home(home, waiting).await
        }
    }

    fn put_back(&self, lease: Lease) {
        let Lease { conn, shard } = lease;
        let Some(shard) = shard.filter(|_| !self.closed.load(Ordering::SeqCst)) else {
            return drop(conn);
        };
        if self.recycling.due(&self.put_back) {
            return self.sample(conn);
        }
        self.shards[shard].park(conn, &self.closed);
    }
}

#[cfg(test)]
#[path = "connections_tests.rs"]
mod tests;
