//! The platform admin's subscriptions (`/admin/billing`): every store's plan and state,
//! filtered by state, with the monthly recurring revenue and the count in each state;
//! platform staff's overrides — comp a plan, extend a trial — on each row.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::admin::AdminShell;
use crate::error::AppError;
use crate::forms::{action_error, form_message};

/// A row of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionRow {
    pub store: String,
    pub schema: String,
    pub plan: String,
    pub price: String,
    pub state: String,
    pub comped: bool,
    pub cancelling: bool,
    pub period_end: String,
}

/// The page's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionsView {
    pub mrr: String,
    /// Each state with its count.
    pub counts: Vec<(String, i64)>,
    pub rows: Vec<SubscriptionRow>,
    pub plans: Vec<(String, String)>,
}

/// The subscriptions in `state` (all when empty), at most 500.
#[server(endpoint = "admin/platform/billing")]
pub async fn list_subscriptions(state: Option<String>) -> Result<SubscriptionsView, AppError> {
    use marketplace::billing::{plans, subscriptions, State};
    use marketplace::money::Money;
    let (app, _) = crate::admin::ssr::platform_staff().await?;
    let filter = match state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(State::parse(s)?),
        None => None,
    };
    let pool = &app.pool;
    let rows = subscriptions::list(pool, filter, 500).await?;
    let mut conn = pool.acquire().await.map_err(marketplace::Error::from)?;
    let plans = plans::list(&mut conn).await?;
    Ok(SubscriptionsView {
        mrr: Money(subscriptions::mrr(pool).await?).to_string(),
        counts: subscriptions::counts(pool)
            .await?
            .into_iter()
            .map(|(s, n)| (s.as_str().to_owned(), n))
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| SubscriptionRow {
                store: r.store_name,
                schema: r.schema_name,
                plan: r.plan_name,
                price: Money(r.monthly_price).to_string(),
                state: r.state.as_str().to_owned(),
                comped: r.comped,
                cancelling: r.cancel_at_period_end,
                period_end: r.current_period_end.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        plans: plans.into_iter().map(|p| (p.code, p.name)).collect(),
    })
}

/// `op` is `comp` (to `plan`) or `extend` (the trial by `days` from now).
#[server(endpoint = "admin/platform/billing/override")]
pub async fn override_subscription(
    schema: String,
    op: String,
    plan: Option<String>,
    days: Option<String>,
) -> Result<(), AppError> {
    use marketplace::billing::actions;
    use marketplace::tenancy::{registry, SchemaName};
    let (app, _) = crate::admin::ssr::platform_staff().await?;
    let tenant = registry::get_by_schema(&app.pool, &SchemaName::parse(&schema)?).await?;
    let (pool, billing, hosts) = (&app.pool, &app.billing, &*app.resolver);
    match op.as_str() {
        "comp" => {
            let plan = plan.unwrap_or_default();
            actions::comp(pool, billing, hosts, tenant.id, &plan).await?;
        }
        "extend" => {
            let days: i64 = days
                .as_deref()
                .unwrap_or("")
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| AppError::Invalid {
                    field: "days".into(),
                    message: "Give 1 to 365 days.".into(),
                })?;
            let until = billing.now() + chrono::Duration::days(days);
            actions::extend_trial(pool, billing, hosts, tenant.id, until).await?;
        }
        _ => return Err(AppError::Rejected(format!("Unknown action '{op}'."))),
    }
    Ok(())
}

#[component]
pub fn SubscriptionsPage() -> impl IntoView {
    let change = ServerAction::<OverrideSubscription>::new();
    let query = use_query_map();
    let state = move || query.read().get("state").filter(|s| !s.is_empty());
    let list = Resource::new(
        move || (change.version().get(), state()),
        |(_, state)| list_subscriptions(state),
    );
    view! { <AdminShell platform=move || view! { <Subscriptions change list state=Signal::derive(state)/> }/> }
}

#[component]
fn Subscriptions(
    change: ServerAction<OverrideSubscription>,
    list: Resource<Result<SubscriptionsView, AppError>>,
    state: Signal<Option<String>>,
) -> impl IntoView {
    let error = action_error(change);
    let states = [
        "trialing", "active", "past_due", "canceled", "unpaid", "paused",
    ];
    let options = move || {
        let current = state.get().unwrap_or_default();
        states
            .iter()
            .map(|s| view! { <option value=*s selected=current == *s>{s.replace('_', " ")}</option> })
            .collect_view()
    };
    view! {
        <Title text="Billing"/>
        <h1>"Billing"</h1>
        <form method="get" action="/admin/billing" class="filter-form">
            <label>"State "
                <select name="state">
                    <option value="">"all"</option>
                    {options}
                </select>
            </label>
            <button type="submit" class="secondary">"Filter"</button>
        </form>
        <div aria-live="polite">
            {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                list.await.map(|view| view! { <SubscriptionTable view change/> })
            })}
        </Suspense>
    }
}

#[component]
fn SubscriptionTable(
    view: SubscriptionsView,
    change: ServerAction<OverrideSubscription>,
) -> impl IntoView {
    let counts = view
        .counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ");
    let plans = view.plans.clone();
    let rows = view.rows.into_iter().map(|r| {
        let options = plans
            .iter()
            .map(|(code, name)| view! { <option value=code.clone()>{name.clone()}</option> })
            .collect_view();
        let schema = r.schema;
        let (row_key, shown, comp_schema) = (schema.clone(), schema.clone(), schema.clone());
        let (comp_label, days_label) = (
            format!("Plan to comp for {schema}"),
            format!("Trial days for {schema}"),
        );
        view! {
            <tr data-schema=row_key>
                <th scope="row">{r.store}</th>
                <td><code>{shown}</code></td>
                <td>{r.plan}{r.comped.then_some(" (comped)")}</td>
                <td class="num">{r.price}</td>
                <td class="status" data-state=r.state.clone()>{r.state.replace('_', " ")}{r.cancelling.then_some(", ends at period end")}</td>
                <td>{r.period_end}</td>
                <td>
                    <ActionForm action=change attr:class="inline">
                        <input type="hidden" name="schema" value=comp_schema/>
                        <input type="hidden" name="op" value="comp"/>
                        <select name="plan" aria-label=comp_label>{options}</select>
                        <button type="submit" class="secondary">"Comp"</button>
                    </ActionForm>
                    <ActionForm action=change attr:class="inline">
                        <input type="hidden" name="schema" value=schema/>
                        <input type="hidden" name="op" value="extend"/>
                        <input type="number" name="days" min="1" max="365" value="14" aria-label=days_label/>
                        <button type="submit" class="secondary">"Extend trial"</button>
                    </ActionForm>
                </td>
            </tr>
        }
    }).collect_view();
    view! {
        <p class="billing-summary">"MRR " <strong class="mrr">{view.mrr}</strong> " · " {counts}</p>
        <table class="admin-table subscriptions">
            <thead><tr>
                <th scope="col">"Store"</th><th scope="col">"Schema"</th><th scope="col">"Plan"</th>
                <th scope="col" class="num">"Price"</th><th scope="col">"State"</th><th scope="col">"Period ends"</th><th scope="col"></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
