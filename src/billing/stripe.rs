//! The Stripe adapter: webhook signatures and events in Stripe's real format, and the
//! API requests billing needs, built as data.
//!
//! A webhook carries `Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…]`; `v1` is
//! HMAC-SHA256 of `"<t>.<raw body>"` under the endpoint's secret (`whsec_…`). Several
//! `v1` values are allowed (Stripe sends two while a secret is being rolled); any one
//! matching is enough, compared in constant time. A timestamp more than
//! [`TOLERANCE_SECS`] from now is refused, so a captured request cannot be replayed
//! later; within the window, replays are stopped by the event id (`billing_events`).
//!
//! Requests ([`StripeRequest`]) are method, path, form fields and an `Idempotency-Key`;
//! a [`Transport`] sends them. This build ships no HTTP client (the machine it was
//! written on has no network): [`Offline`] refuses, and a deployment plugs in a
//! transport of its own (a few lines over any HTTP client: `Authorization: Bearer
//! sk_…`, `Content-Type: application/x-www-form-urlencoded`, the key as the
//! `Idempotency-Key` header).

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::plans::Plan;
use super::proration::Proration;
use super::provider::{
    unavailable, Customer, EventKind, PaymentProvider, ProviderEvent, ProviderRefs,
};
use super::state::{Payment, State};
use crate::{Error, Result};

/// How far a webhook's timestamp may be from now (Stripe's libraries use 300 s).
pub const TOLERANCE_SECS: i64 = 300;

fn bad(message: impl std::fmt::Display) -> Error {
    Error::invalid("signature", message)
}

/// The `v1` signature of `payload` signed at `timestamp` with `secret`, in hex (what
/// Stripe puts in the header; the tests sign with it).
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let bytes = mac(secret, timestamp, payload).finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A whole `Stripe-Signature` header for `payload` (tests and the demo).
pub fn signature_header(payload: &[u8], secret: &str, timestamp: i64) -> String {
    format!("t={timestamp},v1={}", sign(payload, secret, timestamp))
}

fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

fn unhex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks a `Stripe-Signature` header against the raw body.
pub fn verify(header: &str, payload: &[u8], secret: &str, now: DateTime<Utc>) -> Result<()> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.extend(unhex(sig)),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| bad("The signature has no timestamp."))?;
    if signatures.is_empty() {
        return Err(bad("The signature has no v1 value."));
    }
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECS {
        return Err(bad("The signature's timestamp is outside the tolerance."));
    }
    let expected = mac(secret, timestamp, payload);
    // `verify_slice` compares in constant time.
    if signatures
        .iter()
        .any(|sig| expected.clone().verify_slice(sig).is_ok())
    {
        Ok(())
    } else {
        Err(bad("No signature matches the payload."))
    }
}

/// [`verify`], then [`parse_event`].
pub fn verify_and_parse(
    header: &str,
    payload: &[u8],
    secret: &str,
    now: DateTime<Utc>,
) -> Result<ProviderEvent> {
    verify(header, payload, secret, now)?;
    parse_event(payload)
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(value.as_i64()?, 0).single()
}

