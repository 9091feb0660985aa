use chrono::Duration;

use super::*;

const SECRET: &str = "whsec_test_secret";

fn event(id: &str, kind: &str, object: Value) -> Vec<u8> {
    serde_json::json!({
        "id": id, "object": "event", "type": kind, "created": 1_780_000_000,
        "data": { "object": object }
    })
    .to_string()
    .into_bytes()
}

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_780_000_100, 0).unwrap()
}

#[test]
fn a_valid_signature_is_accepted_and_the_event_parsed() {
    let body = event(
        "evt_1",
        "invoice.paid",
        serde_json::json!({"subscription": "sub_9"}),
    );
    let header = signature_header(&body, SECRET, now().timestamp());
    let parsed = verify_and_parse(&header, &body, SECRET, now()).unwrap();
    assert_eq!(parsed.id, "evt_1");
    assert_eq!(parsed.kind, EventKind::InvoicePaid);
    assert_eq!(parsed.subscription_id.as_deref(), Some("sub_9"));
    assert_eq!(parsed.occurred_at.timestamp(), 1_780_000_000);
}

#[test]
fn a_wrong_secret_a_changed_body_or_a_stale_timestamp_is_refused() {
    let body = event(
        "evt_1",
        "invoice.paid",
        serde_json::json!({"subscription": "sub_9"}),
    );
    let t = now().timestamp();
    let wrong = signature_header(&body, "whsec_other", t);
    assert!(verify(&wrong, &body, SECRET, now()).is_err());
    let header = signature_header(&body, SECRET, t);
    let mut changed = body.clone();
    changed.push(b' ');
    assert!(verify(&header, &changed, SECRET, now()).is_err());
    let stale = signature_header(&body, SECRET, t - TOLERANCE_SECS - 1);
    assert!(verify(&stale, &body, SECRET, now()).is_err());
    let edge = signature_header(&body, SECRET, t - TOLERANCE_SECS);
    assert!(verify(&edge, &body, SECRET, now()).is_ok());
    let future = signature_header(&body, SECRET, t + TOLERANCE_SECS + 1);
    assert!(verify(&future, &body, SECRET, now()).is_err());
    for garbage in [
        "",
        "t=abc,v1=00",
        &format!("t={t}"),
        &format!("t={t},v1=zz"),
    ] {
        assert!(verify(garbage, &body, SECRET, now()).is_err(), "{garbage}");
    }
}

#[test]
fn any_of_several_v1_signatures_may_match() {
    let body = event(
        "evt_2",
        "invoice.payment_failed",
        serde_json::json!({"subscription": "s"}),
    );
    let t = now().timestamp();
    let good = sign(&body, SECRET, t);
    let header = format!("t={t},v1={},v0=ignored,v1={good}", "ab".repeat(32));
    assert!(verify(&header, &body, SECRET, now()).is_ok());
}

#[test]
fn subscription_events_carry_stripe_state() {
    let body = event(
        "evt_3",
        "customer.subscription.updated",
        serde_json::json!({
            "id": "sub_1", "status": "past_due", "cancel_at_period_end": true,
            "current_period_start": 1_780_000_000, "current_period_end": 1_782_592_000,
            "trial_end": null
        }),
    );
    let parsed = parse_event(&body).unwrap();
    assert_eq!(parsed.subscription_id.as_deref(), Some("sub_1"));
    match parsed.kind {
        EventKind::SubscriptionUpdated {
            state,
            cancel_at_period_end,
            period_end,
            trial_end,
            ..
        } => {
            assert_eq!(state, State::PastDue);
            assert!(cancel_at_period_end);
            assert_eq!(period_end - parsed.occurred_at, Duration::days(30));
            assert_eq!(trial_end, None);
        }
        other => panic!("{other:?}"),
    }
    let odd = event(
        "evt_4",
        "customer.subscription.updated",
        serde_json::json!({"id": "sub_1", "status": "incomplete"}),
    );
    assert_eq!(parse_event(&odd).unwrap().kind, EventKind::Other);
    let deleted = event(
        "evt_5",
        "customer.subscription.deleted",
        serde_json::json!({"id": "sub_1"}),
    );
    assert_eq!(
        parse_event(&deleted).unwrap().kind,
        EventKind::SubscriptionDeleted
    );
    assert!(parse_event(b"{\"id\": 1}").is_err());
}

#[test]
fn requests_are_built_as_stripe_expects() {
    let customer = Customer {
        tenant_id: 7,
        name: "Tech & Co",
        email: "owner@tech.example",
    };
    let create = StripeRequest::create_customer(&customer);
    assert_eq!(
        (create.method, create.path.as_str()),
        ("POST", "/v1/customers")
    );
    assert_eq!(
        create.body(),
        "name=Tech+%26+Co&email=owner%40tech.example&metadata%5Btenant_id%5D=7"
    );
    assert_eq!(create.idempotency_key.len(), 32);
    assert_eq!(
        create,
        StripeRequest::create_customer(&customer),
        "same request, same key"
    );

    let sub = StripeRequest::create_subscription("cus_1", "price_growth", 7);
    assert!(sub.body().contains("items%5B0%5D%5Bprice%5D=price_growth"));
    assert!(sub.body().contains("trial_period_days=14"));

    let change = StripeRequest::change_price("sub_1", "si_1", "price_scale");
    assert_eq!(change.path, "/v1/subscriptions/sub_1");
    assert!(change.body().ends_with("proration_behavior=always_invoice"));
    assert_ne!(
        change.idempotency_key,
        StripeRequest::change_price("sub_1", "si_1", "price_starter").idempotency_key
    );

    let cancel = StripeRequest::cancel_at_period_end("sub_1", true);
    assert_eq!(cancel.body(), "cancel_at_period_end=true");
    let portal = StripeRequest::portal_session("cus_1", "https://t.example/admin/plan");
    assert_eq!(portal.path, "/v1/billing_portal/sessions");
    assert!(portal
        .body()
        .contains("return_url=https%3A%2F%2Ft.example%2Fadmin%2Fplan"));
}

#[test]
fn the_offline_adapter_refuses_to_call_stripe() {
    let stripe = StripeProvider::offline(SECRET);
    let refs = ProviderRefs {
        customer_id: "cus_1".into(),
        subscription_id: "sub_1".into(),
    };
    assert!(stripe.portal_link(&refs, "https://x").is_err());
    assert!(!stripe.drives_renewals());
}
