//! Where billing reads the time. Renewals, trials and grace periods are decided against
//! a [`Clock`] rather than `now()`, so tests and the demo can move a store a month ahead
//! without waiting a month (the database still stamps `created_at` with its own time).

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// The time, as billing sees it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time: what `serve` and `billing tick` use.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is moved: the tests' and the demo's.
#[derive(Debug)]
pub struct FakeClock(Mutex<DateTime<Utc>>);

impl FakeClock {
    /// A clock standing at `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        FakeClock(Mutex::new(now))
    }

    /// Starts at the real time.
    pub fn starting_now() -> Self {
        FakeClock::at(Utc::now())
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }

    /// Puts the clock at `to` (backwards too, to replay an old event).
    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
