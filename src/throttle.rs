//! Login throttling that cannot be raced and cannot be turned against an account's owner.
//!
//! Every login attempt is counted *before* its password is checked, by one
//! `INSERT … ON CONFLICT … DO UPDATE … WHERE` per key that both checks the key's block
//! and records the attempt under the row's lock: twenty concurrent guesses are admitted
//! one at a time, and once a key is blocked the rest are refused without the password
//! ever being verified. A successful login then takes its own attempt back.
//!
//! Two keys count each attempt ([`Policy`]): the account at this client address, and the
//! client address across all accounts. Blocks are delays that grow with each failure,
//! never a lock-out of the account itself: a stranger guessing from their address slows
//! themselves down, while the owner logs in from theirs as usual.
//!
//! Stores keep their ledger in their own schema (`login_throttle`), the platform in
//! `public.platform_login_throttle`; the rules are the same.

use std::net::IpAddr;

use sqlx::PgConnection;

use crate::security::{interval, Policy, ThrottleRules, MAX_LOGIN_LENGTH};
use crate::{Error, Result};

/// One login attempt: the account named and where it comes from.
#[derive(Debug, Clone)]
pub struct Attempt {
    login: String,
    client: IpAddr,
}

impl Attempt {
    /// Refuses an empty or overlong login name before anything else happens.
    pub fn new(login: &str, client: IpAddr) -> Result<Self> {
        let login = login.trim();
        if login.is_empty() || login.chars().count() > MAX_LOGIN_LENGTH {
            return Err(Error::invalid(
                "username",
                format!("Enter your login (up to {MAX_LOGIN_LENGTH} characters)."),
            ));
        }
        Ok(Attempt {
            login: login.to_owned(),
            client,
        })
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    /// The ledger keys of this attempt, each with its rules.
    fn keys(&self, policy: &Policy) -> [(String, ThrottleRules); 2] {
        let client = client_key(self.client);
        [
            (
                format!("account {client} {}", self.login),
                policy.account_throttle,
            ),
            (format!("client {client}"), policy.client_throttle),
        ]
    }
}

/// The address a client is counted under: an IPv4 address as it is, an IPv6 address by
/// its /64 network (one subscriber's whole allocation).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The statements of one ledger table.
pub(crate) struct Ledger {
    admit: &'static str,
    wait: &'static str,
    took_back: &'static str,
    purge: &'static str,
}

// $1 key, $2 forget_after, $3 free failures (≥ 1), $4 base delay, $5 max delay.
macro_rules! ledger {
    ($table:literal) => {
        Ledger {
            admit: concat!(
                "insert into ", $table, " as t (key, failures, blocked_until, last_failed_at) ",
                "values ($1, 1, now() + case when 1 < $3 then interval '0' ",
                "else least($5, $4 * power(2, least(1 - $3, 30))) end, now()) ",
                "on conflict (key) do update set ",
                "failures = case when t.last_failed_at < now() - $2 then 1 else t.failures + 1 end, ",
                "blocked_until = now() + case ",
                "when (case when t.last_failed_at < now() - $2 then 1 else t.failures + 1 end) < $3 ",
                "then interval '0' else least($5, $4 * power(2, least(",
                "(case when t.last_failed_at < now() - $2 then 1 else t.failures + 1 end) - $3, 30))) end, ",
                "last_failed_at = now() ",
                "where t.blocked_until <= now() returning failures"
            ),
            wait: concat!(
                "select greatest(1, ceil(extract(epoch from blocked_until - now())))::bigint from ",
                $table, " where key = $1"
            ),
            took_back: concat!(
                "update ", $table, " set failures = greatest(failures - 1, 0) where key = $1"
            ),
            purge: concat!(
                "delete from ", $table, " where key in (select key from ", $table,
                " where last_failed_at < now() - $1 and blocked_until <= now() limit $2)"
            ),
        }
    };
}

/// A store's ledger (runs inside the store's transaction).
pub(crate) const STORE: Ledger = ledger!("login_throttle");
/// The platform's ledger.
pub(crate) const PLATFORM: Ledger = ledger!("public.platform_login_throttle");

impl Ledger {
    /// Checks and counts `attempt` under every key, inside the caller's transaction.
    /// Refused (and nothing should be kept: roll back) when any key is blocked.
    pub(crate) async fn admit(
        &self,
        conn: &mut PgConnection,
        attempt: &Attempt,
        policy: &Policy,
    ) -> Result<()> {
        for (key, rules) in attempt.keys(policy) {
            let admitted: Option<i32> = sqlx::query_scalar(self.admit)
                .bind(&key)
                .bind(interval(rules.forget_after))
                .bind(i32::try_from(rules.free_failures.max(1)).unwrap_or(i32::MAX))
                .bind(interval(rules.base_delay))
                .bind(interval(rules.max_delay))
                .fetch_optional(&mut *conn)
                .await?;
            if admitted.is_none() {
                let wait: Option<i64> = sqlx::query_scalar(self.wait)
                    .bind(&key)
                    .fetch_optional(&mut *conn)
                    .await?;
                return Err(Error::Throttled {
                    retry_after_secs: wait.unwrap_or(1).max(1) as u64,
                });
            }
        }
        Ok(())
    }

    /// A successful login takes its own attempt back under both keys. It does not wipe
    /// the account's earlier failures, nor lift a block: while guesses race a right
    /// password, no more of them can get through than the rules allow.
    pub(crate) async fn succeeded(
        &self,
        conn: &mut PgConnection,
        attempt: &Attempt,
        policy: &Policy,
    ) -> Result<()> {
        for (key, _) in attempt.keys(policy) {
            sqlx::query(self.took_back)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Removes up to `limit` rows that are neither blocked nor remembered any more.
    pub(crate) async fn purge(
        &self,
        conn: &mut PgConnection,
        policy: &Policy,
        limit: u32,
    ) -> Result<u64> {
        let forget = policy
            .account_throttle
            .forget_after
            .max(policy.client_throttle.forget_after);
        Ok(sqlx::query(self.purge)
            .bind(interval(forget))
            .bind(i64::from(limit))
            .execute(&mut *conn)
            .await?
            .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_bounded_and_clients_grouped() {
        let ip: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(Attempt::new("admin", ip).is_ok());
        assert_eq!(
            Attempt::new(&"a".repeat(2800), ip).unwrap_err().field(),
            Some("username")
        );
        assert_eq!(
            Attempt::new("  ", ip).unwrap_err().field(),
            Some("username")
        );
        let v6: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same_net: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(client_key(v6), client_key(same_net));
        assert_eq!(client_key(v6), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        assert_eq!(client_key(mapped), "10.1.2.3");
    }
}
