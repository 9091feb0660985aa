//! `billing tick`: what time alone does to subscriptions. Trials and periods that have
//! ended are charged for the next period (by the provider, when it is one that lets
//! billing drive renewals), cancelled ones stop, past-due stores whose grace period is
//! over become `unpaid` (their storefront pauses), and stores that existed before
//! billing get their own copy of their limits. `serve` runs it every minute; each store
//! is its own transaction, so one failure does not hold back the rest.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::actions::Billing;
use super::state::{Due, Event, Payment, GRACE_PERIOD};
use super::subscriptions::{Change, NewInvoice};
use crate::tenancy::ServedHosts;
use crate::Result;

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    /// Periods that ended (renewed, failed, or stopped).
    pub periods_ended: usize,
    /// Stores that became unpaid after their grace period.
    pub grace_expired: usize,
    /// Stores whose limits were written for the first time.
    pub limits_synced: usize,
    /// Stores whose change failed (logged; tried again next tick).
    pub failed: usize,
}

/// At most this many periods are caught up for one store in one tick (a server that was
/// down for months catches up over several).
const MAX_PERIODS_PER_TICK: usize = 12;

/// The stores with something due at `now` (period ends only when billing drives
/// renewals).
async fn due(pool: &PgPool, now: DateTime<Utc>, renewals: bool) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "select tenant_id from public.subscriptions \
         where ($3 and state in ('trialing', 'active') and current_period_end <= $1) \
            or (state = 'past_due' and past_due_since <= $2) \
            or not limits_synced \
         order by tenant_id limit 1000",
    )
    .bind(now)
    .bind(now - GRACE_PERIOD)
    .bind(renewals)
    .fetch_all(pool)
    .await?)
}

/// Runs one tick at the billing clock's time.
pub async fn tick(
    pool: &PgPool,
    billing: &Billing,
    hosts: &impl ServedHosts,
) -> Result<TickReport> {
    let now = billing.now();
    let mut report = TickReport::default();
    for tenant_id in due(pool, now, billing.provider.drives_renewals()).await? {
        for _ in 0..MAX_PERIODS_PER_TICK {
            match step(pool, billing, hosts, tenant_id, now, &mut report).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(err) => {
                    tracing::warn!(tenant_id, error = %err, "billing tick failed for a store");
                    report.failed += 1;
                    break;
                }
            }
        }
    }
    Ok(report)
}

/// One change for one store; whether there may be more to do.
async fn step(
    pool: &PgPool,
    billing: &Billing,
    hosts: &impl ServedHosts,
    tenant_id: i64,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<bool> {
    let mut change = Change::begin(pool, tenant_id).await?;
    let period = change.before.period();
    let event = match period.due(now) {
        Some(Due::PeriodEnd) if !billing.provider.drives_renewals() => None,
        Some(Due::PeriodEnd) => {
            let payment = if period.cancel_at_period_end || period.comped {
                Payment::Paid
            } else {
                let what = format!("{} plan, monthly", change.plan.name);
                let price = change.plan.monthly_price;
                let payment = billing.provider.charge(tenant_id, price, &what);
                change.invoices.push(NewInvoice {
                    amount: price,
                    description: what,
                    paid: payment == Payment::Paid,
                });
                payment
            };
            report.periods_ended += 1;
            Some(Event::PeriodEnded(payment))
        }
        Some(Due::GraceOver) => {
            report.grace_expired += 1;
            Some(Event::GraceExpired)
        }
        None => None,
    };
    let Some(event) = event else {
        if change.sync_limits {
            report.limits_synced += 1;
            change.finish(hosts).await?;
        }
        return Ok(false);
    };
    let next = period.next(&event, now)?;
    let keeps_going = next.due(now).is_some();
    change.after.set_period(next);
    change.finish(hosts).await?;
    Ok(keeps_going)
}
