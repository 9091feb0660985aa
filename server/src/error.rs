//! The JSON routes' error: a status and a plain message, rendered as
//! `{"error": "..."}`. Server errors are logged in full and shown to the client as a
//! generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use app::error::AppError;

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
    /// The status is [`AppError::status`], the one mapping every edge uses; the message
    /// is the core's own words, except for faults, which are logged and shown plainly.
    fn from(err: marketplace::Error) -> Self {
        let message = err.to_string();
        let app = AppError::from(err);
        let status = app.status();
        if status.is_server_error() {
            return ApiError::new(status, app.to_string());
        }
        ApiError::new(status, message)
    }
}
