//! The payment provider behind a trait: subscribe, change plan, cancel, the customer
//! portal, charging and webhook verification. The platform ships two: [`FakeProvider`]
//! (tests, the demo and `billing tick` without a real provider; it can be told that a
//! store's payments fail or that it has no card) and [`super::stripe::StripeProvider`].
//!
//! The trait is synchronous on purpose: the fake does no I/O, and the Stripe adapter
//! builds its requests as data ([`super::stripe::StripeRequest`]) and hands them to a
//! transport, so everything billing decides stays testable without a network. Calls are
//! made while the subscription row is locked; a provider error rolls the change back.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::plans::Plan;
use super::proration::Proration;
use super::state::{Payment, State};
use crate::{Error, Result};

/// Who is being billed.
#[derive(Debug, Clone)]
pub struct Customer<'a> {
    pub tenant_id: i64,
    pub name: &'a str,
    pub email: &'a str,
}

/// The provider's names for a store's customer and subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRefs {
    pub customer_id: String,
    pub subscription_id: String,
}

/// A webhook event, verified and parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderEvent {
    /// The provider's event id: an event seen twice is applied once.
    pub id: String,
    pub kind_name: String,
    /// When the provider says it happened: an event older than the last one applied to
    /// the subscription changes nothing (webhooks arrive out of order).
    pub occurred_at: DateTime<Utc>,
    /// The provider's subscription id it is about, when it is about one.
    pub subscription_id: Option<String>,
    pub kind: EventKind,
}

/// What a webhook event says.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The provider's view of the subscription, taken as it is.
    SubscriptionUpdated {
        state: State,
        period_start: DateTime<Utc>,
        period_end: DateTime<Utc>,
        cancel_at_period_end: bool,
        trial_end: Option<DateTime<Utc>>,
    },
    SubscriptionDeleted,
    InvoicePaid,
    InvoicePaymentFailed,
    /// Any other event type: recorded, not applied.
    Other,
}

/// A payment provider, as billing uses it.
pub trait PaymentProvider: Send + Sync {
    /// The name stored with each subscription and event (`fake`, `stripe`).
    fn name(&self) -> &'static str;

    /// Whether billing's tick charges renewals itself (the fake), or the provider does
    /// and reports by webhook (Stripe).
    fn drives_renewals(&self) -> bool;

    /// Creates the customer and the subscription of a store on `plan`.
    fn subscribe(&self, customer: &Customer<'_>, plan: &Plan) -> Result<ProviderRefs>;

    /// Moves the subscription to `plan`, with the proration billing computed.
    fn change_plan(&self, refs: &ProviderRefs, plan: &Plan, proration: &Proration) -> Result<()>;

    /// Cancels at the period's end (or takes that back with `false`).
    fn cancel_at_period_end(&self, refs: &ProviderRefs, cancel: bool) -> Result<()>;

    /// Where the owner updates their card and sees their receipts.
    fn portal_link(&self, refs: &ProviderRefs, return_url: &str) -> Result<String>;

    /// Charges a store `amount` for `what`.
    fn charge(&self, tenant_id: i64, amount: Decimal, what: &str) -> Payment;

    /// Checks a webhook's signature header against its raw body and parses it.
    fn verify_webhook(
        &self,
        signature: &str,
        payload: &[u8],
        now: DateTime<Utc>,
    ) -> Result<ProviderEvent>;
}

/// A provider that keeps everything in memory. Payments succeed unless the test (or the
/// demo) says otherwise with [`FakeProvider::fail_payments`] or
/// [`FakeProvider::remove_card`]; every charge is recorded.
#[derive(Debug, Default)]
pub struct FakeProvider {
    state: Mutex<FakeState>,
    /// The secret its webhooks are signed with (Stripe's format).
    pub webhook_secret: String,
}

#[derive(Debug, Default)]
struct FakeState {
    failing: HashSet<i64>,
    no_card: HashSet<i64>,
    charges: Vec<(i64, Decimal, String)>,
    plans: HashMap<String, String>,
    next_id: u64,
}

impl FakeProvider {
    pub fn new() -> Self {
        FakeProvider {
            webhook_secret: "whsec_fake".into(),
            ..Default::default()
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// From now on, the store's payments fail (or succeed again).
    pub fn fail_payments(&self, tenant_id: i64, fail: bool) {
        self.with(|s| toggle(&mut s.failing, tenant_id, fail));
    }

    /// The store has no card on file (or has one again).
    pub fn remove_card(&self, tenant_id: i64, removed: bool) {
        self.with(|s| toggle(&mut s.no_card, tenant_id, removed));
    }

    /// Every charge so far: store, amount, what for.
    pub fn charges(&self) -> Vec<(i64, Decimal, String)> {
        self.with(|s| s.charges.clone())
    }

    /// The plan the provider thinks a subscription is on.
    pub fn plan_of(&self, subscription_id: &str) -> Option<String> {
        self.with(|s| s.plans.get(subscription_id).cloned())
    }
}

fn toggle(set: &mut HashSet<i64>, id: i64, on: bool) {
    if on {
        set.insert(id);
    } else {
        set.remove(&id);
    }
}

impl PaymentProvider for FakeProvider {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn drives_renewals(&self) -> bool {
        true
    }

    fn subscribe(&self, customer: &Customer<'_>, plan: &Plan) -> Result<ProviderRefs> {
        self.with(|s| {
            s.next_id += 1;
            let refs = ProviderRefs {
                customer_id: format!("cus_fake_{}", customer.tenant_id),
                subscription_id: format!("sub_fake_{}_{}", customer.tenant_id, s.next_id),
            };
            s.plans
                .insert(refs.subscription_id.clone(), plan.code.clone());
            Ok(refs)
        })
    }

    fn change_plan(&self, refs: &ProviderRefs, plan: &Plan, _: &Proration) -> Result<()> {
        self.with(|s| {
            s.plans
                .insert(refs.subscription_id.clone(), plan.code.clone())
        });
        Ok(())
    }

    fn cancel_at_period_end(&self, _: &ProviderRefs, _: bool) -> Result<()> {
        Ok(())
    }

    fn portal_link(&self, refs: &ProviderRefs, return_url: &str) -> Result<String> {
        Ok(format!(
            "{return_url}?portal=fake&customer={}",
            refs.customer_id
        ))
    }

    fn charge(&self, tenant_id: i64, amount: Decimal, what: &str) -> Payment {
        self.with(|s| {
            if s.no_card.contains(&tenant_id) {
                return Payment::NoPaymentMethod;
            }
            if s.failing.contains(&tenant_id) {
                return Payment::Failed;
            }
            s.charges.push((tenant_id, amount, what.to_owned()));
            Payment::Paid
        })
    }

    fn verify_webhook(
        &self,
        signature: &str,
        payload: &[u8],
        now: DateTime<Utc>,
    ) -> Result<ProviderEvent> {
        super::stripe::verify_and_parse(signature, payload, &self.webhook_secret, now)
    }
}

/// The refusal when a provider cannot be reached (the Stripe adapter without a client).
pub fn unavailable(why: impl std::fmt::Display) -> Error {
    Error::Rejected(format!("The payment provider cannot be reached: {why}"))
}
