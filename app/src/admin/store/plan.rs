//! The store's plan, for its staff: the plan and its state, usage against each limit
//! (bars), the periods billed, and — for superusers — change plan (the proration shown
//! before choosing), cancel at the period's end or take it back, and pay what is owed.
//! The rules live in the core ([`marketplace::billing`]); this page only asks.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::admin::{session_version, AdminShell};
use crate::error::AppError;
use crate::forms::{action_error, form_message};

/// One usage bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageBar {
    pub label: String,
    pub used: i64,
    /// `None`: unlimited.
    pub limit: Option<i64>,
}

/// A plan the store may move to, with what moving now would cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanChoice {
    pub code: String,
    pub name: String,
    pub price: String,
    pub limits: String,
    pub current: bool,
    /// "Charged 25.00 now", "Credited 16.66", "No charge now".
    pub proration: String,
}

/// An invoice row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceRow {
    pub date: String,
    pub period: String,
    pub description: String,
    pub amount: String,
    pub status: String,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub plan_name: String,
    pub state: String,
    pub storefront_open: bool,
    pub comped: bool,
    pub trial_end: Option<String>,
    pub period: String,
    pub cancel_at_period_end: bool,
    pub owes: bool,
    pub usage: Vec<UsageBar>,
    pub plans: Vec<PlanChoice>,
    pub invoices: Vec<InvoiceRow>,
    /// A superuser: may change, cancel and pay.
    pub can_manage: bool,
}

#[cfg(feature = "ssr")]
mod ssr {
    use marketplace::billing::proration::prorate;
    use marketplace::billing::{limits, plans, subscriptions, State};
    use marketplace::money::Money;
    use marketplace::tenancy::{registry, DomainStatus};

    use super::*;

    fn day(at: chrono::DateTime<chrono::Utc>) -> String {
        at.format("%Y-%m-%d").to_string()
    }

    fn limit_text(label: &str, limit: Option<i32>) -> String {
        match limit {
            Some(n) => format!("{n} {label}"),
            None => format!("unlimited {label}"),
        }
    }

    pub async fn load() -> Result<PlanView, AppError> {
        let (mut tx, me) = crate::admin::ssr::staff().await?;
        let usage = limits::usage(&mut tx).await?;
        tx.commit().await?;
        let (state, tenant) = crate::ssr::store().await?;
        let pool = &state.pool;
        let sub = subscriptions::get(pool, tenant.id)
            .await?
            .ok_or_else(|| AppError::NotFound("this store's subscription".into()))?;
        let mut conn = pool.acquire().await.map_err(marketplace::Error::from)?;
        let all = plans::list(&mut conn).await?;
        drop(conn);
        let current = all
            .iter()
            .find(|p| p.code == sub.plan_code)
            .cloned()
            .ok_or_else(|| AppError::NotFound("this store's plan".into()))?;
        let domains = registry::domains(pool, tenant.id)
            .await?
            .iter()
            .filter(|d| d.status != DomainStatus::Failed)
            .count() as i64;
        let now = state.billing.now();
        let choice = |p: &marketplace::billing::Plan| {
            let pr = prorate(
                current.monthly_price,
                p.monthly_price,
                sub.current_period_start,
                sub.current_period_end,
                now,
                sub.billable(),
            );
            let proration = if pr.net.is_zero() {
                "No charge now".to_owned()
            } else if pr.net.is_sign_negative() {
                format!("Credited {}", Money(-pr.net))
            } else {
                format!("Charged {} now", Money(pr.net))
            };
            PlanChoice {
                code: p.code.clone(),
                name: p.name.clone(),
                price: format!("{} a month", Money(p.monthly_price)),
                limits: [
                    limit_text("products", p.max_products),
                    limit_text("staff accounts", p.max_staff),
                    limit_text("orders a month", p.max_orders_per_month),
                    limit_text("domains", p.max_domains),
                    if p.custom_branding {
                        "your own logo"
                    } else {
                        "no own logo"
                    }
                    .to_owned(),
                ]
                .join(", "),
                current: p.code == current.code,
                proration,
            }
        };
        let bar = |label: &str, used: i64, limit: Option<i64>| UsageBar {
            label: label.to_owned(),
            used,
            limit,
        };
        let invoices = subscriptions::invoices(pool, tenant.id).await?;
        Ok(PlanView {
            plan_name: current.name.clone(),
            state: sub.state.as_str().to_owned(),
            storefront_open: sub.state.storefront_open(),
            comped: sub.comped,
            trial_end: sub.trial_end.map(day),
            period: format!(
                "{} – {}",
                day(sub.current_period_start),
                day(sub.current_period_end)
            ),
            cancel_at_period_end: sub.cancel_at_period_end,
            owes: matches!(
                sub.state,
                State::PastDue | State::Unpaid | State::Paused | State::Canceled
            ),
            usage: vec![
                bar("Products", usage.products.used, usage.products.limit),
                bar("Staff accounts", usage.staff.used, usage.staff.limit),
                bar(
                    "Orders this month",
                    usage.orders_this_month.used,
                    usage.orders_this_month.limit,
                ),
                bar("Domains", domains, current.max_domains.map(i64::from)),
            ],
            plans: all.iter().map(choice).collect(),
            invoices: invoices
                .into_iter()
                .map(|i| InvoiceRow {
                    date: day(i.created_at),
                    period: format!("{} – {}", day(i.period_start), day(i.period_end)),
                    description: i.description,
                    amount: Money(i.amount).to_string(),
                    status: i.status,
                })
                .collect(),
            can_manage: me.manages_users(),
        })
    }
}

