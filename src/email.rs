//! Email addresses as validated values.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A syntactically plausible email address, trimmed, with its domain lowercased.
/// It is not proof that the mailbox exists; it keeps obvious typos and junk out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let invalid = |why: &str| Error::invalid("email", why);
        if raw.is_empty() {
            return Err(invalid("Enter an email address."));
        }
        if raw.len() > 254 {
            return Err(invalid("An email address is at most 254 characters."));
        }
        let Some((local, domain)) = raw.rsplit_once('@') else {
            return Err(invalid("An email address needs an @."));
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '@' && c != '"');
        let domain_ok = !domain.is_empty()
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(invalid("That is not a valid email address."));
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(
            Email::parse(" Admin@TechStore.Local ").unwrap().as_str(),
            "Admin@techstore.local"
        );
        assert!(Email::parse("a.b+tag@example.com").is_ok());
    }

    #[test]
    fn refuses_junk() {
        for bad in [
            "",
            "plain",
            "@x.com",
            "a@",
            "a@-x.com",
            "a b@x.com",
            "a@x..com",
            "a@x_y.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Email::parse(&format!("{}@x.com", "a".repeat(65))).is_err());
    }
}
