//! One measured path: its facts (host, store, schema, search_path, cache, answer, time),
//! then its stages as a diagram, each with its duration, its place on the request's
//! timeline and the SQL it sent.

use leptos::prelude::*;

use super::{micros, SqlList};
use crate::flow::{status_line, FlowTrace, Stage};

/// One path: its facts, then its stages as a diagram. `name` tells the page's paths
/// apart in markup (`current`, `replay`).
#[component]
pub fn TraceView(trace: FlowTrace, name: &'static str) -> impl IntoView {
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
    let answer = status_line(status);
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

/// One stage on the diagram; `total` is the whole request's time, for its timeline bar.
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
    let sql = (!sql.is_empty()).then(|| view! { <SqlList statements=sql/> });
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

#[cfg(test)]
mod tests {
    use super::timeline;

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
}
