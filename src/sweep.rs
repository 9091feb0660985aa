//! The sweeper: removes what has expired — sessions past their lifetime or idle timeout
//! (with the carts of anonymous ones), throttle rows nobody remembers any more, and API
//! idempotency records past their 24 hours — in every store and in `public`.
//!
//! It never walks all stores at once: each [`Sweeper::tick`] visits the next
//! [`SweepRules::stores_per_tick`](crate::security::SweepRules) stores in id order,
//! round robin, and deletes at most `rows_per_table` rows per table, so its cost per tick
//! is bounded however many stores there are (10,000 stores at 100 per tick every 10 s
//! are all visited every ~17 minutes).

use sqlx::PgPool;

use crate::security::Policy;
use crate::tenancy::{SchemaName, TenantTx};
use crate::{api, platform, sessions, throttle, Result};

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    pub stores_visited: usize,
    pub rows_removed: u64,
}

/// The sweeper's place in the round of stores.
#[derive(Debug, Default)]
pub struct Sweeper {
    /// The id of the last store visited; the next tick starts after it.
    after_id: i64,
}

impl Sweeper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sweeps `public` and the next stores of the round.
    pub async fn tick(&mut self, pool: &PgPool, policy: &Policy) -> Result<TickReport> {
        let rules = policy.sweep;
        let mut report = TickReport {
            rows_removed: platform::purge_expired(pool, policy, rules.rows_per_table).await?,
            ..TickReport::default()
        };
        let mut batch = next_stores(pool, self.after_id, rules.stores_per_tick).await?;
        if batch.len() < rules.stores_per_tick as usize && self.after_id != 0 {
            // The round ended: carry on from the first store.
            let room = rules.stores_per_tick - batch.len() as u32;
            let first = batch.first().map(|(id, _)| *id);
            batch.extend(
                next_stores(pool, 0, room)
                    .await?
                    .into_iter()
                    .filter(|(id, _)| *id <= self.after_id && Some(*id) != first),
            );
        }
        for (id, schema) in batch {
            let mut tx = TenantTx::begin(pool, &schema).await?;
            report.rows_removed += sessions::purge_expired(&mut tx, rules.rows_per_table).await?;
            report.rows_removed +=
                api::idempotency::purge_expired(&mut tx, rules.rows_per_table).await?;
            report.rows_removed += throttle::STORE
                .purge(tx.conn(), policy, rules.rows_per_table)
                .await?;
            tx.commit().await?;
            report.stores_visited += 1;
            self.after_id = id;
        }
        Ok(report)
    }
}

async fn next_stores(pool: &PgPool, after_id: i64, limit: u32) -> Result<Vec<(i64, SchemaName)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "select id, schema_name from public.tenants where id > $1 order by id limit $2",
    )
    .bind(after_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, schema)| Ok((id, SchemaName::try_from(schema)?)))
        .collect()
}
