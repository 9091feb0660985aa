//! `Idempotency-Key` on POST: the first request with a key runs and its answer is kept
//! for 24 hours; a retry with the same key and the same request gets that answer again
//! (marked `Idempotent-Replayed: true`), one with a different request is refused (422),
//! and one that arrives while the first is still running is told to wait (409). An
//! answer with a 5xx status is not kept, so a retry runs afresh. The records live in the
//! store's schema ([`marketplace::api::idempotency`]).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use app::ssr::AppState;
use marketplace::api::idempotency::{self, Claim, StoredResponse};

use super::auth::Caller;
use super::problem::Problem;

pub const HEADER: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";

/// The headers of an answer worth replaying with it.
const KEPT: [HeaderName; 2] = [header::CONTENT_TYPE, header::LOCATION];

fn field_problem(status: StatusCode, slug: &str, detail: &str) -> Response {
    Problem::new(status, slug, detail)
        .with_field("Idempotency-Key")
        .into_response()
}

/// The middleware (inside [`super::auth::authenticate`], which it needs the caller of).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let key = match request.headers().get(HEADER) {
        Some(key) if request.method() == Method::POST => key,
        _ => return next.run(request).await,
    };
    let key = match key.to_str() {
        Ok(key) if (1..=255).contains(&key.len()) => key.to_owned(),
        _ => {
            return field_problem(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "An Idempotency-Key is 1 to 255 visible ASCII characters.",
            )
        }
    };
    let Some(caller) = request.extensions().get::<Caller>().cloned() else {
        return Problem::unauthorized("Send an API key.").into_response();
    };
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The body is too large.",
            )
            .into_response()
        }
    };
    let mut digest = Sha256::new();
    digest.update(parts.method.as_str());
    digest.update(b"\n");
    digest.update(parts.uri.path_and_query().map_or("", |p| p.as_str()));
    digest.update(b"\n");
    digest.update(&bytes);
    let fingerprint = digest.finalize();

    let claim = async {
        let mut tx = caller.write(&state).await?;
        let claim = idempotency::claim(&mut tx, caller.key.id, &key, &fingerprint).await?;
        tx.commit().await?;
        Ok::<_, Problem>(claim)
    };
    match claim.await {
        Err(problem) => problem.into_response(),
        Ok(Claim::Mismatch) => field_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "This Idempotency-Key was used for a different request.",
        ),
        Ok(Claim::InFlight) => field_problem(
            StatusCode::CONFLICT,
            "idempotency-key-in-use",
            "A request with this Idempotency-Key is still running; retry when it is done.",
        ),
        Ok(Claim::Replay(stored)) => replay(stored),
        Ok(Claim::First) => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            settle(&state, &caller, &key, response).await
        }
    }
}

/// Keeps the first answer (or gives the key up after a fault) and sends it on.
async fn settle(state: &AppState, caller: &Caller, key: &str, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(err) => {
            tracing::warn!(error = %err, "reading an API answer failed");
            axum::body::Bytes::new()
        }
    };
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        headers: KEPT
            .iter()
            .filter_map(|name| {
                let value = parts.headers.get(name)?.to_str().ok()?;
                Some((name.as_str().to_owned(), value.to_owned()))
            })
            .collect(),
        body: body.to_vec(),
    };
    let saved = async {
        let mut tx = caller.write(state).await?;
        if parts.status.is_server_error() {
            idempotency::release(&mut tx, caller.key.id, key).await?;
        } else {
            idempotency::answer(&mut tx, caller.key.id, key, &stored).await?;
        }
        tx.commit().await?;
        Ok::<_, Problem>(())
    };
    if let Err(err) = saved.await {
        tracing::warn!(error = %err.detail, "keeping an idempotent answer failed");
    }
    Response::from_parts(parts, Body::from(body))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
