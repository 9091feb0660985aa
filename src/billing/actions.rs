//! What an owner and platform staff do to a subscription: change plan (with proration),
//! cancel at the period's end or take that back, pay what is owed, open the provider's
//! portal; comp a plan and extend a trial. Each is one [`Change`]: the row is locked,
//! the provider is called, and the result — subscription, invoice, store status, the
//! store's limits — is written in one transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::clock::{Clock, SystemClock};
use super::plans::{self, Plan};
use super::proration::{prorate, Proration};
use super::provider::{Customer, FakeProvider, PaymentProvider, ProviderRefs};
use super::state::{Event, Payment, State};
use super::subscriptions::{Change, NewInvoice, Subscription};
use crate::tenancy::ServedHosts;
use crate::{Error, Result};

/// The payment provider billing charges through, the clock it decides by, and the
/// provider that verifies incoming webhooks (none: the webhook route answers 404).
#[derive(Clone)]
pub struct Billing {
    pub provider: Arc<dyn PaymentProvider>,
    pub clock: Arc<dyn Clock>,
    pub webhooks: Option<Arc<dyn PaymentProvider>>,
}

impl Billing {
    /// Billing through `provider`, deciding by `clock`, with no webhooks.
    pub fn new(provider: Arc<dyn PaymentProvider>, clock: Arc<dyn Clock>) -> Self {
        Billing {
            provider,
            clock,
            webhooks: None,
        }
    }

    /// The fake provider on the real clock: the demo's and `serve`'s default.
    pub fn fake() -> Self {
        Billing::new(Arc::new(FakeProvider::new()), Arc::new(SystemClock))
    }

    /// The same, verifying webhooks with `webhooks`.
    pub fn with_webhooks(mut self, webhooks: Arc<dyn PaymentProvider>) -> Self {
        self.webhooks = Some(webhooks);
        self
    }

    /// The time billing decides by.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

impl std::fmt::Debug for Billing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Billing")
            .field("provider", &self.provider.name())
            .finish_non_exhaustive()
    }
}

/// What a plan change did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanChanged {
    pub from: String,
    pub to: String,
    pub proration: Proration,
}

/// The provider's refs of the subscription, subscribing first when it has none.
async fn refs(billing: &Billing, change: &mut Change) -> Result<ProviderRefs> {
    if let (Some(customer_id), Some(subscription_id)) = (
        change.after.provider_customer_id.clone(),
        change.after.provider_subscription_id.clone(),
    ) {
        return Ok(ProviderRefs {
            customer_id,
            subscription_id,
        });
    }
    let (name, email): (String, String) =
        sqlx::query_as("select name, owner_email from public.tenants where id = $1")
            .bind(change.after.tenant_id)
            .fetch_one(change.conn())
            .await?;
    let customer = Customer {
        tenant_id: change.after.tenant_id,
        name: &name,
        email: &email,
    };
    let refs = billing.provider.subscribe(&customer, &change.plan)?;
    change.after.provider = billing.provider.name().to_owned();
    change.after.provider_customer_id = Some(refs.customer_id.clone());
    change.after.provider_subscription_id = Some(refs.subscription_id.clone());
    Ok(refs)
}

fn apply(change: &mut Change, event: &Event, now: DateTime<Utc>) -> Result<()> {
    let next = change.after.period().next(event, now)?;
    change.after.set_period(next);
    Ok(())
}

/// Moves the store to the plan `code`: an upgrade is charged its proration at once (and
/// refused, changing nothing, when the charge fails); a downgrade is credited and its
/// excess staff and products are suspended. Nothing is ever deleted.
pub async fn change_plan(
    pool: &PgPool,
    billing: &Billing,
    hosts: &impl ServedHosts,
    tenant_id: i64,
    code: &str,
) -> Result<PlanChanged> {
    let now = billing.now();
    let mut change = Change::begin(pool, tenant_id).await?;
    let to: Plan = plans::get(change.conn(), code).await?;
    if to.code == change.plan.code {
        return Err(Error::Rejected(format!(
            "This store is already on the {} plan.",
            to.name
        )));
    }
    if !change.before.state.storefront_open() && change.before.state != State::Paused {
        return Err(Error::Rejected(
            "Pay or resubscribe first: this subscription is not running.".into(),
        ));
    }
    let b = &change.before;
    let proration = prorate(
        change.plan.monthly_price,
        to.monthly_price,
        b.current_period_start,
        b.current_period_end,
        now,
        b.billable(),
    );
    let refs = refs(billing, &mut change).await?;
    billing.provider.change_plan(&refs, &to, &proration)?;
    let description = format!("{} → {} (prorated)", change.plan.name, to.name);
    if proration.net > rust_decimal::Decimal::ZERO {
        match billing.provider.charge(tenant_id, proration.net, &description) {
            Payment::Paid => {}
            _ => {
                return Err(Error::Rejected(
                    "The payment for the upgrade failed; the plan is unchanged. Update your card and try again."
                        .into(),
                ))
            }
        }
    }
    if !proration.net.is_zero() {
        change.invoices.push(NewInvoice {
            amount: proration.net,
            description,
            paid: true,
        });
    }
    let from = change.plan.code.clone();
    change.after.plan_code = to.code.clone();
    change.finish(hosts).await?;
    Ok(PlanChanged {
        from,
        to: to.code,
        proration,
    })
}

