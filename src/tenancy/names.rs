//! Validated names: [`SchemaName`] and [`Hostname`].
//!
//! A schema name is the one piece of user input that becomes an SQL identifier, so it
//! is a newtype with a private field, built only by [`SchemaName::parse`] or from a row
//! of `public.tenants` (which carries the same CHECK constraint). Rendering it into SQL
//! happens in [`SchemaName::quoted`], used by the tenancy module alone.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// PostgreSQL's identifier limit (NAMEDATALEN - 1).
const MAX_IDENTIFIER_BYTES: usize = 63;

/// The name of a tenant's PostgreSQL schema: a lowercase identifier of ASCII letters,
/// digits and underscores, starting with a letter or underscore, at most 63 bytes, and
/// none of the names PostgreSQL or the platform reserve (`public`, `pg_*`,
/// `information_schema`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SchemaName(String);

impl SchemaName {
    pub fn parse(raw: &str) -> Result<Self> {
        let invalid = |why: String| Error::invalid("schema", why);
        if raw.is_empty() {
            return Err(invalid("A schema name cannot be empty.".into()));
        }
        if raw.len() > MAX_IDENTIFIER_BYTES {
            return Err(invalid(format!(
                "A schema name is at most {MAX_IDENTIFIER_BYTES} characters; '{raw}' has {}.",
                raw.len()
            )));
        }
        let mut chars = raw.chars();
        let first = chars.next().expect("checked non-empty");
        let well_formed = (first.is_ascii_lowercase() || first == '_')
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(invalid(format!(
                "'{}' is not a valid schema name: use lowercase letters, digits and underscores, \
                 starting with a letter.",
                raw.escape_debug()
            )));
        }
        if raw == "public" || raw == "information_schema" || raw.starts_with("pg_") {
            return Err(invalid(format!(
                "'{raw}' is reserved by PostgreSQL and cannot be a store's schema."
            )));
        }
        Ok(SchemaName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as a quoted SQL identifier. Safe by construction (the alphabet has no
    /// quote), quoted anyway so that a future keyword can never change the statement.
    pub(crate) fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }

    /// The search path a store's request runs with: its own schema, then `public`
    /// (the order django-tenants uses; `public` holds no table a store also has).
    pub(crate) fn request_search_path(&self) -> String {
        format!("{}, public", self.quoted())
    }

    /// A short uppercase prefix for order numbers: `techstore` → `TECH`.
    pub fn order_prefix(&self) -> String {
        let letters: String = self
            .0
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(4)
            .collect();
        if letters.is_empty() {
            "ORD".to_owned()
        } else {
            letters.to_ascii_uppercase()
        }
    }
}

impl TryFrom<String> for SchemaName {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        SchemaName::parse(&value)
    }
}

