//! The `/flow` page, on every host: this request's path through the tenant machinery
//! drawn as a diagram with its measured stages, a replay of that path for any other
//! host, and the database routing of the `/data/` call in two stores side by side.
//! The facts come from [`super::trace`], like the `/request-flow/` JSON's.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::{FlowTrace, RoutedStore, Routing, RowLabel, Stage, StoreChoice};
use crate::error::AppError;

/// What the page opens with: this request's path, the stores to choose from, and the
/// routing of the first two of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowOverview {
    pub trace: FlowTrace,
    pub stores: Vec<StoreChoice>,
    /// Whether the caller may compare stores side by side (platform staff only).
    pub can_compare: bool,
    pub routing: Option<Routing>,
}

/// Who is asking, for the flow page's rules on whose data it reads.
#[cfg(feature = "ssr")]
async fn reader(site: &crate::ssr::RequestSite) -> super::Reader {
    match site.tenant() {
        Some(tenant) => super::Reader::Store(tenant.schema_name.clone()),
        None if crate::admin::ssr::platform_staff().await.is_ok() => super::Reader::PlatformStaff,
        None => super::Reader::Anonymous,
    }
}

/// This request's path, measured, with the page's choices.
#[server(endpoint = "flow/overview")]
pub async fn load_flow() -> Result<FlowOverview, AppError> {
    use axum::extract::OriginalUri;
    let state = crate::ssr::state()?;
    let site = crate::ssr::site().await?;
    let OriginalUri(uri) = leptos_axum::extract::<OriginalUri>().await.map_err(|err| {
        tracing::error!(error = %err, "a server function without its request's URI");
        AppError::Internal
    })?;
    let trace = super::trace(&state, &site, uri.path()).await?;
    let stores = super::stores(&state, &site.port_suffix()).await?;
    let reader = reader(&site).await;
    let can_compare = reader == super::Reader::PlatformStaff;
    let routing = match stores.as_slice() {
        [first, second, ..] if can_compare => {
            Some(super::compare(&state, &reader, &first.schema, &second.schema).await?)
        }
        _ => None,
    };
    Ok(FlowOverview {
        trace,
        stores,
        can_compare,
        routing,
    })
}

/// The path a request for `host` would take. It runs here, on the server: no request goes
/// to that host, so this browser's cookies never reach another store.
#[server(endpoint = "flow/replay")]
pub async fn replay_host(host: String) -> Result<FlowTrace, AppError> {
    let state = crate::ssr::state()?;
    if !state.demo_endpoints {
        return Err(AppError::NotFound("page".into()));
    }
    let site = crate::ssr::site().await?;
    Ok(super::replay(&state, &reader(&site).await, &host).await?)
}

/// The call behind `/data/` in the stores with schemas `left` and `right`.
#[server(endpoint = "flow/routing")]
pub async fn compare_stores(left: String, right: String) -> Result<Routing, AppError> {
    let state = crate::ssr::state()?;
    let site = crate::ssr::site().await?;
    Ok(super::compare(&state, &reader(&site).await, &left, &right).await?)
}

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

