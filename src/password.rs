//! Password hashing with argon2 (the PHC string format, salt included).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::{Error, Result};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 256;

/// A password that met the length rules; only its hash is ever stored.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self> {
        let chars = raw.chars().count();
        if chars < MIN_LENGTH {
            return Err(Error::invalid(
                "password",
                format!("Use at least {MIN_LENGTH} characters."),
            ));
        }
        if chars > MAX_LENGTH {
            return Err(Error::invalid(
                "password",
                format!("Use at most {MAX_LENGTH} characters."),
            ));
        }
        Ok(Password(raw.to_owned()))
    }

    /// Hashes with a fresh random salt. Slow on purpose; call it off the async
    /// executor's hot path ([`hash_blocking`]).
    pub fn hash(&self) -> String {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .expect("argon2 with default parameters cannot fail on a bounded password")
            .to_string()
    }
}

/// Hashes on tokio's blocking pool so request handlers stay responsive.
pub async fn hash_blocking(password: Password) -> String {
    tokio::task::spawn_blocking(move || password.hash())
        .await
        .expect("password hashing task panicked")
}

/// Checks `candidate` against a stored PHC hash. A malformed stored hash never matches.
pub fn verify(candidate: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`verify`] on the blocking pool.
pub async fn verify_blocking(candidate: String, stored_hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&candidate, &stored_hash))
        .await
        .expect("password verification task panicked")
}

/// A hash of a random password, to compare against when a username is unknown, so that
/// a login attempt for a missing user costs as much time as one for a real user.
pub fn decoy_hash() -> &'static str {
    use std::sync::OnceLock;
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| Password(random_token(24)).hash())
}

/// A random URL-safe token (session ids, generated passwords).
pub fn random_token(len: usize) -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough").is_ok());
        assert!(Password::parse(&"x".repeat(MAX_LENGTH + 1)).is_err());
    }

    #[test]
    fn hash_round_trip_and_salting() {
        let a = Password::parse("correct horse").unwrap().hash();
        let b = Password::parse("correct horse").unwrap().hash();
        assert_ne!(a, b, "each hash has its own salt");
        assert!(a.starts_with("$argon2"));
        assert!(verify("correct horse", &a));
        assert!(!verify("wrong horse", &a));
        assert!(!verify("correct horse", "not a hash"));
    }
}