impl From<SchemaName> for String {
    fn from(value: SchemaName) -> Self {
        value.0
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// A host name as stored in `public.domains` and looked up for a request: lowercase,
/// no port, no trailing dot, DNS label rules (1–63 of `a-z 0-9 -`, not starting or ending
/// with `-`, at most 253 characters in all).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname(String);

impl Hostname {
    /// Validates a domain given by a person (CLI, admin form). Case and one trailing dot
    /// are forgiven; a port, a scheme or a path are not.
    pub fn parse(raw: &str) -> Result<Self> {
        let invalid = |why: String| Error::invalid("domain", why);
        let trimmed = raw.trim();
        let name = trimmed.strip_suffix('.').unwrap_or(trimmed);
        // An internationalised name (`bücher.example`) is stored and looked up in its
        // ASCII form (`xn--bcher-kva.example`), as DNS and the `Host` header carry it.
        let name = if name.is_ascii() {
            name.to_ascii_lowercase()
        } else {
            idna::domain_to_ascii(name)
                .map_err(|_| invalid(format!("'{}' is not a valid domain.", raw.escape_debug())))?
        };
        if name.is_empty() {
            return Err(invalid("A domain cannot be empty.".into()));
        }
        if name.contains(':') || name.contains('/') {
            return Err(invalid(format!(
                "'{}' is not a domain: give the host name only, without scheme, port or path \
                 (for example shop.localhost).",
                raw.escape_debug()
            )));
        }
        if name.len() > 253 {
            return Err(invalid("A domain is at most 253 characters.".into()));
        }
        for label in name.split('.') {
            let ok = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(invalid(format!(
                    "'{}' is not a valid domain: each dot-separated part uses letters, digits \
                     and hyphens, 1 to 63 of them.",
                    raw.escape_debug()
                )));
            }
        }
        Ok(Hostname(name))
    }

    /// Reads the host part of an HTTP `Host` header value: the port is stripped, case
    /// folded, a trailing dot ignored. `None` when what is left is not a valid host name
    /// (such a request can never belong to a store).
    pub fn from_host_header(value: &str) -> Option<Self> {
        Hostname::from_host_header_with_port(value).map(|(host, _)| host)
    }

    /// [`Hostname::from_host_header`], keeping the port the header named, if any.
    pub fn from_host_header_with_port(value: &str) -> Option<(Self, Option<u16>)> {
        let value = value.trim();
        let (host, port) = if value.starts_with('[') {
            // IPv6 literal: never a store domain, but may be a configured public host.
            let end = value.find(']')?;
            (&value[..=end], &value[end + 1..])
        } else {
            match value.rfind(':') {
                Some(i) => (&value[..i], &value[i..]),
                None => (value, ""),
            }
        };
        let port = match port.strip_prefix(':') {
            None if port.is_empty() => None,
            Some(digits) if is_port(digits) => Some(digits.parse().ok()?),
            _ => return None,
        };
        let host = if host.starts_with('[') {
            Hostname(host.to_ascii_lowercase())
        } else {
            Hostname::parse(host).ok()?
        };
        Some((host, port))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as people read it: punycode labels (`xn--…`) shown in Unicode. Only
    /// for display; the ASCII form is what is stored, compared and sent to DNS.
    pub fn to_unicode(&self) -> String {
        idna::domain_to_unicode(&self.0).0
    }

    /// Whether this is `parent` itself or a name under it (`a.shops.example` under
    /// `shops.example`).
    pub fn is_within(&self, parent: &Hostname) -> bool {
        self.0 == parent.0
            || (self.0.len() > parent.0.len()
                && self.0.ends_with(parent.0.as_str())
                && self.0.as_bytes()[self.0.len() - parent.0.len() - 1] == b'.')
    }
}

fn is_port(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 5
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<u16>().is_ok()
}

impl TryFrom<String> for Hostname {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Hostname::parse(&value)
    }
}

impl From<Hostname> for String {
    fn from(value: Hostname) -> Self {
        value.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_accepted() {
        for ok in ["techstore", "fashion", "_x", "store_2", &"a".repeat(63)] {
            assert_eq!(SchemaName::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn schema_names_malformed() {
        for bad in [
            "",
            "TechStore",
            "2store",
            "tech-store",
            "tech store",
            "tech\"store",
            "tech;drop",
            "té",
            "x\0",
            &"a".repeat(64),
        ] {
            let err = SchemaName::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("schema"), "{bad:?}");
        }
    }

    #[test]
    fn schema_names_reserved() {
        for bad in [
            "public",
            "information_schema",
            "pg_catalog",
            "pg_toast",
            "pg_anything",
        ] {
            let err = SchemaName::parse(bad).unwrap_err();
            assert!(err.to_string().contains("reserved"), "{bad}: {err}");
        }
    }

    #[test]
    fn quoting_and_search_path() {
        let s = SchemaName::parse("techstore").unwrap();
        assert_eq!(s.quoted(), "\"techstore\"");
        assert_eq!(s.request_search_path(), "\"techstore\", public");
    }

    #[test]
    fn order_prefixes() {
        assert_eq!(
            SchemaName::parse("techstore").unwrap().order_prefix(),
            "TECH"
        );
        assert_eq!(SchemaName::parse("fashion").unwrap().order_prefix(), "FASH");
        assert_eq!(SchemaName::parse("ab").unwrap().order_prefix(), "AB");
        assert_eq!(SchemaName::parse("___").unwrap().order_prefix(), "ORD");
    }

    #[test]
    fn hostnames_from_people() {
        assert_eq!(
            Hostname::parse("TechStore.LocalHost.").unwrap().as_str(),
            "techstore.localhost"
        );
        for bad in [
            "",
            "a..b",
            "-a.com",
            "a-.com",
            "shop.localhost:8000",
            "http://x",
            "a_b.com",
            "x/y",
        ] {
            assert!(Hostname::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Hostname::parse(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn international_hostnames_are_stored_as_punycode() {
        let host = Hostname::parse("Bücher.Example").unwrap();
        assert_eq!(host.as_str(), "xn--bcher-kva.example");
        assert_eq!(host.to_unicode(), "bücher.example");
        assert_eq!(Hostname::parse("xn--bcher-kva.example").unwrap(), host);
        assert_eq!(
            Hostname::parse("shop.example").unwrap().to_unicode(),
            "shop.example"
        );
        assert!(Hostname::parse("bü cher.example").is_err());
    }

    #[test]
    fn hostnames_within_others() {
        let h = |v| Hostname::parse(v).unwrap();
        assert!(h("a.shops.example").is_within(&h("shops.example")));
        assert!(h("shops.example").is_within(&h("shops.example")));
        assert!(!h("evilshops.example").is_within(&h("shops.example")));
        assert!(!h("example").is_within(&h("shops.example")));
    }

    #[test]
    fn hostnames_from_host_headers() {
        let h = |v| Hostname::from_host_header(v).map(|h| h.0);
        assert_eq!(
            h("techstore.localhost:8000").as_deref(),
            Some("techstore.localhost")
        );
        assert_eq!(
            h("TECHSTORE.localhost.:8000").as_deref(),
            Some("techstore.localhost")
        );
        assert_eq!(
            h("techstore.localhost").as_deref(),
            Some("techstore.localhost")
        );
        assert_eq!(h("127.0.0.1:8000").as_deref(), Some("127.0.0.1"));
        assert_eq!(h("[::1]:8000").as_deref(), Some("[::1]"));
        assert_eq!(h("evil.com:80:80"), None);
        assert_eq!(h("evil.com:99999"), None);
        assert_eq!(
            Hostname::from_host_header_with_port("TechStore.localhost:8000").map(|(h, p)| (h.0, p)),
            Some(("techstore.localhost".to_owned(), Some(8000)))
        );
        assert_eq!(
            Hostname::from_host_header_with_port("[::1]").map(|(_, p)| p),
            Some(None)
        );
        assert_eq!(h("evil.com:http"), None);
        assert_eq!(h("a b"), None);
        assert_eq!(h(""), None);
    }
}