/// One path: its facts, then its stages as a diagram.
#[component]
fn TraceView(trace: FlowTrace, name: &'static str) -> impl IntoView {
    let FlowTrace {
        host,
        tenant,
        schema,
        is_public,
        cache_hit,
        search_path,
        status,
        stages,
        total_us,
        ..
    } = trace;
    let tenant = tenant.unwrap_or_else(|| {
        if is_public {
            "none (platform site)"
        } else {
            "none"
        }
        .to_owned()
    });
    let schema = schema.unwrap_or_else(|| "—".to_owned());
    let search_path = match search_path {
        Some(path) => view! { <code>{path}</code> }.into_any(),
        None => view! { <span>"never set: no schema was entered"</span> }.into_any(),
    };
    let cache = match (is_public, cache_hit) {
        (true, _) => "public host (not looked up)",
        (false, true) => "hit",
        (false, false) => "miss",
    };
    let answer = format!("{status} {}", reason(status));
    let answer_class = if status == 200 { "flow-ok" } else { "flow-bad" };
    let stages = stages
        .into_iter()
        .map(|stage| view! { <StageView stage total=total_us/> })
        .collect_view();
    view! {
        <div class="flow-trace" data-trace=name data-status=status.to_string()>
            <dl class="flow-facts">
                <div><dt>"Host"</dt><dd data-fact="host"><code>{host}</code></dd></div>
                <div><dt>"Store"</dt><dd data-fact="tenant">{tenant}</dd></div>
                <div><dt>"Schema"</dt><dd data-fact="schema">{schema}</dd></div>
                <div><dt>"search_path reported by PostgreSQL"</dt><dd data-fact="search-path">{search_path}</dd></div>
                <div><dt>"Domain cache"</dt><dd data-fact="cache">{cache}</dd></div>
                <div><dt>"Answer"</dt><dd data-fact="status" class=answer_class>{answer}</dd></div>
                <div><dt>"Server time"</dt><dd data-fact="total">{micros(total_us)}</dd></div>
            </dl>
            <ol class="flow-diagram" aria-label="Stages of the request, in order">{stages}</ol>
        </div>
    }
}

#[component]
fn StageView(stage: Stage, total: u64) -> impl IntoView {
    let Stage {
        step,
        kind,
        observed,
        outcome,
        started_us,
        duration_us,
        sql,
        ..
    } = stage;
    let bar = timeline(started_us, duration_us, total);
    let sql = (!sql.is_empty()).then(|| {
        let statements = sql
            .into_iter()
            .map(|statement| view! { <li><code>{statement}</code></li> })
            .collect_view();
        view! { <ul class="flow-sql" aria-label="SQL sent to PostgreSQL">{statements}</ul> }
    });
    view! {
        <li class=format!("flow-stage is-{}", outcome.slug()) data-stage=kind.slug()>
            <span class="flow-node" aria-hidden="true">{step}</span>
            <div class="flow-card">
                <div class="flow-card-head">
                    <h3>{kind.label()}</h3>
                    {outcome.badge().map(|badge| view! { <span class="flow-badge">{badge}</span> })}
                    <p class="flow-time">
                        <span class="flow-duration">{micros(duration_us)}</span>
                        <span class="flow-offset">{format!("from +{}", micros(started_us))}</span>
                    </p>
                </div>
                <p class="flow-observed">{observed}</p>
                {sql}
                <div class="flow-bar" aria-hidden="true"><span style=bar></span></div>
            </div>
        </li>
    }
}

#[component]
fn ReplayPanel(stores: StoredValue<Vec<StoreChoice>>) -> impl IntoView {
    let replay = ServerAction::<ReplayHost>::new();
    let host = RwSignal::new(String::new());
    // The select shows the store whose host is in the text field, if any.
    let chosen = move || {
        let typed = host.get();
        if stores.with_value(|all| all.iter().any(|s| s.host == typed)) {
            typed
        } else {
            String::new()
        }
    };
    let result = replay.value();
    let pending = replay.pending();
    let error = move || match result.get() {
        Some(Err(err)) => err.to_string(),
        _ => String::new(),
    };
    let replayed = move || match result.get() {
        Some(Ok(trace)) => Some(view! { <TraceView trace name="replay"/> }),
        _ => None,
    };
    view! {
        <section class="flow-panel flow-replay" aria-labelledby="flow-replay-heading">
            <h2 id="flow-replay-heading">"Try another host"</h2>
            <p class="flow-help">
                "Runs the same steps for another host on the server — the same host parser, the "
                "shared resolver and its cache, the store’s own transaction — and draws its path. "
                "Nothing is sent to that host, so this browser’s cookies stay with this store."
            </p>
            <form
                class="flow-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    replay.dispatch(ReplayHost { host: host.get_untracked() });
                }
            >
                <div class="flow-field">
                    <label for="flow-replay-store">"Store"</label>
                    <select
                        id="flow-replay-store"
                        prop:value=chosen
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            if !value.is_empty() {
                                host.set(value);
                            }
                        }
                    >
                        <option value="">"Choose a store…"</option>
                        {stores.with_value(|all| {
                            all.iter()
                                .map(|s| {
                                    let label = format!("{} ({})", s.name, s.host);
                                    view! { <option value=s.host.clone()>{label}</option> }
                                })
                                .collect_view()
                        })}
                    </select>
                </div>
                <div class="flow-field flow-field-wide">
                    <label for="flow-replay-host">"Host"</label>
                    <input
                        id="flow-replay-host"
                        type="text"
                        name="host"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="nobody.localhost:8000"
                        aria-describedby="flow-replay-error"
                        prop:value=move || host.get()
                        on:input=move |ev| host.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" disabled=move || pending.get()>"Replay"</button>
            </form>
            <p id="flow-replay-error" class="error" role="alert">{error}</p>
            <div class="flow-replay-result" aria-live="polite" aria-busy=move || pending.get().to_string()>
                {replayed}
            </div>
        </section>
    }
}

