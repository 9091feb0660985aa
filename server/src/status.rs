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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tower_http::request_id::{MakeRequestId, RequestId};

/// Server functions' error bodies are small; anything larger is not one.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub const REQUEST_ID: &str = "x-request-id";

/// Request ids shaped like UUIDs: a random half drawn once at start-up, then a counter.
/// Unique within the process, and across restarts and servers with overwhelming
/// probability; unlike a random UUID per request (`MakeRequestUuid`), no call to the
/// system's random source on every request. Ids name requests in logs; they are not
/// secrets.
#[derive(Clone)]
pub struct RequestIds {
    prefix: u64,
    next: Arc<AtomicU64>,
}

impl RequestIds {
    pub fn new() -> Self {
        RequestIds {
            prefix: rand::random(),
            next: Arc::new(AtomicU64::new(0)),
        }
    }

    fn next_id(&self) -> String {
        let (p, n) = (self.prefix, self.next.fetch_add(1, Ordering::Relaxed));
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            p >> 32,
            (p >> 16) & 0xffff,
            p & 0xffff,
            n >> 48,
            n & 0xffff_ffff_ffff
        )
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&self.next_id())
            .ok()
            .map(RequestId::new)
    }
}

pub async fn server_fn_errors(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    // Kept for the log line of a failure: cheap clones of shared bytes.
    let uri = request.uri().clone();
    let request_id = request.headers().get(REQUEST_ID).cloned();
    let response = next.run(request).await;
    let response = if is_server_fn && response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        remap(response).await
    } else {
        response
    };
    if response.status().is_server_error() {
        tracing::error!(
            request_id = request_id
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-"),
            path = uri.path(),
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

#[cfg(test)]
mod tests {
    use super::RequestIds;

    #[test]
    fn request_ids_are_distinct_and_uuid_shaped() {
        let ids = RequestIds::new();
        let (first, second) = (ids.next_id(), ids.next_id());
        assert_ne!(first, second);
        for id in [&first, &second] {
            let groups: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
            assert!(
                id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
                "{id}"
            );
        }
        // Another server (or a restart) draws another random half.
        assert_ne!(RequestIds::new().next_id(), RequestIds::new().next_id());
    }
}
