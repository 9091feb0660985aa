//! The platform's security policy: how logins are throttled, how long sessions live and
//! how much the background sweeper removes per tick. Every number here is configuration
//! (the server's `serve` flags and environment variables); [`Policy::default`] holds the
//! documented defaults.

use std::time::Duration;

/// Throttling rules for one kind of key (an account at one client address, or a client
/// address across every account).
///
/// The first `free_failures` failures in a row cost nothing. From then on every failure
/// blocks the key for a delay that doubles each time, from `base_delay` up to
/// `max_delay`; an attempt made while the key is blocked is refused without checking the
/// password and without counting. A key that has not failed for `forget_after` starts
/// again from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRules {
    pub free_failures: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub forget_after: Duration,
}

impl ThrottleRules {
    /// How long the key is blocked after its `failures`-th failure in a row.
    pub fn delay_after(&self, failures: u32) -> Duration {
        if failures < self.free_failures.max(1) {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free_failures.max(1)).min(30);
        self.base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }
}

/// How long one kind of session lives: it ends `absolute` after login whatever
/// happens, and earlier when it is left unused for `idle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRules {
    pub idle: Duration,
    pub absolute: Duration,
}

/// How much the background sweeper does: every `interval` it visits the next
/// `stores_per_tick` stores (round robin) and the public schema, removing at most
/// `rows_per_table` expired rows from each table it sweeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepRules {
    pub interval: Duration,
    pub stores_per_tick: u32,
    pub rows_per_table: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// One account (username or email) tried from one client address.
    pub account_throttle: ThrottleRules,
    /// One client address, whichever accounts it tries.
    pub client_throttle: ThrottleRules,
    /// Store staff and platform staff.
    pub staff_sessions: SessionRules,
    /// Customers and anonymous shoppers (their carts live as long as their session).
    pub customer_sessions: SessionRules,
    pub sweep: SweepRules,
}

/// The longest username or email a login form accepts; longer input is refused before
/// any query runs.
pub const MAX_LOGIN_LENGTH: usize = 254;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

impl Default for Policy {
    fn default() -> Self {
        Policy {
            account_throttle: ThrottleRules {
                free_failures: 5,
                base_delay: Duration::from_secs(2),
                max_delay: 15 * MINUTE,
                forget_after: HOUR,
            },
            client_throttle: ThrottleRules {
                free_failures: 30,
                base_delay: Duration::from_secs(2),
                max_delay: 15 * MINUTE,
                forget_after: HOUR,
            },
            staff_sessions: SessionRules {
                idle: 2 * HOUR,
                absolute: 12 * HOUR,
            },
            customer_sessions: SessionRules {
                idle: 30 * DAY,
                absolute: 30 * DAY,
            },
            sweep: SweepRules {
                interval: Duration::from_secs(10),
                stores_per_tick: 100,
                rows_per_table: 1000,
            },
        }
    }
}

impl Policy {
    /// The session rules for a user (`None`: an anonymous visitor).
    pub fn sessions_for(&self, is_staff: bool) -> SessionRules {
        if is_staff {
            self.staff_sessions
        } else {
            self.customer_sessions
        }
    }
}

/// A `Duration` as a PostgreSQL interval parameter (microseconds).
pub(crate) fn interval(d: Duration) -> sqlx::postgres::types::PgInterval {
    sqlx::postgres::types::PgInterval {
        months: 0,
        days: 0,
        microseconds: i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_from_the_free_failures_and_stop_at_the_cap() {
        let rules = Policy::default().account_throttle;
        let secs = |n| rules.delay_after(n).as_secs();
        assert_eq!((secs(1), secs(4)), (0, 0));
        assert_eq!((secs(5), secs(6), secs(7)), (2, 4, 8));
        assert_eq!(secs(12), 256);
        assert_eq!(secs(13), 512);
        assert_eq!(secs(14), 900);
        assert_eq!(secs(10_000), 900);
    }
}
