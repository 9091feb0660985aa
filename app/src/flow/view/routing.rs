//! The database-routing panel: the call behind `/data/` run in two stores side by side,
//! with the statements each sent, the search_path PostgreSQL reported and the rows that
//! came back. Comparing reads both stores' data, so only platform staff get the form.

use leptos::prelude::*;

use super::{micros, SqlList};
use crate::flow::api::CompareStores;
use crate::flow::{count, RoutedStore, Routing, RowLabel, StoreChoice};

/// "Database routing": two store pickers and their comparison, for platform staff;
/// why there is none, for everyone else.
#[component]
pub fn RoutingPanel(
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
    // Choosing a store compares again at once.
    let pick = move |side: RwSignal<String>| {
        Callback::new(move |schema: String| {
            side.set(schema);
            run();
        })
    };
    let result = compare.value();
    // The panel opens with the routing loaded with the page, until the visitor asks again.
    let shown = move || result.get().or_else(|| routing.clone().map(Ok));
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
                <StorePicker id="flow-routing-first" label="First store" stores selected=first on_pick=pick(left)/>
                <StorePicker id="flow-routing-second" label="Second store" stores selected=second on_pick=pick(right)/>
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

/// One of the panel's two store pickers, opening on the store with schema `selected`;
/// `on_pick` gets the schema of a newly chosen store.
#[component]
fn StorePicker(
    id: &'static str,
    label: &'static str,
    stores: StoredValue<Vec<StoreChoice>>,
    selected: String,
    on_pick: Callback<String>,
) -> impl IntoView {
    let options = stores.with_value(|all| {
        all.iter()
            .map(|s| {
                let is = s.schema == selected;
                view! { <option value=s.schema.clone() selected=is>{s.name.clone()}</option> }
            })
            .collect_view()
    });
    view! {
        <div class="flow-field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| on_pick.run(event_target_value(&ev))>
                {options}
            </select>
        </div>
    }
}

/// The comparison: whether both stores ran the same SQL, then each store's side.
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

/// One store's side of the comparison: its facts, its statements, its rows.
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
        count(products.len(), "product"),
        count(orders.len(), "order")
    );
    let statements: Vec<String> = std::iter::once(switch_sql).chain(statements).collect();
    view! {
        <section class="flow-store" data-side=side data-schema=section_schema aria-labelledby=section_heading>
            <h3 id=heading>{name}</h3>
            <dl class="flow-facts flow-facts-compact">
                <div><dt>"Schema"</dt><dd data-fact="schema">{schema}</dd></div>
                <div><dt>"search_path"</dt><dd data-fact="search-path"><code>{search_path}</code></dd></div>
                <div><dt>"Schema switch"</dt><dd>{micros(switch_us)}</dd></div>
                <div><dt>"Query"</dt><dd>{micros(query_us)}</dd></div>
            </dl>
            <SqlList statements/>
            <p class="flow-counts" data-fact="counts">{counts}</p>
            <div class="flow-rows">
                <RowsTable caption="products" column="name" rows=products/>
                <RowsTable caption="orders" column="number" rows=orders/>
            </div>
        </section>
    }
}

/// One table of a store's rows: their ids and what names them (`column`).
#[component]
fn RowsTable(caption: &'static str, column: &'static str, rows: Vec<RowLabel>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| view! { <tr><td>{row.id}</td><td>{row.label}</td></tr> })
        .collect_view();
    view! {
        <table>
            <caption>{caption}</caption>
            <thead><tr><th scope="col">"id"</th><th scope="col">{column}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
