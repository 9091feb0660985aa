//! The flow page's panels: a measured path drawn as a diagram ([`diagram`]), the replay
//! form ([`replay`]) and the side-by-side routing ([`routing`]), with the small pieces
//! they share. They only draw what the server measured; nothing here measures.

mod diagram;
mod replay;
mod routing;

pub use diagram::TraceView;
pub use replay::ReplayPanel;
pub use routing::RoutingPanel;

use leptos::prelude::*;

/// The statements a stage or a store sent, as PostgreSQL received them.
#[component]
fn SqlList(statements: Vec<String>) -> impl IntoView {
    let statements = statements
        .into_iter()
        .map(|statement| view! { <li><code>{statement}</code></li> })
        .collect_view();
    view! { <ul class="flow-sql" aria-label="SQL sent to PostgreSQL">{statements}</ul> }
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

#[cfg(test)]
mod tests {
    use super::micros;

    #[test]
    fn microseconds_are_grouped() {
        assert_eq!(micros(0), "0 µs");
        assert_eq!(micros(999), "999 µs");
        assert_eq!(micros(1_000), "1,000 µs");
        assert_eq!(micros(1_234_567), "1,234,567 µs");
    }
}
