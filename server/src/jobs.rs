//! The server's background jobs, each a tokio task that `serve` starts and stops with
//! the server: the sweeper of expired sessions, the custom domains' verification and
//! the billing tick.

use std::time::Duration;

use sqlx::PgPool;

use app::ssr::AppState;
use marketplace::security::Policy;
use marketplace::sweep::Sweeper;
use marketplace::tenancy::verification;

/// Runs the sweeper ([`marketplace::sweep`]) every `policy.sweep.interval` until the
/// server stops; a failed tick is logged and the next one tries again.
pub fn spawn_sweeper(pool: PgPool, policy: Policy) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut sweeper = Sweeper::new();
        let mut every = tokio::time::interval(policy.sweep.interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match sweeper.tick(&pool, &policy).await {
                Ok(report) if report.rows_removed > 0 => tracing::info!(
                    stores = report.stores_visited,
                    removed = report.rows_removed,
                    "swept expired sessions and login records"
                ),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "sweeper tick failed"),
            }
        }
    })
}

/// Runs the domain verification job ([`marketplace::tenancy::verification`]) every
/// `interval` until the server stops: pending claims by their backoff, verified domains
/// every few hours. A failed round is logged and the next one tries again.
pub fn spawn_verifier(state: &AppState, interval: Duration) -> tokio::task::JoinHandle<()> {
    let (pool, resolver, verifier) = (
        state.pool.clone(),
        state.resolver.clone(),
        state.verifier.clone(),
    );
    tokio::spawn(async move {
        let mut every = tokio::time::interval(interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match verification::check_due(&pool, &*resolver, &verifier.dns, 100).await {
                Ok(round) if round.checked + round.failed > 0 => tracing::info!(
                    checked = round.checked,
                    failed = round.failed,
                    "checked custom domains"
                ),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "domain verification round failed"),
            }
        }
    })
}

/// Runs the billing tick ([`marketplace::billing::tick`]) every `interval` until the
/// server stops: renewals, trial ends, grace periods. A failed tick is logged and the
/// next one tries again.
pub fn spawn_billing(state: &AppState, interval: Duration) -> tokio::task::JoinHandle<()> {
    let (pool, resolver, billing) = (
        state.pool.clone(),
        state.resolver.clone(),
        state.billing.clone(),
    );
    tokio::spawn(async move {
        let mut every = tokio::time::interval(interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match marketplace::billing::tick::tick(&pool, &billing, &*resolver).await {
                Ok(report) if report != Default::default() => tracing::info!(
                    periods_ended = report.periods_ended,
                    grace_expired = report.grace_expired,
                    limits_synced = report.limits_synced,
                    failed = report.failed,
                    "billing tick"
                ),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "billing tick failed"),
            }
        }
    })
}
