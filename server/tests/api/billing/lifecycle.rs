//! The subscription's life, moved by the fake clock and `billing tick`.

use chrono::Duration;
use marketplace::billing::{actions, State};
use marketplace::tenancy::{registry, TenantStatus};
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::BillingApp;
use crate::helpers::PUBLIC;

const SHOP: &str = "shop.localhost:8000";

#[sqlx::test(migrations = false)]
async fn a_trial_converts_renews_and_a_cancellation_stops_at_the_period_end(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = b.app.create_store("shop").await;
    let sub = b.subscription(&shop).await;
    assert_eq!(
        (sub.state, sub.plan_code.as_str()),
        (State::Trialing, "growth")
    );
    assert!(sub.trial_end.is_some());

    // Nothing is due during the trial.
    let report = b.tick_after(Duration::days(13)).await;
    assert_eq!(report.periods_ended, 0);
    assert_eq!(b.subscription(&shop).await.state, State::Trialing);

    // The trial ends: the first month is charged.
    let report = b.tick_after(Duration::days(2)).await;
    assert_eq!(report.periods_ended, 1);
    let sub = b.subscription(&shop).await;
    assert_eq!(sub.state, State::Active);
    assert_eq!(sub.trial_end, None);
    assert_eq!(b.provider.charges().len(), 1);
    assert_eq!(b.provider.charges()[0].1, Decimal::new(7900, 2));

    // A month later it renews, once.
    b.tick_after(Duration::days(31)).await;
    let renewed = b.subscription(&shop).await;
    assert_eq!(renewed.state, State::Active);
    assert_eq!(renewed.current_period_start, sub.current_period_end);
    assert_eq!(b.provider.charges().len(), 2);
    b.tick_after(Duration::seconds(1)).await;
    assert_eq!(b.provider.charges().len(), 2, "a period is charged once");
    let invoices = marketplace::billing::subscriptions::invoices(&b.app.pool, shop.id)
        .await
        .unwrap();
    assert_eq!(invoices.len(), 2);
    assert!(invoices.iter().all(|i| i.status == "paid"));

    // Cancelled: it runs to the end of the period, then the storefront closes.
    let resolver = &*b.app.state.resolver;
    actions::cancel(&b.app.pool, b.billing(), resolver, shop.id, true)
        .await
        .unwrap();
    assert_eq!(b.app.get(SHOP, "/").await.status, 200);
    b.tick_after(Duration::days(32)).await;
    let ended = b.subscription(&shop).await;
    assert_eq!(ended.state, State::Canceled);
    assert_eq!(
        b.provider.charges().len(),
        2,
        "a cancelled period is not renewed"
    );
    assert_eq!(b.app.get(SHOP, "/").await.status, 503);
    assert_eq!(b.app.get(SHOP, "/admin").await.status, 200);

    // Resubscribing pays for a new period and reopens it.
    actions::pay(&b.app.pool, b.billing(), resolver, shop.id)
        .await
        .unwrap();
    assert_eq!(b.subscription(&shop).await.state, State::Active);
    assert_eq!(b.app.get(SHOP, "/").await.status, 200);
}

#[sqlx::test(migrations = false)]
async fn a_past_due_store_sells_through_its_grace_period_then_pauses_but_its_admin_answers(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = b.app.create_store("shop").await;
    b.provider.fail_payments(shop.id, true);
    b.tick_after(Duration::days(15)).await;
    let sub = b.subscription(&shop).await;
    assert_eq!(sub.state, State::PastDue);
    assert!(sub.past_due_since.is_some());
    assert_eq!(
        b.app.get(SHOP, "/").await.status,
        200,
        "open during the grace period"
    );

    let report = b.tick_after(Duration::days(6)).await;
    assert_eq!(report.grace_expired, 0);
    let report = b.tick_after(Duration::days(1)).await;
    assert_eq!(report.grace_expired, 1);
    assert_eq!(b.subscription(&shop).await.state, State::Unpaid);

    let shopfront = b.app.get(SHOP, "/").await;
    assert_eq!(shopfront.status, 503);
    assert!(
        shopfront.body.contains("taking a break"),
        "{}",
        shopfront.body
    );
    assert!(shopfront.body.contains("/admin/plan"));
    assert_eq!(b.app.get(SHOP, "/products/1").await.status, 503);
    assert_eq!(b.app.get(SHOP, "/data/").await.status, 503);
    let admin = b.app.get(SHOP, "/admin/plan").await;
    assert_eq!(admin.status, 200, "{}", admin.body);
    let gate = b.app.call(SHOP, "admin/gate", "", None).await;
    assert_eq!(gate.status, 200, "{}", gate.body);
    let stores = b
        .app
        .count("select count(*) from public.tenants where status = 'paused'")
        .await;
    assert_eq!(stores, 1);

    // Paying with a card that still fails changes nothing; with a good one it reopens.
    let resolver = &*b.app.state.resolver;
    assert!(actions::pay(&b.app.pool, b.billing(), resolver, shop.id)
        .await
        .is_err());
    b.provider.fail_payments(shop.id, false);
    actions::pay(&b.app.pool, b.billing(), resolver, shop.id)
        .await
        .unwrap();
    assert_eq!(b.subscription(&shop).await.state, State::Active);
    assert_eq!(b.app.get(SHOP, "/").await.status, 200);
    let open = b
        .app
        .count("select count(*) from public.invoices where status = 'open'")
        .await;
    assert_eq!(open, 0, "the payment settled the open invoice");
}

