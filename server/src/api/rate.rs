//! Per-key rate limits: a token bucket for every API key, in the server's memory.
//!
//! A bucket holds up to `burst` requests and refills at `per_second`; a request takes
//! one token or is refused with 429, `Retry-After` (when the next token arrives) and
//! the `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers of the
//! IETF draft, which every answer to a key carries. The platform has no plans yet, so
//! every key gets the same size; a plan would choose its `RateRules`.
//!
//! Buckets are per server process: behind several servers a key gets each one's rate.
//! A bucket that has refilled completely holds no information and is dropped when the
//! table grows, so the memory kept is bounded by the keys active in the last moments.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue};

/// How large a key's bucket is and how fast it refills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateRules {
    pub burst: u32,
    pub per_second: f64,
}

impl Default for RateRules {
    /// 100 at once, 10 a second after that: generous for integrations, and a runaway
    /// script costs the store a tenth of a CPU second a second, not the machine.
    fn default() -> Self {
        RateRules {
            burst: 100,
            per_second: 10.0,
        }
    }
}

/// Where a key's bucket stands after a request, as the headers report it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateState {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_secs: u64,
    /// Set when the request was refused: seconds until a token is there.
    pub retry_after_secs: Option<u64>,
}

impl RateState {
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert("ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("ratelimit-reset", HeaderValue::from(self.reset_secs));
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Every key's bucket; one per server.
pub struct RateLimiter {
    rules: RateRules,
    buckets: Mutex<HashMap<(i64, i64), Bucket>>,
}

/// Above this many buckets, full ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(rules: RateRules) -> Self {
        RateLimiter {
            rules,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from the bucket of key `key_id` of store `tenant_id`.
    pub fn take(&self, tenant_id: i64, key_id: i64) -> RateState {
        let now = Instant::now();
        let RateRules { burst, per_second } = self.rules;
        let capacity = f64::from(burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry((tenant_id, key_id)).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled = now.duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refilled).min(capacity);
        bucket.at = now;
        let retry_after_secs = if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            Some(((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64)
        };
        RateState {
            limit: burst,
            remaining: bucket.tokens.floor() as u32,
            reset_secs: ((capacity - bucket.tokens) / per_second).ceil() as u64,
            retry_after_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_then_refuses_with_a_wait() {
        let limiter = RateLimiter::new(RateRules {
            burst: 3,
            per_second: 0.5,
        });
        let remaining: Vec<u32> = (0..3).map(|_| limiter.take(1, 1).remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.take(1, 1);
        assert_eq!(refused.retry_after_secs, Some(2));
        assert_eq!(refused.reset_secs, 6);
        // Another key, and the same key id in another store, have their own buckets.
        assert_eq!(limiter.take(1, 2).retry_after_secs, None);
        assert_eq!(limiter.take(2, 1).retry_after_secs, None);
    }
}
