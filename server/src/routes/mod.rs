//! The seed's JSON endpoints, kept exactly as the Django demo answered them, as plain
//! axum routes. Each resource gives its own small router; they are merged here. Every
//! path answers with and without its trailing slash.

pub mod billing;
pub mod public;
pub mod store;
pub mod theme;

use axum::Router;

use app::ssr::AppState;

/// All JSON routes, and the theme's image routes. Without `demo_endpoints` the seed's introspection endpoints
/// (`/schema-info/`, `/request-flow/`, `/db-routing/`) answer 404.
pub fn router(demo_endpoints: bool) -> Router<AppState> {
    let mut router = Router::new().merge(store::router()).merge(theme::router());
    if demo_endpoints {
        router = router.merge(public::router()).merge(store::demo_router());
    } else {
        for path in ["/schema-info", "/request-flow", "/db-routing"] {
            for path in both(path) {
                router = router.route(&path, axum::routing::any(not_found));
            }
        }
    }
    router
}

async fn not_found() -> crate::error::ApiError {
    crate::error::ApiError::not_found("Not found.")
}

/// `/x` and `/x/`, both.
fn both(path: &'static str) -> [String; 2] {
    [path.to_owned(), format!("{path}/")]
}
