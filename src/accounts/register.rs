//! The storefront's sign-up form: a customer's name, email and password, validated
//! field by field, and the account it creates.

use super::{create, NewUser, Role, User, Username};
use crate::email::Email;
use crate::password::{self, Password};
use crate::tenancy::TenantTx;
use crate::{Error, Result};

/// A person's name as a shopper gives it (registration, checkout): trimmed, 1 to 200
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub fn parse(raw: &str) -> Result<Self> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::invalid(
                "name",
                "Enter your name (up to 200 characters).",
            ));
        }
        Ok(FullName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<FullName> for String {
    fn from(name: FullName) -> Self {
        name.0
    }
}

/// A validated sign-up. A customer logs in with their email, so it is also their
/// username (lowercased).
pub struct NewCustomer {
    pub full_name: FullName,
    pub email: Email,
    pub username: Username,
    password: Password,
}

impl NewCustomer {
    /// Validates the form; the first rule broken is reported with its field (`name`,
    /// `email` or `password`).
    pub fn parse(name: &str, email: &str, password: &str) -> Result<Self> {
        let full_name = FullName::parse(name)?;
        let email = Email::parse(email)?;
        let username = Username::parse(&email.as_str().to_lowercase())
            .map_err(|_| Error::invalid("email", "That email cannot be used as a login."))?;
        let password = Password::parse(password)?;
        Ok(NewCustomer {
            full_name,
            email,
            username,
            password,
        })
    }

    /// The account to create, its password hashed: call it before opening the
    /// transaction, so no connection waits on argon2.
    pub async fn hash(self) -> NewUser {
        NewUser {
            username: self.username,
            email: self.email,
            full_name: self.full_name.into(),
            password: password::hash(self.password).await,
            role: Role::Customer,
        }
    }
}

/// Creates a customer's account from the sign-up form. The login is the email, so a
/// taken login reads as the email being taken.
pub async fn register(tx: &mut TenantTx, new: NewUser) -> Result<User> {
    create(tx, new).await.map_err(|err| match err {
        Error::Conflict { .. } => Error::invalid(
            "email",
            "An account with this email already exists here. Log in instead.",
        ),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_is_checked_in_form_order() {
        fn field(name: &str, email: &str, password: &str) -> Option<&'static str> {
            NewCustomer::parse(name, email, password)
                .err()
                .and_then(|err| err.field())
        }
        assert_eq!(field(" ", "x", ""), Some("name"));
        assert_eq!(
            field(&"n".repeat(201), "a@b.example", "long enough pw"),
            Some("name")
        );
        assert_eq!(field("Ada", "nope", ""), Some("email"));
        assert_eq!(field("Ada", "a b@c.example", ""), Some("email"));
        assert_eq!(field("Ada", "ada@example.com", "short"), Some("password"));
        let ok = NewCustomer::parse("  Ada  ", "Ada@Example.COM", "long enough pw").unwrap();
        assert_eq!(ok.full_name.as_str(), "Ada");
        assert_eq!(ok.username.as_str(), "ada@example.com");
    }
}
