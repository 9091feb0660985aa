//! The replay panel: a host typed (or a store chosen) on the page, followed through the
//! tenant machinery on the server, and drawn like this request's own path. Nothing is
//! sent to that host, so this browser's cookies stay with this store.

use leptos::prelude::*;

use super::TraceView;
use crate::flow::api::ReplayHost;
use crate::flow::StoreChoice;
use crate::ui::typed_before_hydration;

/// "Try another host": the form, and the replayed path once it is back.
#[component]
pub fn ReplayPanel(stores: StoredValue<Vec<StoreChoice>>) -> impl IntoView {
    let replay = ServerAction::<ReplayHost>::new();
    let host = RwSignal::new(typed_before_hydration("flow-replay-host"));
    // The select shows the store whose host is in the text field, if any.
    let chosen = move || {
        let typed = host.get();
        if stores.with_value(|all| all.iter().any(|s| s.host == typed)) {
            typed
        } else {
            String::new()
        }
    };
    // Set once the panel has hydrated (this page is loaded lazily, after the main
    // bundle): `data-interactive` on the form says when the button runs in place.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
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
                data-interactive=move || interactive.get().to_string()
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