#[sqlx::test(migrations = false)]
async fn a_trial_ending_without_a_card_pauses_and_a_platform_suspension_is_never_lifted_by_billing(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = b.app.create_store("shop").await;
    b.provider.remove_card(shop.id, true);
    b.tick_after(Duration::days(15)).await;
    assert_eq!(b.subscription(&shop).await.state, State::Paused);
    assert_eq!(b.app.get(SHOP, "/").await.status, 503);

    // Platform staff suspend it meanwhile; paying reopens billing, not the suspension.
    let resolver = &*b.app.state.resolver;
    registry::change_status(
        &b.app.pool,
        resolver,
        &shop.schema_name,
        TenantStatus::Suspended,
    )
    .await
    .unwrap();
    b.provider.remove_card(shop.id, false);
    actions::pay(&b.app.pool, b.billing(), resolver, shop.id)
        .await
        .unwrap();
    assert_eq!(b.subscription(&shop).await.state, State::Active);
    assert_eq!(
        b.app.get(SHOP, "/admin").await.status,
        503,
        "still suspended"
    );
}

#[sqlx::test(migrations = false)]
async fn platform_staff_comp_a_plan_and_extend_a_trial_and_see_mrr(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = b.app.create_store("shop").await;
    let other = b.app.create_store("other").await;
    let platform = b.app.platform_staff().await;

    let comp = b
        .app
        .call(
            PUBLIC,
            "admin/platform/billing/override",
            "schema=shop&op=comp&plan=scale",
            Some(&platform),
        )
        .await;
    assert_eq!(comp.status, 200, "{}", comp.body);
    let sub = b.subscription(&shop).await;
    assert_eq!(
        (sub.state, sub.plan_code.as_str(), sub.comped),
        (State::Active, "scale", true)
    );

    let extend = b
        .app
        .call(
            PUBLIC,
            "admin/platform/billing/override",
            "schema=other&op=extend&days=60",
            Some(&platform),
        )
        .await;
    assert_eq!(extend.status, 200, "{}", extend.body);
    b.tick_after(Duration::days(30)).await;
    assert_eq!(
        b.subscription(&other).await.state,
        State::Trialing,
        "the trial was extended"
    );
    assert!(
        b.provider.charges().is_empty(),
        "a comped renewal charges nothing"
    );

    // The comped store pays nothing, so MRR is zero until the other one converts.
    let list = b
        .app
        .call(PUBLIC, "admin/platform/billing", "", Some(&platform))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()["mrr"], "0.00");
    b.tick_after(Duration::days(31)).await;
    assert_eq!(b.subscription(&other).await.state, State::Active);
    let active = b
        .app
        .call(
            PUBLIC,
            "admin/platform/billing",
            "state=active",
            Some(&platform),
        )
        .await
        .json();
    assert_eq!(active["mrr"], "79.00");
    assert_eq!(active["rows"].as_array().unwrap().len(), 2);
    let trialing = b
        .app
        .call(
            PUBLIC,
            "admin/platform/billing",
            "state=trialing",
            Some(&platform),
        )
        .await
        .json();
    assert_eq!(trialing["rows"].as_array().unwrap().len(), 0);

    // Store staff cannot reach the platform's overrides.
    let refused = b
        .app
        .call(
            "shop.localhost:8000",
            "admin/platform/billing/override",
            "schema=shop&op=comp&plan=scale",
            None,
        )
        .await;
    assert_ne!(refused.status, 200);
}

#[sqlx::test(migrations = false)]
async fn stores_from_before_billing_get_their_limits_on_the_next_tick(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = b.app.create_store("shop").await;
    sqlx::query("update public.subscriptions set limits_synced = false where tenant_id = $1")
        .bind(shop.id)
        .execute(&b.app.pool)
        .await
        .unwrap();
    let report = b.tick_after(Duration::seconds(1)).await;
    assert_eq!(report.limits_synced, 1);
    assert!(b.subscription(&shop).await.limits_synced);
    assert_eq!(b.tick_after(Duration::seconds(1)).await.limits_synced, 0);
}
