//! The error server functions return. Serialisable, free of database types; the core's
//! errors are mapped into it on the server, where database details are logged and
//! replaced by a plain message.
//!
//! [`AppError::status`] is the one mapping from an error to its HTTP status: server
//! functions (through the server's status layer), the JSON routes and pages that fail
//! all answer with it.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// A form field's value was refused; shown beside that field.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// A form field's value is taken (a username, a domain); shown beside that field.
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Rejected(String),
    #[error("Please log in.")]
    Unauthorized,
    /// Logged in, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    #[error("No store is served at this address.")]
    NoStore,
    /// Too many attempts from here: try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// The database is away (restarting, overloaded): try again in a moment.
    #[error("The store is busy or briefly unavailable. Please try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the function (network, encoding).
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    /// [`AppError::Forbidden`] with the general message.
    pub fn forbidden() -> Self {
        AppError::Forbidden("You are not allowed to do that.".into())
    }

    /// The message for `field`, if this error is about it.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } | AppError::Conflict { field: f, message }
                if f == field =>
            {
                Some(message.clone())
            }
            _ => None,
        }
    }

    /// Whether the error is about one form field (shown beside it, not above the form).
    pub fn is_about_a_field(&self) -> bool {
        matches!(self, AppError::Invalid { .. } | AppError::Conflict { .. })
    }

    /// The HTTP status this error answers with, wherever it happens: only faults are
    /// 5xx, so monitoring can tell a bug from a typo.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::Invalid { .. } => S::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } | AppError::Rejected(_) => S::CONFLICT,
            AppError::NotFound(_) | AppError::NoStore => S::NOT_FOUND,
            AppError::Unauthorized => S::UNAUTHORIZED,
            AppError::Forbidden(_) => S::FORBIDDEN,
            AppError::TooManyRequests { .. } => S::TOO_MANY_REQUESTS,
            AppError::Unavailable => S::SERVICE_UNAVAILABLE,
            AppError::Internal => S::INTERNAL_SERVER_ERROR,
            AppError::Transport(message) if message.contains("length limit exceeded") => {
                S::PAYLOAD_TOO_LARGE
            }
            AppError::Transport(_) => S::BAD_REQUEST,
        }
    }

    /// How long to wait before trying again, for the `Retry-After` header.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            AppError::Unavailable => Some(2),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<marketplace::Error> for AppError {
    fn from(err: marketplace::Error) -> Self {
        use marketplace::Error as E;
        match err {
            E::Invalid { field, message } => AppError::Invalid {
                field: field.to_owned(),
                message,
            },
            // Every conflict is about one input (a taken schema, domain, username):
            // shown beside that field.
            E::Conflict { field, message } => AppError::Conflict {
                field: field.to_owned(),
                message,
            },
            E::NotFound(m) => AppError::NotFound(m),
            E::Rejected(m) => AppError::Rejected(m),
            E::Forbidden(m) => AppError::Forbidden(m),
            E::Throttled { retry_after_secs } => AppError::TooManyRequests {
                message: E::Throttled { retry_after_secs }.to_string(),
                retry_after_secs,
            },
            E::UnknownTenant(_) => AppError::NoStore,
            E::Migration(m) => {
                tracing::error!(error = %m, "migration error during a request");
                AppError::Internal
            }
            E::Database(e) if database_is_away(&e) => {
                tracing::warn!(error = %e, "the database is unavailable");
                AppError::Unavailable
            }
            E::Database(e) => {
                tracing::error!(error = %e, "database error during a request");
                AppError::Internal
            }
        }
    }
}

/// Whether a database error means "the database is not there right now" (restarting,
/// unreachable, the pool waited too long) rather than a fault of ours.
#[cfg(feature = "ssr")]
fn database_is_away(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Connection exceptions, and the server shutting down or starting up.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}
