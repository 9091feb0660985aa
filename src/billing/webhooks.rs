//! Applying a payment provider's webhook events. Each event is recorded in
//! `public.billing_events` under its provider's id in the same transaction that applies
//! it: a second delivery of the same id finds the row and changes nothing. An event older
//! than the last one applied to its subscription (`last_event_at`) is recorded but not
//! applied, so events arriving out of order never take a subscription back in time.

use sqlx::PgPool;

use super::provider::{EventKind, ProviderEvent};
use super::state::Event;
use super::subscriptions::Change;
use crate::tenancy::ServedHosts;
use crate::Result;

/// What became of a webhook event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    Applied,
    /// This event id was seen before.
    Duplicate,
    /// Older than the last event applied to its subscription.
    Stale,
    /// About no subscription billing knows, or of a type it does not act on.
    Ignored,
}

/// Records and applies one verified event from `provider`.
pub async fn receive(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    provider: &str,
    event: &ProviderEvent,
) -> Result<Received> {
    let tenant_id: Option<i64> = match &event.subscription_id {
        Some(id) => {
            sqlx::query_scalar(
                "select tenant_id from public.subscriptions \
                 where provider = $1 and provider_subscription_id = $2",
            )
            .bind(provider)
            .bind(id)
            .fetch_optional(pool)
            .await?
        }
        None => None,
    };
    let record = |applied: bool| {
        sqlx::query(
            "insert into public.billing_events (provider, event_id, event_type, occurred_at, tenant_id, applied) \
             values ($1, $2, $3, $4, $5, $6) on conflict (provider, event_id) do nothing",
        )
        .bind(provider)
        .bind(&event.id)
        .bind(&event.kind_name)
        .bind(event.occurred_at)
        .bind(tenant_id)
        .bind(applied)
    };
    let (Some(tenant_id), false) = (tenant_id, event.kind == EventKind::Other) else {
        let fresh = record(false).execute(pool).await?.rows_affected() > 0;
        return Ok(if fresh {
            Received::Ignored
        } else {
            Received::Duplicate
        });
    };
    let mut change = Change::begin(pool, tenant_id).await?;
    // Recorded first, under the subscription's lock: two deliveries racing each other
    // see one insert succeed.
    let stale = change
        .before
        .last_event_at
        .is_some_and(|last| event.occurred_at < last);
    if record(!stale).execute(change.conn()).await?.rows_affected() == 0 {
        return Ok(Received::Duplicate);
    }
    if stale {
        change.finish(hosts).await?;
        return Ok(Received::Stale);
    }
    let now = event.occurred_at;
    let mut period = change.after.period();
    match &event.kind {
        EventKind::SubscriptionUpdated {
            state,
            period_start,
            period_end,
            cancel_at_period_end,
            trial_end,
        } => {
            // The provider's word is final: taken as it is.
            period.state = *state;
            period.start = *period_start;
            period.end = *period_end;
            period.cancel_at_period_end = *cancel_at_period_end;
            period.trial_end = *trial_end;
            if *state == super::state::State::PastDue && period.past_due_since.is_none() {
                period.past_due_since = Some(now);
            }
        }
        EventKind::SubscriptionDeleted => {
            period = period.next(&Event::CancelNow, now).unwrap_or(period)
        }
        EventKind::InvoicePaid => {
            period = period.next(&Event::PaymentSucceeded, now).unwrap_or(period)
        }
        EventKind::InvoicePaymentFailed => {
            period = period.next(&Event::PaymentFailed, now).unwrap_or(period)
        }
        EventKind::Other => {}
    }
    change.after.set_period(period);
    change.after.last_event_at = Some(event.occurred_at);
    change.finish(hosts).await?;
    Ok(Received::Applied)
}
