//! The JSON routes' error: a status and a plain message, rendered as
//! `{"error": "..."}`. Server errors are logged in full and shown to the client as a
//! generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(Body {
                error: &self.message,
            }),
        )
            .into_response()
    }
}

impl From<marketplace::Error> for ApiError {
    fn from(err: marketplace::Error) -> Self {
        use marketplace::Error as E;
        let status = match &err {
            E::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            E::Conflict { .. } | E::Rejected(_) => StatusCode::CONFLICT,
            E::NotFound(_) | E::UnknownTenant(_) => StatusCode::NOT_FOUND,
            E::Forbidden(_) => StatusCode::FORBIDDEN,
            E::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            E::Migration(_) | E::Database(_) => {
                tracing::error!(error = %err, "request failed");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again.",
                );
            }
        };
        ApiError::new(status, err.to_string())
    }
}
