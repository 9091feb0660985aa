//! `POST /billing/webhooks/stripe`: Stripe's signature, events applied once and in order.

use axum::body::Body;
use axum::http::{header, Request};
use chrono::Duration;
use marketplace::billing::stripe::{signature_header, TOLERANCE_SECS};
use marketplace::billing::{Clock, State};
use marketplace::tenancy::Tenant;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{BillingApp, SECRET};
use crate::helpers::{Reply, PUBLIC};

const PATH: &str = "/billing/webhooks/stripe";

/// A Stripe event about `sub_shop`, created `offset` seconds from the clock's now.
fn event(b: &BillingApp, id: &str, kind: &str, offset: i64) -> Vec<u8> {
    let created = b.clock.now().timestamp() + offset;
    let object = if kind.starts_with("invoice.") {
        serde_json::json!({ "id": format!("in_{id}"), "subscription": "sub_shop" })
    } else {
        serde_json::json!({ "id": "sub_shop", "status": "active", "cancel_at_period_end": false,
            "current_period_start": created, "current_period_end": created + 30 * 86400 })
    };
    serde_json::json!({ "id": id, "object": "event", "type": kind, "created": created,
        "data": { "object": object } })
    .to_string()
    .into_bytes()
}

async fn post(b: &BillingApp, host: &str, body: &[u8], signature: Option<String>) -> Reply {
    let mut request = Request::post(PATH)
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    b.app
        .send(request.body(Body::from(body.to_vec())).unwrap())
        .await
}

async fn signed(b: &BillingApp, body: &[u8]) -> Reply {
    let header = signature_header(body, SECRET, b.clock.now().timestamp());
    post(b, PUBLIC, body, Some(header)).await
}

async fn linked_store(b: &BillingApp) -> Tenant {
    let shop = b.app.create_store("shop").await;
    sqlx::query(
        "update public.subscriptions set provider = 'stripe', provider_customer_id = 'cus_shop', \
         provider_subscription_id = 'sub_shop', state = 'active' where tenant_id = $1",
    )
    .bind(shop.id)
    .execute(&b.app.pool)
    .await
    .unwrap();
    shop
}

#[sqlx::test(migrations = false)]
async fn only_a_correctly_signed_recent_webhook_is_applied(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = linked_store(&b).await;
    let body = event(&b, "evt_fail", "invoice.payment_failed", 0);
    let now = b.clock.now().timestamp();

    let unsigned = post(&b, PUBLIC, &body, None).await;
    assert_eq!(unsigned.status, 400);
    let wrong = post(
        &b,
        PUBLIC,
        &body,
        Some(signature_header(&body, "whsec_wrong", now)),
    )
    .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    let stale_at = now - TOLERANCE_SECS - 1;
    let stale = post(
        &b,
        PUBLIC,
        &body,
        Some(signature_header(&body, SECRET, stale_at)),
    )
    .await;
    assert_eq!(stale.status, 400);
    let tampered = post(
        &b,
        PUBLIC,
        b"{\"id\":\"evt_other\"}",
        Some(signature_header(&body, SECRET, now)),
    )
    .await;
    assert_eq!(tampered.status, 400);
    assert_eq!(
        b.subscription(&shop).await.state,
        State::Active,
        "nothing applied"
    );
    assert_eq!(
        b.app
            .count("select count(*) from public.billing_events")
            .await,
        0
    );

    let applied = signed(&b, &body).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert_eq!(applied.json()["received"], "applied");
    assert_eq!(b.subscription(&shop).await.state, State::PastDue);

    // Not on a store's host.
    let header = signature_header(&body, SECRET, now);
    assert_eq!(
        post(&b, "shop.localhost:8000", &body, Some(header))
            .await
            .status,
        404
    );
}

#[sqlx::test(migrations = false)]
async fn a_replayed_event_is_applied_once_and_an_older_one_never_goes_back_in_time(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = linked_store(&b).await;

    let failed = event(&b, "evt_1", "invoice.payment_failed", 0);
    assert_eq!(signed(&b, &failed).await.json()["received"], "applied");
    let since = b.subscription(&shop).await.past_due_since;

    // A later payment, then the failure delivered again (a retry of the same id).
    let paid = event(&b, "evt_2", "invoice.paid", 60);
    assert_eq!(signed(&b, &paid).await.json()["received"], "applied");
    assert_eq!(b.subscription(&shop).await.state, State::Active);
    let again = signed(&b, &failed).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["received"], "duplicate");
    assert_eq!(b.subscription(&shop).await.state, State::Active);
    assert!(since.is_some());

    // A failure that happened before the payment but arrives after it is stale.
    let older = event(&b, "evt_0", "invoice.payment_failed", 30);
    let reply = signed(&b, &older).await;
    assert_eq!(reply.json()["received"], "stale");
    assert_eq!(b.subscription(&shop).await.state, State::Active);
    assert_eq!(
        b.app
            .count("select count(*) from public.billing_events")
            .await,
        3
    );
    assert_eq!(
        b.app
            .count("select count(*) from public.billing_events where applied")
            .await,
        2
    );

    // Unknown types and unknown subscriptions are acknowledged and left alone.
    let other = event(&b, "evt_9", "charge.refunded", 90);
    assert_eq!(signed(&b, &other).await.json()["received"], "ignored");
}

#[sqlx::test(migrations = false)]
async fn a_deleted_subscription_closes_the_storefront_and_an_update_reopens_it(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = linked_store(&b).await;
    let deleted = event(&b, "evt_del", "customer.subscription.deleted", 0);
    assert_eq!(signed(&b, &deleted).await.json()["received"], "applied");
    assert_eq!(b.subscription(&shop).await.state, State::Canceled);
    assert_eq!(b.app.get("shop.localhost:8000", "/").await.status, 503);

    b.clock.advance(Duration::seconds(10));
    let updated = event(&b, "evt_upd", "customer.subscription.updated", 0);
    assert_eq!(signed(&b, &updated).await.json()["received"], "applied");
    let sub = b.subscription(&shop).await;
    assert_eq!(sub.state, State::Active);
    assert_eq!(
        sub.current_period_end - sub.current_period_start,
        Duration::days(30)
    );
    assert_eq!(b.app.get("shop.localhost:8000", "/").await.status, 200);
}