#[component]
fn RoutingPanel(
    stores: StoredValue<Vec<StoreChoice>>,
    can_compare: bool,
    routing: Option<Routing>,
) -> impl IntoView {
    let compare = ServerAction::<CompareStores>::new();
    let (first, second) = routing
        .as_ref()
        .map(|r| (r.left.schema.clone(), r.right.schema.clone()))
        .unwrap_or_default();
    let left = RwSignal::new(first.clone());
    let right = RwSignal::new(second.clone());
    let run = move || {
        compare.dispatch(CompareStores {
            left: left.get_untracked(),
            right: right.get_untracked(),
        });
    };
    let result = compare.value();
    // The panel opens with the routing loaded with the page, until the visitor asks again.
    let shown = move || result.get().or_else(|| routing.clone().map(Ok));
    let options = move |selected: String| {
        stores.with_value(|all| {
            all.iter()
                .map(|s| {
                    let is = s.schema == selected;
                    view! { <option value=s.schema.clone() selected=is>{s.name.clone()}</option> }
                })
                .collect_view()
        })
    };
    let enough = stores.with_value(|all| all.len() >= 2);
    let controls = (enough && can_compare).then(|| {
        view! {
            <form
                class="flow-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    run();
                }
            >
                <div class="flow-field">
                    <label for="flow-routing-first">"First store"</label>
                    <select
                        id="flow-routing-first"
                        on:change=move |ev| {
                            left.set(event_target_value(&ev));
                            run();
                        }
                    >
                        {options(first.clone())}
                    </select>
                </div>
                <div class="flow-field">
                    <label for="flow-routing-second">"Second store"</label>
                    <select
                        id="flow-routing-second"
                        on:change=move |ev| {
                            right.set(event_target_value(&ev));
                            run();
                        }
                    >
                        {options(second.clone())}
                    </select>
                </div>
                <button type="submit" disabled=move || compare.pending().get()>"Compare"</button>
            </form>
            <div class="flow-routing-result" aria-live="polite">
                {move || match shown() {
                    Some(Ok(routing)) => view! { <RoutingView routing/> }.into_any(),
                    Some(Err(err)) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        }
    });
    view! {
        <section class="flow-panel flow-routing" aria-labelledby="flow-routing-heading">
            <h2 id="flow-routing-heading">"Database routing"</h2>
            <p class="flow-help">
                "The call behind " <code>"/data/"</code> " — " <code>"catalog::list"</code> " and "
                <code>"orders::list"</code> " — run in each store’s own transaction. The code and "
                "the SQL are identical; the transaction’s search_path decides whose rows come back."
            </p>
            {controls}
            {(!can_compare).then(|| view! {
                <p class="empty">
                    "Comparing stores reads their data, so it is for platform staff: log in at "
                    <a href="/admin">"the platform admin"</a>
                    " on the platform's own address, then open /flow there."
                </p>
            })}
            {(can_compare && !enough).then(|| view! { <p class="empty">"Create a second store to compare two."</p> })}
        </section>
    }
}

#[component]
fn RoutingView(routing: Routing) -> impl IntoView {
    let same = routing.same_sql();
    let Routing { left, right } = routing;
    view! {
        <p class="flow-verdict" data-same-sql=same.to_string()>
            {if same {
                "Same SQL text in both stores; different search_path, different rows."
            } else {
                "The two stores ran different SQL."
            }}
        </p>
        <div class="flow-compare">
            <RoutedView store=left side="left"/>
            <RoutedView store=right side="right"/>
        </div>
    }
}

#[component]
fn RoutedView(store: RoutedStore, side: &'static str) -> impl IntoView {
    let RoutedStore {
        name,
        schema,
        switch_sql,
        search_path,
        statements,
        products,
        orders,
        switch_us,
        query_us,
    } = store;
    // The view macro moves children before attributes: the section gets its own copies.
    let heading = format!("flow-routed-{side}");
    let (section_schema, section_heading) = (schema.clone(), heading.clone());
    let counts = format!(
        "{} · {}",
        super::count(products.len(), "product"),
        super::count(orders.len(), "order")
    );
    let statements = std::iter::once(switch_sql)
        .chain(statements)
        .map(|statement| view! { <li><code>{statement}</code></li> })
        .collect_view();
    let rows = |rows: Vec<RowLabel>| {
        rows.into_iter()
            .map(|row| view! { <tr><td>{row.id}</td><td>{row.label}</td></tr> })
            .collect_view()
    };
    view! {
        <section class="flow-store" data-side=side data-schema=section_schema aria-labelledby=section_heading>
            <h3 id=heading>{name}</h3>
            <dl class="flow-facts flow-facts-compact">
                <div><dt>"Schema"</dt><dd data-fact="schema">{schema}</dd></div>
                <div><dt>"search_path"</dt><dd data-fact="search-path"><code>{search_path}</code></dd></div>
                <div><dt>"Schema switch"</dt><dd>{micros(switch_us)}</dd></div>
                <div><dt>"Query"</dt><dd>{micros(query_us)}</dd></div>
            </dl>
            <ul class="flow-sql" aria-label="SQL sent to PostgreSQL">{statements}</ul>
            <p class="flow-counts" data-fact="counts">{counts}</p>
            <div class="flow-rows">
                <table>
                    <caption>"products"</caption>
                    <thead><tr><th scope="col">"id"</th><th scope="col">"name"</th></tr></thead>
                    <tbody>{rows(products)}</tbody>
                </table>
                <table>
                    <caption>"orders"</caption>
                    <thead><tr><th scope="col">"id"</th><th scope="col">"number"</th></tr></thead>
                    <tbody>{rows(orders)}</tbody>
                </table>
            </div>
        </section>
    }
}

/// The stage's place on the request's timeline, as CSS shares of the whole: always a
/// visible sliver, never past the end, whatever the numbers.
fn timeline(started_us: u64, duration_us: u64, total_us: u64) -> String {
    let scale = total_us.max(1) as f64;
    let start = (started_us as f64 / scale * 100.0).clamp(0.0, 99.0);
    let width = (duration_us as f64 / scale * 100.0)
        .max(0.6)
        .min(100.0 - start);
    format!("--start: {start:.2}%; --width: {width:.2}%")
}

/// "1,234 µs".
fn micros(us: u64) -> String {
    let digits = us.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped.push_str(" µs");
    grouped
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::{micros, timeline};

    #[test]
    fn timeline_bars_stay_inside_the_track() {
        assert_eq!(timeline(0, 50, 100), "--start: 0.00%; --width: 50.00%");
        assert_eq!(timeline(25, 0, 100), "--start: 25.00%; --width: 0.60%");
        // A last stage that starts at the very end, an empty request, a clock oddity.
        assert_eq!(
            timeline(9_999, 1, 10_000),
            "--start: 99.00%; --width: 0.60%"
        );
        assert_eq!(timeline(0, 0, 0), "--start: 0.00%; --width: 0.60%");
        assert_eq!(timeline(500, 900, 100), "--start: 99.00%; --width: 1.00%");
    }

    #[test]
    fn microseconds_are_grouped() {
        assert_eq!(micros(0), "0 µs");
        assert_eq!(micros(999), "999 µs");
        assert_eq!(micros(1_000), "1,000 µs");
        assert_eq!(micros(1_234_567), "1,234,567 µs");
    }
}
