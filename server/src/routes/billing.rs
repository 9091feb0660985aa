//! `POST /billing/webhooks/stripe` on the platform's own host: the payment provider's
//! webhook. The `Stripe-Signature` header is checked against the raw body (400 when it
//! does not match or is stale), then the event is applied once
//! ([`marketplace::billing::webhooks`]): a duplicate or an out-of-order event is
//! answered 200 too, so the provider stops retrying it.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::Serialize;

use app::ssr::{AppState, RequestSite};
use marketplace::billing::webhooks::{self, Received};
use marketplace::tenancy::Site;

use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/billing/webhooks/stripe", post(stripe))
}

#[derive(Serialize)]
struct Answer {
    received: &'static str,
}

async fn stripe(
    State(state): State<AppState>,
    Extension(site): Extension<RequestSite>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Answer>, ApiError> {
    let not_here = || ApiError::not_found("Not found.");
    if !matches!(site.site, Site::Public) {
        return Err(not_here());
    }
    let provider = state.billing.webhooks.clone().ok_or_else(not_here)?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "No Stripe-Signature header."))?;
    let event = provider
        .verify_webhook(signature, &body, state.billing.now())
        .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, err.message()))?;
    let received =
        webhooks::receive(&state.pool, &*state.resolver, provider.name(), &event).await?;
    Ok(Json(Answer {
        received: match received {
            Received::Applied => "applied",
            Received::Duplicate => "duplicate",
            Received::Stale => "stale",
            Received::Ignored => "ignored",
        },
    }))
}
