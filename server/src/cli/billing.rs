//! `billing tick | comp | extend-trial | list`: billing from the terminal, with the fake
//! payment provider on the real clock (the provider `serve` uses too, until a real one
//! is plugged in: see the README's *Plans and billing*).

use chrono::{Duration, Utc};
use marketplace::billing::{actions, plans, subscriptions, tick, Billing};
use marketplace::money::Money;
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::{registry, SchemaName};
use sqlx::PgPool;

use super::args::BillingCommand;
use super::CliError;

pub(super) async fn billing(
    pool: &PgPool,
    public_hosts: &PublicHosts,
    command: BillingCommand,
) -> Result<(), CliError> {
    let billing = Billing::fake();
    let store = |schema: String| async move {
        let schema = SchemaName::parse(&schema)?;
        registry::get_by_schema(pool, &schema).await
    };
    match command {
        BillingCommand::Tick => {
            let report = tick::tick(pool, &billing, public_hosts).await?;
            println!(
                "billing tick: {} periods ended, {} grace periods over, {} stores' limits written, {} failed",
                report.periods_ended, report.grace_expired, report.limits_synced, report.failed
            );
        }
        BillingCommand::Comp { schema, plan } => {
            let tenant = store(schema).await?;
            let sub = actions::comp(pool, &billing, public_hosts, tenant.id, &plan).await?;
            println!(
                "{} is on {} (comped), {}",
                tenant.schema_name,
                sub.plan_code,
                sub.state.as_str()
            );
        }
        BillingCommand::ExtendTrial { schema, days } => {
            let tenant = store(schema).await?;
            let until = Utc::now() + Duration::days(days.into());
            let sub = actions::extend_trial(pool, &billing, public_hosts, tenant.id, until).await?;
            println!(
                "{}'s trial ends {}",
                tenant.schema_name,
                sub.current_period_end.format("%Y-%m-%d %H:%M UTC")
            );
        }
        BillingCommand::List => {
            let mut conn = pool.acquire().await.map_err(marketplace::Error::from)?;
            for plan in plans::list(&mut conn).await? {
                let limit = |l: Option<i32>| l.map_or("unlimited".to_owned(), |n| n.to_string());
                println!(
                    "plan {:<8} {:>10}/month  products {}, staff {}, orders/month {}, domains {}, own logo {}",
                    plan.code,
                    Money(plan.monthly_price).to_string(),
                    limit(plan.max_products),
                    limit(plan.max_staff),
                    limit(plan.max_orders_per_month),
                    limit(plan.max_domains),
                    if plan.custom_branding { "yes" } else { "no" }
                );
            }
            for row in subscriptions::list(pool, None, 10_000).await? {
                println!(
                    "{:<24} {:<8} {:<9}{} until {}",
                    row.schema_name,
                    row.plan_name,
                    row.state.as_str(),
                    if row.comped { " (comped)" } else { "" },
                    row.current_period_end.format("%Y-%m-%d")
                );
            }
            println!("MRR {}", Money(subscriptions::mrr(pool).await?));
        }
    }
    Ok(())
}
