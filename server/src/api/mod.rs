//! The stores' REST API, `/api/v1/…` on every store's host: products, orders,
//! customers and settings for the tools store owners integrate (accounting,
//! fulfilment, marketing), with per-store API keys.
//!
//! Every route but the spec runs behind two middlewares: [`auth::authenticate`] (the
//! key, looked up in the requesting store's schema only; the key's rate limit) and
//! [`idempotency::guard`] (`Idempotency-Key` on POST). Handlers are thin adapters over
//! the core, like the seed's JSON routes, and answer errors as [`Problem`]s.
//!
//! The OpenAPI 3 document is generated from the handlers' annotations (utoipa), served
//! at `/api/v1/openapi.json`, and committed as `openapi/v1.json`; a test keeps the two
//! equal, so an API change shows in review as a diff of that file.

pub mod auth;
mod customers;
mod doc;
pub mod idempotency;
mod listing;
mod orders;
pub mod problem;
mod products;
pub mod rate;

use std::sync::{Arc, LazyLock};

use axum::http::header;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::{Extension, Router};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::ssr::AppState;

pub use doc::IdempotencyKey;
pub use problem::Problem;
pub use rate::{RateLimiter, RateRules};

/// The API's routes, with their OpenAPI descriptions.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .routes(routes!(products::list, products::create))
        .routes(routes!(
            products::get,
            products::update,
            products::deactivate
        ))
        .routes(routes!(products::adjust_stock))
        .routes(routes!(orders::list))
        .routes(routes!(orders::get))
        .routes(routes!(orders::change_status))
        .routes(routes!(orders::cancel))
        .routes(routes!(customers::list))
        .routes(routes!(customers::get))
        .routes(routes!(customers::settings))
}

/// The OpenAPI document, as served and as committed (`openapi/v1.json`): pretty JSON
/// with a final newline.
pub fn spec() -> String {
    let (_, mut openapi) = routes().split_for_parts();
    doc::finish(&mut openapi);
    let mut json = openapi
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

static SPEC: LazyLock<String> = LazyLock::new(spec);

/// The API router for [`crate::startup::router`]: `state` is the application's (the
/// middlewares need it before the router is given it), `rates` the size of every key's
/// rate limit.
pub fn router(state: &AppState, rates: RateRules) -> Router<AppState> {
    let (api, _) = routes().split_for_parts();
    let limiter = Arc::new(RateLimiter::new(rates));
    let api = api
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(Extension(limiter));
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1", any(not_found))
        .route("/api/v1/{*rest}", any(not_found))
        .merge(api)
}

async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], SPEC.as_str())
}

async fn not_found() -> Problem {
    Problem::not_found("There is no such API endpoint.")
}
