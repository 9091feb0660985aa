//! The `/flow` page, on every host: this request's path through the tenant machinery
//! drawn as a diagram with its measured stages, a replay of that path for any other
//! host, and the database routing of the `/data/` call in two stores side by side.
//! The facts come from the page's server functions ([`super::api`]), like the
//! `/request-flow/` JSON's; the panels are drawn in `flow/view/`.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{load_flow, FlowOverview};
use super::view::{ReplayPanel, RoutingPanel, TraceView};

/// `/flow`.
#[component]
pub fn FlowPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_flow());
    view! {
        <Title text="Request flow"/>
        <main class="flow-main">
            <Suspense fallback=|| view! { <p class="loading">"Measuring this request…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => view! { <Flow overview/> }.into_any(),
                        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// The page once measured: an introduction, this request's path, then the panels.
#[component]
fn Flow(overview: FlowOverview) -> impl IntoView {
    let FlowOverview {
        trace,
        stores,
        can_compare,
        routing,
    } = overview;
    let where_ = match &trace.tenant {
        Some(name) => format!("{name}’s schema"),
        None => "the public schema".to_owned(),
    };
    let host = trace.host.clone();
    let stores = StoredValue::new(stores);
    view! {
        <article class="flow-page">
            <header class="flow-intro">
                <p class="flow-eyebrow">"Tenant routing, measured live"</p>
                <h1>"Request flow"</h1>
                <p class="flow-lede">
                    "How this request for " <code>{host}</code> " found " {where_}
                    ": every stage as it ran, timed in microseconds, with the SQL it sent."
                </p>
            </header>
            <section class="flow-panel" aria-labelledby="flow-current-heading">
                <h2 id="flow-current-heading">"This request"</h2>
                <TraceView trace name="current"/>
            </section>
            <ReplayPanel stores/>
            <RoutingPanel stores can_compare routing/>
            <p class="flow-json">
                "The same facts as JSON: " <a href="/request-flow/">"/request-flow/"</a> " and "
                <a href="/db-routing/">"/db-routing/"</a> " (on a store’s host)."
            </p>
        </article>
    }
}
