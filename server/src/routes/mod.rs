//! The seed's JSON endpoints, kept exactly as the Django demo answered them, as plain
//! axum routes. Each resource gives its own small router; they are merged here. Every
//! path answers with and without its trailing slash.

pub mod public;
pub mod store;

use axum::Router;

use app::ssr::AppState;

/// All JSON routes.
pub fn router() -> Router<AppState> {
    Router::new().merge(public::router()).merge(store::router())
}

/// `/x` and `/x/`, both.
fn both(path: &'static str) -> [String; 2] {
    [path.to_owned(), format!("{path}/")]
}