#[server(endpoint = "admin/store/plan")]
pub async fn load_plan() -> Result<PlanView, AppError> {
    ssr::load().await
}

/// `op` is `change` (to `plan`), `cancel`, `keep` (take a cancellation back), `pay`, or
/// `portal` (redirects to the provider's page for the card and receipts). Superusers only.
#[server(endpoint = "admin/store/plan/change")]
pub async fn change_store_plan(op: String, plan: Option<String>) -> Result<String, AppError> {
    use marketplace::billing::actions;
    let (tx, me) = crate::admin::ssr::staff().await?;
    tx.commit().await?;
    if !me.manages_users() {
        return Err(AppError::Forbidden(
            "Only a store superuser can change the plan.".into(),
        ));
    }
    let (state, tenant) = crate::ssr::store().await?;
    let (pool, billing, hosts) = (&state.pool, &state.billing, &*state.resolver);
    let done = match op.as_str() {
        "change" => {
            let code = plan.unwrap_or_default();
            let changed = actions::change_plan(pool, billing, hosts, tenant.id, &code).await?;
            format!("The store is now on the {} plan.", changed.to)
        }
        "cancel" => {
            actions::cancel(pool, billing, hosts, tenant.id, true).await?;
            "The subscription ends at the end of this period.".to_owned()
        }
        "keep" => {
            actions::cancel(pool, billing, hosts, tenant.id, false).await?;
            "The subscription continues.".to_owned()
        }
        "pay" => {
            actions::pay(pool, billing, hosts, tenant.id).await?;
            "Paid: the store is open.".to_owned()
        }
        "portal" => {
            let link = actions::portal_link(pool, billing, hosts, tenant.id, "/admin/plan").await?;
            leptos_axum::redirect(&link);
            "Opening the payment details…".to_owned()
        }
        _ => return Err(AppError::Rejected(format!("Unknown action '{op}'."))),
    };
    Ok(done)
}

#[component]
pub fn PlanPage() -> impl IntoView {
    let change = ServerAction::<ChangeStorePlan>::new();
    let session = session_version();
    let plan = Resource::new(move || (change.version().get(), session()), |_| load_plan());
    view! { <AdminShell store=move || view! { <Plan change plan/> }/> }
}

