//! Honest status codes for server functions, and every fault logged with its request id.
//!
//! Leptos answers every server-function error with 500 and the error in the body. This
//! layer reads that error back and answers with [`AppError::status`] instead — the
//! same mapping the JSON routes and pages use — so a wrong password (401), a refused
//! role (403), a bad value (422), a body too large (413) or a slow-down (429, with
//! `Retry-After`) are told apart from a real fault (500). Every response carries an
//! `x-request-id`; a 5xx is logged with it.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use app::error::AppError;

/// Server functions' error bodies are small; anything larger is not one.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub const REQUEST_ID: &str = "x-request-id";

pub async fn server_fn_errors(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let path = request.uri().path().to_owned();
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let response = next.run(request).await;
    let response = if is_server_fn && response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        remap(response).await
    } else {
        response
    };
    if response.status().is_server_error() {
        tracing::error!(
            request_id = %request_id,
            path = %path,
            status = response.status().as_u16(),
            "request failed"
        );
    }
    response
}

async fn remap(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::from("internal error"));
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
        if let Some(secs) = error.retry_after_secs() {
            parts.headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        parts
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Response::from_parts(parts, Body::from(bytes))
}