/// Reads a Stripe event (`id`, `type`, `created`, `data.object`).
pub fn parse_event(payload: &[u8]) -> Result<ProviderEvent> {
    let malformed = || Error::invalid("event", "The webhook body is not a Stripe event.");
    let event: Value = serde_json::from_slice(payload).map_err(|_| malformed())?;
    let id = event["id"].as_str().ok_or_else(malformed)?.to_owned();
    let kind_name = event["type"].as_str().ok_or_else(malformed)?.to_owned();
    let occurred_at = time(&event["created"]).ok_or_else(malformed)?;
    let object = &event["data"]["object"];
    let (subscription_id, kind) = match kind_name.as_str() {
        "customer.subscription.updated" | "customer.subscription.created" => {
            let state = object["status"].as_str().and_then(|s| State::parse(s).ok());
            let (start, end) = (
                time(&object["current_period_start"]),
                time(&object["current_period_end"]),
            );
            let kind = match (state, start, end) {
                (Some(state), Some(period_start), Some(period_end)) => {
                    EventKind::SubscriptionUpdated {
                        state,
                        period_start,
                        period_end,
                        cancel_at_period_end: object["cancel_at_period_end"]
                            .as_bool()
                            .unwrap_or(false),
                        trial_end: time(&object["trial_end"]),
                    }
                }
                // A state billing has no word for (`incomplete`, …): recorded only.
                _ => EventKind::Other,
            };
            (object["id"].as_str(), kind)
        }
        "customer.subscription.deleted" => (object["id"].as_str(), EventKind::SubscriptionDeleted),
        "invoice.paid" => (object["subscription"].as_str(), EventKind::InvoicePaid),
        "invoice.payment_failed" => (
            object["subscription"].as_str(),
            EventKind::InvoicePaymentFailed,
        ),
        _ => (None, EventKind::Other),
    };
    Ok(ProviderEvent {
        id,
        kind_name,
        occurred_at,
        subscription_id: subscription_id.map(str::to_owned),
        kind,
    })
}

/// One Stripe API request, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeRequest {
    pub method: &'static str,
    /// Under `https://api.stripe.com`.
    pub path: String,
    pub form: Vec<(String, String)>,
    /// Sent as `Idempotency-Key`: the same operation retried is applied once by Stripe.
    pub idempotency_key: String,
}

impl StripeRequest {
    fn new(method: &'static str, path: String, form: Vec<(&str, String)>) -> Self {
        let form: Vec<(String, String)> =
            form.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let mut digest = Sha256::new();
        digest.update(method.as_bytes());
        digest.update(path.as_bytes());
        for (k, v) in &form {
            digest.update(k.as_bytes());
            digest.update(b"=");
            digest.update(v.as_bytes());
            digest.update(b"&");
        }
        let key = digest.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        StripeRequest {
            method,
            path,
            form,
            idempotency_key: key,
        }
    }

    /// The `application/x-www-form-urlencoded` body.
    pub fn body(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.form.iter())
            .finish()
    }

    pub fn create_customer(customer: &Customer<'_>) -> Self {
        Self::new(
            "POST",
            "/v1/customers".into(),
            vec![
                ("name", customer.name.to_owned()),
                ("email", customer.email.to_owned()),
                ("metadata[tenant_id]", customer.tenant_id.to_string()),
            ],
        )
    }

    pub fn create_subscription(customer_id: &str, price: &str, tenant_id: i64) -> Self {
        Self::new(
            "POST",
            "/v1/subscriptions".into(),
            vec![
                ("customer", customer_id.to_owned()),
                ("items[0][price]", price.to_owned()),
                (
                    "trial_period_days",
                    super::state::TRIAL.num_days().to_string(),
                ),
                ("metadata[tenant_id]", tenant_id.to_string()),
            ],
        )
    }

    /// Stripe computes its own proration (`always_invoice` bills it at once); ours is
    /// what the owner was shown.
    pub fn change_price(subscription_id: &str, item_id: &str, price: &str) -> Self {
        Self::new(
            "POST",
            format!("/v1/subscriptions/{subscription_id}"),
            vec![
                ("items[0][id]", item_id.to_owned()),
                ("items[0][price]", price.to_owned()),
                ("proration_behavior", "always_invoice".into()),
            ],
        )
    }

    pub fn cancel_at_period_end(subscription_id: &str, cancel: bool) -> Self {
        Self::new(
            "POST",
            format!("/v1/subscriptions/{subscription_id}"),
            vec![("cancel_at_period_end", cancel.to_string())],
        )
    }

    pub fn portal_session(customer_id: &str, return_url: &str) -> Self {
        Self::new(
            "POST",
            "/v1/billing_portal/sessions".into(),
            vec![
                ("customer", customer_id.to_owned()),
                ("return_url", return_url.to_owned()),
            ],
        )
    }
}

