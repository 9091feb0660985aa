//! The REST API's errors: RFC 9457 problem details (`application/problem+json`), each
//! with a stable `type`, the status repeated, a sentence for people, and — when one
//! input is to blame — the `field` it is about, so a client can point at it.
//!
//! Also the API's body and query readers, whose refusals are problems too (axum's own
//! answer in plain text).

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

use app::error::AppError;

/// A problem as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// Identifies the kind of problem, e.g. `urn:marketplace:problem:invalid`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for people.
    pub detail: String,
    /// The input the problem is about: a body field, a query parameter or a header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds until a refused request may be tried again (also in `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

pub const CONTENT_TYPE: &str = "application/problem+json";

impl Problem {
    /// A problem of kind `slug` (its `type` is `urn:marketplace:problem:<slug>`).
    pub fn new(status: StatusCode, slug: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("urn:marketplace:problem:{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400: the request is malformed (a query parameter or header that cannot be read).
    pub fn bad_request(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "bad-request", detail).with_field(field)
    }

    /// 422: a value that breaks a rule.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail).with_field(field)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    /// 401, with the `WWW-Authenticate` challenge added when rendered.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api\""),
            );
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<marketplace::Error> for Problem {
    /// The status is [`AppError::status`], the mapping every edge shares; faults are
    /// logged and shown plainly.
    fn from(err: marketplace::Error) -> Self {
        let field = err.field();
        let detail = err.message();
        let app = AppError::from(err);
        let status = app.status();
        if status.is_server_error() {
            return Problem::new(status, "internal", app.to_string());
        }
        let slug = match status {
            StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            StatusCode::CONFLICT => "conflict",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::FORBIDDEN => "forbidden",
            _ => "refused",
        };
        let problem = Problem::new(status, slug, detail);
        match field {
            Some(field) => problem.with_field(field),
            None => problem,
        }
    }
}

/// A JSON body, read into `T`; anything else is a problem naming the field at fault.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Send the body as application/json.",
            )
            .with_field("Content-Type"));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|err| Problem::new(err.status(), "bad-request", err.body_text()))?;
        let mut reader = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut reader)
            .map(Body)
            .map_err(|err| {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if inner.is_data() {
                    let field = if path == "." { "body".to_owned() } else { path };
                    Problem::invalid(field, inner.to_string())
                } else {
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        "bad-request",
                        format!("The body is not valid JSON: {inner}"),
                    )
                    .with_field("body")
                }
            })
    }
}

/// The query string, read into `T` (whose fields should be optional strings, parsed by
/// the handler so that a bad value is refused with its own field).
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or("");
        let reader = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(reader)
            .map(Params)
            .map_err(|err| {
                let path = err.path().to_string();
                Problem::bad_request(
                    if path == "." {
                        "query".to_owned()
                    } else {
                        path
                    },
                    err.into_inner().to_string(),
                )
            })
    }
}

/// One path parameter (`{id}`, `{number}`), read into `T`; a value that is not one
/// is a 400 about `name`.
pub struct PathParam<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S>
    for PathParam<T>
{
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Problem> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| PathParam(value))
            .map_err(|err| Problem::bad_request("path", err.body_text()))
    }
}
