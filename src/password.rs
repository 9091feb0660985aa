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
    /// executor's hot path ([`hash`]).
    fn hash(&self) -> String {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .expect("argon2 with default parameters cannot fail on a bounded password")
            .to_string()
    }
}

/// Refuses a login's password candidate longer than any password can be, before any
/// work is spent on it.
pub fn check_candidate(candidate: &str) -> Result<()> {
    if candidate.chars().count() > MAX_LENGTH {
        return Err(Error::invalid(
            "password",
            format!("Passwords have at most {MAX_LENGTH} characters."),
        ));
    }
    Ok(())
}

/// A password hashed for storage (argon2's PHC string, salt included).
#[derive(Clone)]
pub struct Hashed(String);

impl Hashed {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hashes off the async executor, on tokio's blocking pool, with no more hashes or
/// verifications running at once than the machine has cores ([`slow_work`]). Call it
/// before opening a transaction: no database connection waits on a hash.
pub async fn hash(password: Password) -> Hashed {
    Hashed(slow_work(move || password.hash()).await)
}

/// Runs argon2 work on the blocking pool, at most one job per core at a time: a burst
/// of logins queues here instead of starving everything else of CPU.
async fn slow_work<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    use std::sync::OnceLock;
    use tokio::sync::Semaphore;
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    let permits = PERMITS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let _permit = permits
        .acquire()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(job)
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

/// Checks a login attempt against an account's stored `(hash, is_active)`, on the
/// blocking pool. For a missing account (`None`) it checks against a decoy hash, so
/// that an unknown username costs as much time as a known one; the answer is then
/// always `false`, as it is for an inactive account.
pub async fn check_login(account: Option<(String, bool)>, candidate: &str) -> bool {
    let candidate = candidate.to_owned();
    slow_work(move || match account {
        Some((hash, active)) => verify(&candidate, &hash) && active,
        None => {
            verify(&candidate, decoy_hash());
            false
        }
    })
    .await
}

/// [`check_login`] for a looked-up account row `(id, hash, is_active)`: the account's
/// id when the password is right and the account active, else `None` — after the same
/// time in every case.
pub async fn check_account(row: Option<(i64, String, bool)>, candidate: &str) -> Option<i64> {
    match row {
        Some((id, hash, active)) => check_login(Some((hash, active)), candidate)
            .await
            .then_some(id),
        None => {
            check_login(None, candidate).await;
            None
        }
    }
}

/// The SHA-256 of a session token: what the database keeps instead of the token.
pub fn token_digest(token: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A hash of a random password, to compare against when a username is unknown.
fn decoy_hash() -> &'static str {
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
