//! The error server functions return. Serialisable, free of database types; the core's
//! errors are mapped into it on the server, where database details are logged and
//! replaced by a plain message.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// A form field's value was refused; shown beside that field.
    #[error("{message}")]
    Invalid { field: String, message: String },
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
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
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
            E::Conflict { field, message } => AppError::Invalid {
                field: field.to_owned(),
                message,
            },
            E::NotFound(m) => AppError::NotFound(m),
            E::Rejected(m) => AppError::Rejected(m),
            E::Forbidden(m) => AppError::Forbidden(m),
            err @ E::Throttled { .. } => AppError::Rejected(err.to_string()),
            E::UnknownTenant(_) => AppError::NoStore,
            E::Migration(m) => {
                tracing::error!(error = %m, "migration error during a request");
                AppError::Internal
            }
            E::Database(e) => {
                tracing::error!(error = %e, "database error during a request");
                AppError::Internal
            }
        }
    }
}