/// Sends a request to Stripe and returns the JSON answer.
pub trait Transport: Send + Sync {
    fn send(&self, request: &StripeRequest) -> Result<Value>;
}

/// The transport of a build without an HTTP client: every request is refused.
#[derive(Debug, Default)]
pub struct Offline;

impl Transport for Offline {
    fn send(&self, request: &StripeRequest) -> Result<Value> {
        Err(unavailable(format!(
            "no HTTP client is built in ({} {})",
            request.method, request.path
        )))
    }
}

/// Stripe as a [`PaymentProvider`].
pub struct StripeProvider {
    pub webhook_secret: String,
    /// Stripe's price id of each plan code (`price_…`).
    pub prices: HashMap<String, String>,
    pub transport: Box<dyn Transport>,
}

impl StripeProvider {
    /// An adapter that verifies webhooks with `webhook_secret` and cannot call Stripe.
    pub fn offline(webhook_secret: impl Into<String>) -> Self {
        StripeProvider {
            webhook_secret: webhook_secret.into(),
            prices: HashMap::new(),
            transport: Box::new(Offline),
        }
    }

    fn price(&self, plan: &Plan) -> Result<&str> {
        self.prices
            .get(&plan.code)
            .map(String::as_str)
            .ok_or_else(|| unavailable(format!("no Stripe price for the plan '{}'", plan.code)))
    }

    fn field(answer: &Value, pointer: &str) -> Result<String> {
        answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| unavailable(format!("Stripe's answer has no {pointer}")))
    }
}

impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn drives_renewals(&self) -> bool {
        false
    }

    fn subscribe(&self, customer: &Customer<'_>, plan: &Plan) -> Result<ProviderRefs> {
        let answer = self
            .transport
            .send(&StripeRequest::create_customer(customer))?;
        let customer_id = Self::field(&answer, "/id")?;
        let request =
            StripeRequest::create_subscription(&customer_id, self.price(plan)?, customer.tenant_id);
        let answer = self.transport.send(&request)?;
        Ok(ProviderRefs {
            customer_id,
            subscription_id: Self::field(&answer, "/id")?,
        })
    }

    fn change_plan(&self, refs: &ProviderRefs, plan: &Plan, _: &Proration) -> Result<()> {
        let path = format!("/v1/subscriptions/{}", refs.subscription_id);
        let current = self.transport.send(&StripeRequest {
            method: "GET",
            path,
            form: Vec::new(),
            idempotency_key: String::new(),
        })?;
        let item = Self::field(&current, "/items/data/0/id")?;
        let request = StripeRequest::change_price(&refs.subscription_id, &item, self.price(plan)?);
        self.transport.send(&request).map(drop)
    }

    fn cancel_at_period_end(&self, refs: &ProviderRefs, cancel: bool) -> Result<()> {
        let request = StripeRequest::cancel_at_period_end(&refs.subscription_id, cancel);
        self.transport.send(&request).map(drop)
    }

    fn portal_link(&self, refs: &ProviderRefs, return_url: &str) -> Result<String> {
        let answer = self.transport.send(&StripeRequest::portal_session(
            &refs.customer_id,
            return_url,
        ))?;
        Self::field(&answer, "/url")
    }

    /// Stripe charges by itself and reports by webhook; nothing is charged from here.
    fn charge(&self, _: i64, _: Decimal, _: &str) -> Payment {
        Payment::Failed
    }

    fn verify_webhook(
        &self,
        signature: &str,
        payload: &[u8],
        now: DateTime<Utc>,
    ) -> Result<ProviderEvent> {
        verify_and_parse(signature, payload, &self.webhook_secret, now)
    }
}

#[cfg(test)]
#[path = "stripe_tests.rs"]
mod tests;