/// Cancels at the end of the current period (`cancel`), or takes that back.
pub async fn cancel(
    pool: &PgPool,
    billing: &Billing,
    hosts: &impl ServedHosts,
    tenant_id: i64,
    cancel: bool,
) -> Result<Subscription> {
    let now = billing.now();
    let mut change = Change::begin(pool, tenant_id).await?;
    let event = if cancel {
        Event::CancelAtPeriodEnd
    } else {
        Event::KeepSubscription
    };
    apply(&mut change, &event, now)?;
    let refs = refs(billing, &mut change).await?;
    billing.provider.cancel_at_period_end(&refs, cancel)?;
    change.finish(hosts).await
}

/// Pays what is owed: a past-due or unpaid store settles its open invoices; a paused or
/// canceled one starts a new period. Refused (nothing changes) when the payment fails.
pub async fn pay(
    pool: &PgPool,
    billing: &Billing,
    hosts: &impl ServedHosts,
    tenant_id: i64,
) -> Result<Subscription> {
    let now = billing.now();
    let mut change = Change::begin(pool, tenant_id).await?;
    let (event, what) = match change.before.state {
        State::PastDue | State::Unpaid => (Event::PaymentSucceeded, "overdue payment"),
        State::Paused | State::Canceled => (Event::Reactivate, "new period"),
        _ => return Err(Error::Rejected("Nothing is owed.".into())),
    };
    refs(billing, &mut change).await?;
    let price = change.plan.monthly_price;
    let description = format!("{} plan, {what}", change.plan.name);
    if billing.provider.charge(tenant_id, price, &description) != Payment::Paid {
        return Err(Error::Rejected(
            "The payment failed. Update your card and try again.".into(),
        ));
    }
    apply(&mut change, &event, now)?;
    if event == Event::Reactivate {
        change.invoices.push(NewInvoice {
            amount: price,
            description,
            paid: true,
        });
    }
    change.finish(hosts).await
}

/// The provider's customer portal for the store (card, receipts).
pub async fn portal_link(
    pool: &PgPool,
    billing: &Billing,
    hosts: &impl ServedHosts,
    tenant_id: i64,
    return_url: &str,
) -> Result<String> {
    let mut change = Change::begin(pool, tenant_id).await?;
    let refs = refs(billing, &mut change).await?;
    let link = billing.provider.portal_link(&refs, return_url)?;
    change.finish(hosts).await?;
    Ok(link)
}

/// Platform staff give the store `code` for free: it becomes active, renews without
/// charge, and its limits are the plan's at once.
pub async fn comp(
    pool: &PgPool,
    billing: &Billing,
    hosts: &impl ServedHosts,
    tenant_id: i64,
    code: &str,
) -> Result<Subscription> {
    let now = billing.now();
    let mut change = Change::begin(pool, tenant_id).await?;
    let plan = plans::get(change.conn(), code).await?;
    apply(&mut change, &Event::Comp, now)?;
    change.after.plan_code = plan.code;
    change.finish(hosts).await
}

/// Platform staff extend (or restart) the store's trial until `until`.
pub async fn extend_trial(
    pool: &PgPool,
    billing: &Billing,
    hosts: &impl ServedHosts,
    tenant_id: i64,
    until: DateTime<Utc>,
) -> Result<Subscription> {
    let now = billing.now();
    let mut change = Change::begin(pool, tenant_id).await?;
    apply(&mut change, &Event::ExtendTrial(until), now)?;
    change.finish(hosts).await
}