#[component]
fn Plan(
    change: ServerAction<ChangeStorePlan>,
    plan: Resource<Result<PlanView, AppError>>,
) -> impl IntoView {
    let error = action_error(change);
    let done = move || change.value().get().and_then(|r| r.ok());
    view! {
        <Title text="Plan"/>
        <h1>"Plan"</h1>
        <div aria-live="polite">
            {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
            {move || done().map(|m| view! { <p class="notice" role="status">{m}</p> })}
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                plan.await.map(|view| view! { <PlanDetails view change/> })
            })}
        </Suspense>
    }
}

#[component]
fn PlanDetails(view: PlanView, change: ServerAction<ChangeStorePlan>) -> impl IntoView {
    let op = move |op: &'static str, label: &'static str| {
        view! {
            <ActionForm action=change attr:class="inline">
                <input type="hidden" name="op" value=op/>
                <button type="submit">{label}</button>
            </ActionForm>
        }
    };
    let manage = view.can_manage;
    let bars = view
        .usage
        .into_iter()
        .map(|bar| {
            let text = match bar.limit {
                Some(limit) => format!("{} of {limit}", bar.used),
                None => format!("{} (unlimited)", bar.used),
            };
            let max = bar.limit.unwrap_or(bar.used.max(1)).max(1);
            let (key, label) = (bar.label.clone(), bar.label.clone());
            view! {
                <tr data-usage=key>
                    <th scope="row">{bar.label}</th>
                    <td><progress value=bar.used.min(max) max=max aria-label=label></progress></td>
                    <td class="usage">{text}</td>
                </tr>
            }
        })
        .collect_view();
    let choices = view
        .plans
        .into_iter()
        .map(|p| {
            let (key, code) = (p.code.clone(), p.code.clone());
            let button = (!p.current && manage).then(|| {
                let aria = format!("Switch to {}", p.name);
                view! {
                    <ActionForm action=change attr:class="inline">
                        <input type="hidden" name="op" value="change"/>
                        <input type="hidden" name="plan" value=code/>
                        <button type="submit" aria-label=aria>"Switch"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr data-plan=key>
                    <th scope="row">{p.name}{p.current.then_some(" (current)")}</th>
                    <td>{p.price}</td>
                    <td>{p.limits}</td>
                    <td>{(!p.current).then_some(p.proration)}</td>
                    <td>{button}</td>
                </tr>
            }
        })
        .collect_view();
    let invoices = view.invoices.into_iter().map(|i| view! {
        <tr><td>{i.date}</td><td>{i.period}</td><td>{i.description}</td><td>{i.amount}</td><td>{i.status}</td></tr>
    }).collect_view();
    view! {
        <p class="plan-summary">
            "Plan: " <strong class="plan-name">{view.plan_name}</strong>
            " · state " <strong class="plan-state">{view.state.replace('_', " ")}</strong>
            {view.comped.then_some(" · comped by the platform")}
            {view.trial_end.map(|t| format!(" · trial ends {t}"))}
            {format!(" · current period {}", view.period)}
        </p>
        {(!view.storefront_open).then(|| view! {
            <p class="notice error" role="alert">"Your storefront is paused until the subscription is paid."</p>
        })}
        {view.cancel_at_period_end.then(|| view! {
            <p class="notice">"The subscription ends at the end of this period."</p>
        })}
        {(manage && view.owes).then(|| op("pay", "Pay now"))}
        {manage.then(|| op("portal", "Payment details"))}
        <h2>"Usage"</h2>
        <table class="admin-table usage"><tbody>{bars}</tbody></table>
        <h2>"Plans"</h2>
        <table class="admin-table plans">
            <thead><tr><th>"Plan"</th><th>"Price"</th><th>"Limits"</th><th>"If you switch now"</th><th></th></tr></thead>
            <tbody>{choices}</tbody>
        </table>
        {manage.then(|| if view.cancel_at_period_end {
            op("keep", "Keep subscription").into_any()
        } else {
            op("cancel", "Cancel at period end").into_any()
        })}
        <h2>"Invoices"</h2>
        <table class="admin-table invoices">
            <thead><tr><th>"Date"</th><th>"Period"</th><th>"Description"</th><th>"Amount"</th><th>"Status"</th></tr></thead>
            <tbody>{invoices}</tbody>
        </table>
    }
}
