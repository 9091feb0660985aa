//! Store-affine connections and recycling against a real PostgreSQL: which backend
//! (`pg_backend_pid()`) a store's transactions and batches land on.

use std::collections::BTreeSet;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::*;
use crate::tenancy::testing::{platform, store};
use crate::tenancy::{batch, TenantTx};

/// The backend a store transaction runs on.
async fn tx_pid(pool: &ShardedPool, schema: &SchemaName) -> i32 {
    let mut tx = TenantTx::begin_read_only(pool, schema).await.unwrap();
    let pid = sqlx::query_scalar("select pg_backend_pid()")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    pid
}

/// The backend a store batch runs on.
async fn batch_pid(pool: &ShardedPool, schema: &SchemaName) -> i32 {
    batch::read(pool, schema, batch::scalar("select pg_backend_pid()"))
        .await
        .unwrap()
}

/// Waits until every connection `shard` has opened is back and idle (sqlx checks a
/// released connection on its way back): the shard has room for the next transaction
/// however slow the machine is.
async fn settle(pool: &ShardedPool, shard: usize) {
    let shard = &pool.shards()[shard];
    for _ in 0..2000 {
        if shard.idle() >= shard.pool().size() as usize {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the shard's connections never came back");
}

/// A sharded pool of `max` connections in `shards` shards (no recycling) over a fresh
/// platform, with stores enough that each shard is home to at least two.
async fn sharded(
    options: PgConnectOptions,
    max: u32,
    shards: u32,
) -> (ShardedPool, Vec<Vec<SchemaName>>) {
    let platform = platform(options.clone()).await;
    let pool = ShardedPool::connect(options, max, shards, Recycling::OFF)
        .await
        .unwrap();
    let homes = stores_per_shard(&pool, &platform).await;
    (pool, homes)
}

/// Stores enough that each of `pool`'s shards is home to at least two of them.
async fn stores_per_shard(pool: &ShardedPool, platform: &PgPool) -> Vec<Vec<SchemaName>> {
    let mut homes = vec![Vec::new(); pool.shards().len()];
    let mut i = 0;
    while homes
        .iter()
        .any(|stores: &Vec<SchemaName>| stores.len() < 2)
    {
        let schema = store(platform, &format!("store{i}")).await;
        homes[pool.home_of(&schema)].push(schema);
        i += 1;
        assert!(i < 64, "the hash sends every store to the same shard");
    }
    homes
}

#[sqlx::test(migrations = false)]
async fn a_stores_work_stays_on_its_home_shard_while_it_has_idle_connections(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let (pool, homes) = sharded(options, 4, 2).await;

    // One after another, so the home shard always has an idle connection.
    let mut pids = vec![BTreeSet::new(); homes.len()];
    for _round in 0..3 {
        for (shard, stores) in homes.iter().enumerate() {
            for schema in stores {
                settle(&pool, shard).await;
                pids[shard].insert(tx_pid(&pool, schema).await);
                settle(&pool, shard).await;
                pids[shard].insert(batch_pid(&pool, schema).await);
            }
        }
    }
    assert!(
        pids[0].is_disjoint(&pids[1]),
        "the shards' stores shared a backend: {pids:?}"
    );
    for (shard, used) in pids.iter().enumerate() {
        assert!(
            used.len() <= 2,
            "shard {shard} opened more than its two: {used:?}"
        );
    }
}

/// A transaction of `schema` started in the background (it may wait for a connection).
fn spawn_tx(pool: &ShardedPool, schema: &SchemaName) -> tokio::task::JoinHandle<i32> {
    let (pool, schema) = (pool.clone(), schema.clone());
    tokio::spawn(async move { tx_pid(&pool, &schema).await })
}

/// Waits until `task` is blocked (it has not finished after a while).
async fn still_waiting(task: &tokio::task::JoinHandle<i32>, what: &str) {
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!task.is_finished(), "{what}");
}

/// The backend `task` ran on, once whatever blocked it is gone.
async fn finished(task: tokio::task::JoinHandle<i32>) -> i32 {
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("the transaction got a connection")
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_store_already_waiting_at_home_borrows_an_idle_connection(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let (pool, homes) = sharded(options, 2, 2).await;
    let (hot, mate, other) = (&homes[0][0], &homes[0][1], &homes[1][0]);
    let home_pid = tx_pid(&pool, hot).await;
    let other_pid = tx_pid(&pool, other).await;
    settle(&pool, 0).await;
    settle(&pool, 1).await;

    // The home shard's only connection is taken. The store's first transaction waits
    // at home, though the other shard has an idle connection: a lone transaction is
    // not worth a cold start elsewhere.
    let held = pool.shards()[0].take().await.unwrap();
    let first = spawn_tx(&pool, hot);
    still_waiting(&first, "a lone transaction left its home shard").await;

    // A second one of the same store, with the first waiting, borrows the idle one;
    // a shard-mate with nothing of its own waiting stays at home.
    assert_eq!(tx_pid(&pool, hot).await, other_pid);
    settle(&pool, 1).await;
    let mate_tx = spawn_tx(&pool, mate);
    still_waiting(&mate_tx, "a store with nothing waiting spilled").await;

    // Nothing idle anywhere: a third one waits at home too.
    let borrowed = pool.shards()[1].take().await.unwrap();
    let third = spawn_tx(&pool, hot);
    still_waiting(&third, "no connection was free").await;
    drop(held);
    for task in [first, mate_tx, third] {
        assert_eq!(finished(task).await, home_pid, "it waited at home");
    }
    drop(borrowed);
}

#[sqlx::test(migrations = false)]
async fn a_store_already_waiting_at_home_opens_a_connection_in_a_quiet_neighbour(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // Two shards of one connection; only the hot store's home has ever opened one.
    let (pool, homes) = sharded(options, 2, 2).await;
    let hot = &homes[0][0];
    let home_pid = tx_pid(&pool, hot).await;
    settle(&pool, 0).await;
    assert_eq!(
        pool.shards()[1].pool().size(),
        0,
        "the neighbour has no connection yet"
    );

    let held = pool.shards()[0].take().await.unwrap();
    let first = spawn_tx(&pool, hot);
    still_waiting(&first, "a lone transaction left its home shard").await;
    // With one of its transactions waiting, the next opens a connection next door
    // rather than queueing behind it.
    let borrowed = tokio::time::timeout(Duration::from_secs(2), tx_pid(&pool, hot))
        .await
        .expect("the second transaction did not wait at home");
    assert_ne!(borrowed, home_pid);
    assert_eq!(pool.shards()[1].pool().size(), 1);
    drop(held);
    assert_eq!(finished(first).await, home_pid, "the first waited at home");
}

#[sqlx::test(migrations = false)]
async fn a_connection_over_its_memory_budget_is_replaced(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let platform = platform(options.clone()).await;
    let schema = store(&platform, "techstore").await;
    let pids = |budget: i64| {
        let options = options.clone();
        let schema = schema.clone();
        async move {
            let recycling = Recycling {
                sample_every: 1,
                memory_budget: budget,
            };
            let pool = ShardedPool::connect(options, 1, 1, recycling)
                .await
                .unwrap();
            let mut seen = Vec::new();
            for _ in 0..3 {
                seen.push(tx_pid(&pool, &schema).await);
                // A read's connection, put back, is measured just the same.
                seen.push(batch_pid(&pool, &schema).await);
            }
            pool.close().await;
            seen
        }
    };

    // A budget no backend fits in: every release measures and closes the connection.
    let tiny = pids(1).await;
    let distinct: BTreeSet<_> = tiny.iter().collect();
    assert_eq!(distinct.len(), 6, "a new backend each time: {tiny:?}");

    // A roomy budget: the one backend serves throughout.
    let roomy = pids(1 << 40).await;
    assert!(roomy.iter().all(|pid| *pid == roomy[0]), "{roomy:?}");

    // What a backend uses, as the recycler measures it.
    let mut conn = platform.acquire().await.unwrap();
    let used = crate::db::backend_memory(&mut conn).await.unwrap();
    assert!(used > 100_000, "{used} bytes");
}

#[sqlx::test(migrations = false)]
async fn a_busy_store_spills_only_within_its_span(_: PgPoolOptions, options: PgConnectOptions) {
    // Four shards of one connection, spilling one shard on.
    let (pool, homes) = sharded(options, 4, 4).await;
    let pool = pool.with_spill_span(1);
    let hot = &homes[0][0];
    let mut pid_of = Vec::new();
    for (shard, stores) in homes.iter().enumerate() {
        pid_of.push(tx_pid(&pool, &stores[0]).await);
        settle(&pool, shard).await;
    }

    // Home taken and one of the store's transactions waiting there: the next one takes
    // the next shard's idle connection, never a farther one.
    let held = pool.shards()[0].take().await.unwrap();
    let first = spawn_tx(&pool, hot);
    still_waiting(&first, "the home connection is held").await;
    assert_eq!(tx_pid(&pool, hot).await, pid_of[1]);
    settle(&pool, 1).await;

    // Home and the next one taken, shards 2 and 3 idle: it waits at home.
    let next = pool.shards()[1].take().await.unwrap();
    let second = spawn_tx(&pool, hot);
    still_waiting(&second, "it borrowed from a shard beyond its span").await;
    drop(held);
    assert_eq!(finished(first).await, pid_of[0]);
    assert_eq!(finished(second).await, pid_of[0]);
    drop(next);
}

#[sqlx::test(migrations = false)]
async fn waiting_at_home_under_contention_never_costs_a_connection(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // Two shards of one connection; many transactions of one store at once, so that
    // most find the home shard busy, wait there and then spill or wait on.
    let (pool, homes) = sharded(options, 2, 2).await;
    let mut pids = BTreeSet::new();
    for _round in 0..20 {
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let pool = pool.clone();
                let schema = homes[i % 2][0].clone();
                tokio::spawn(async move { tx_pid(&pool, &schema).await })
            })
            .collect();
        for task in tasks {
            pids.insert(task.await.unwrap());
        }
    }
    // A connection dropped halfway through sqlx's acquire (its health check) is closed
    // and replaced by a new backend, whose caches start empty.
    assert!(
        pids.len() <= 2,
        "{} backends served a pool of two connections: {pids:?}",
        pids.len()
    );
}

