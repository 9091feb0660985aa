//! Plans and billing (issue 16): every subscription transition driven by the fake
//! clock, plan limits under concurrency, downgrades and upgrades, Stripe webhooks, and a
//! lapsed store's paused storefront with its admin still open.

mod lifecycle;
mod limits;
mod refusals;
mod webhooks;

use std::sync::Arc;

use chrono::Duration;
use marketplace::billing::stripe::StripeProvider;
use marketplace::billing::{actions, Billing, FakeClock, FakeProvider, Subscription};
use marketplace::security::Policy;
use marketplace::tenancy::Tenant;
use sqlx::postgres::PgConnectOptions;

use crate::helpers::TestApp;

/// The secret the tests' Stripe webhooks are signed with.
pub const SECRET: &str = "whsec_billing_tests";

/// A platform whose billing runs on a fake provider and a fake clock.
pub struct BillingApp {
    pub app: TestApp,
    pub provider: Arc<FakeProvider>,
    pub clock: Arc<FakeClock>,
}

impl BillingApp {
    pub async fn new(options: PgConnectOptions) -> BillingApp {
        BillingApp::over(TestApp::with_policy(options, 6, Policy::default()).await)
    }

    pub async fn seeded(options: PgConnectOptions) -> BillingApp {
        BillingApp::over(TestApp::seeded(options, 6).await)
    }

    fn over(mut app: TestApp) -> BillingApp {
        let provider = Arc::new(FakeProvider::new());
        let clock = Arc::new(FakeClock::starting_now());
        app.state.billing = Billing::new(provider.clone(), clock.clone())
            .with_webhooks(Arc::new(StripeProvider::offline(SECRET)));
        app.router = server::startup::router(app.state.clone(), Default::default());
        BillingApp {
            app,
            provider,
            clock,
        }
    }

    pub fn billing(&self) -> &Billing {
        &self.app.state.billing
    }

    pub async fn subscription(&self, tenant: &Tenant) -> Subscription {
        marketplace::billing::subscriptions::get(&self.app.pool, tenant.id)
            .await
            .unwrap()
            .expect("every store has a subscription")
    }

    /// Moves the clock on and runs a tick.
    pub async fn tick_after(&self, by: Duration) -> marketplace::billing::tick::TickReport {
        self.clock.advance(by);
        marketplace::billing::tick::tick(&self.app.pool, self.billing(), &*self.app.state.resolver)
            .await
            .unwrap()
    }

    pub async fn change_plan(&self, tenant: &Tenant, code: &str) -> marketplace::Result<()> {
        let resolver = &*self.app.state.resolver;
        actions::change_plan(&self.app.pool, self.billing(), resolver, tenant.id, code)
            .await
            .map(drop)
    }

    /// Adds the plan `tiny`: one of everything.
    pub async fn add_tiny_plan(&self) {
        sqlx::query(
            "insert into public.plans (code, name, monthly_price, max_products, max_staff, \
             max_orders_per_month, max_domains, rank) values ('tiny', 'Tiny', 1, 1, 1, 1, 1, 0)",
        )
        .execute(&self.app.pool)
        .await
        .unwrap();
    }
}
