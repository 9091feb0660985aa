//! The one error type of the core. Web layers map its variants to status codes; the
//! variants say what went wrong in words a store owner can act on.

use std::fmt;

/// Everything the core can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; `field` names the form field it belongs to.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// A thing that must be unique already exists; `field` names the input it came
    /// from (schema, domain, username, …).
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// The thing asked for does not exist (in this store).
    #[error("{0} not found")]
    NotFound(String),
    /// A request for a host no store is served at.
    #[error("no store is served at {0}")]
    UnknownTenant(String),
    /// Not enough stock, a wrong state for the action asked, and the like.
    #[error("{0}")]
    Rejected(String),
    /// The caller is known but their role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed logins from here: try again after the delay.
    #[error("Too many failed logins. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    /// A migration recorded as applied no longer matches its file.
    #[error("{0}")]
    Migration(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &'static str, message: impl fmt::Display) -> Self {
        Error::Invalid {
            field,
            message: message.to_string(),
        }
    }

    pub fn not_found(what: impl fmt::Display) -> Self {
        Error::NotFound(what.to_string())
    }

    /// The PostgreSQL constraint a database error violated, if any.
    pub(crate) fn constraint(err: &sqlx::Error) -> Option<&str> {
        match err {
            sqlx::Error::Database(db) => db.constraint(),
            _ => None,
        }
    }

    /// Turns a unique violation on `constraint` into a friendly [`Error::Conflict`] about
    /// `field`; any other error passes through unchanged.
    pub(crate) fn on_unique(
        constraint: &'static str,
        field: &'static str,
        message: impl FnOnce() -> String,
    ) -> impl FnOnce(sqlx::Error) -> Error {
        move |err| {
            let is_unique = matches!(&err, sqlx::Error::Database(db) if db.is_unique_violation());
            if is_unique && Error::constraint(&err) == Some(constraint) {
                Error::Conflict {
                    field,
                    message: message(),
                }
            } else {
                Error::Database(err)
            }
        }
    }

    /// The field an [`Error::Invalid`] or [`Error::Conflict`] is about, for showing the
    /// message beside it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } | Error::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The message without the field prefix (for display next to the field).
    pub fn message(&self) -> String {
        match self {
            Error::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}