#[sqlx::test(migrations = false)]
async fn a_read_parks_its_connection_for_the_shards_next_user(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // One shard of one connection.
    let (pool, homes) = sharded(options, 1, 1).await;
    let schema = &homes[0][0];
    let shard = &pool.shards()[0];

    // A read keeps its connection parked: sqlx never got it back (so never pinged it).
    let pid = batch_pid(&pool, schema).await;
    assert_eq!(
        (shard.pool().num_idle(), shard.idle()),
        (0, 1),
        "the read's connection is parked, not in sqlx's pool"
    );
    assert_eq!(batch_pid(&pool, schema).await, pid);

    // A transaction takes the parked connection: waiting in sqlx's queue, it would get
    // nothing until its acquire timeout.
    assert_eq!(finished(spawn_tx(&pool, schema)).await, pid);

    // Put back while a transaction waits in sqlx's queue: it goes to that transaction.
    settle(&pool, 0).await;
    let lease = pool
        .try_acquire_for(schema)
        .expect("idle after the transaction");
    let waiter = spawn_tx(&pool, schema);
    still_waiting(&waiter, "the only connection is lent").await;
    pool.put_back(lease);
    assert_eq!(finished(waiter).await, pid);

    // Closing does not wait for parked connections.
    settle(&pool, 0).await;
    assert_eq!(batch_pid(&pool, schema).await, pid);
    assert_eq!(shard.idle(), 1);
    tokio::time::timeout(Duration::from_secs(5), pool.close())
        .await
        .expect("the pool closed with a connection parked");
}
