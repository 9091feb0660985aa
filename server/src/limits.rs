//! Fair sharing between stores: how many requests run at once, in all and per store.
//!
//! A request first takes a place among its own store's (at most `per_store` at once),
//! then one of the platform's (at most `global`). A store flooded with requests queues
//! behind its own limit and holds at most `per_store` of the global places, so the other
//! stores keep theirs. A request that cannot get both places within `queue_timeout`
//! is answered 503 with `Retry-After`, rather than waiting without end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// The numbers of [`Limits`].
#[derive(Debug, Clone, Copy)]
pub struct LimitRules {
    pub global: usize,
    pub per_store: usize,
    pub queue_timeout: Duration,
}

impl LimitRules {
    /// The default per-store limit: twice the machine's cores. Requests are mostly CPU
    /// (ours and PostgreSQL's), so a store with more in flight than that only makes the
    /// others wait longer; measured with `scripts/bench-fairness`.
    pub fn default_per_store() -> usize {
        2 * std::thread::available_parallelism().map_or(2, |n| n.get())
    }
}

impl Default for LimitRules {
    fn default() -> Self {
        LimitRules {
            global: 512,
            per_store: Self::default_per_store(),
            queue_timeout: Duration::from_secs(5),
        }
    }
}

/// The places to take; shared by every request of one server.
pub struct Limits {
    rules: LimitRules,
    global: Arc<Semaphore>,
    stores: Mutex<HashMap<i64, Arc<Semaphore>>>,
}

/// The places a request holds until its response is made.
pub struct Admission {
    _store: Option<OwnedSemaphorePermit>,
    _global: OwnedSemaphorePermit,
}

impl Limits {
    pub fn new(rules: LimitRules) -> Self {
        Limits {
            rules,
            global: Arc::new(Semaphore::new(rules.global.max(1))),
            stores: Mutex::new(HashMap::new()),
        }
    }

    fn store(&self, tenant_id: i64) -> Arc<Semaphore> {
        let mut stores = self.stores.lock().unwrap_or_else(|e| e.into_inner());
        stores
            .entry(tenant_id)
            .or_insert_with(|| Arc::new(Semaphore::new(self.rules.per_store.max(1))))
            .clone()
    }

    /// Waits for a place for a request of `tenant_id` (`None`: the public site), or
    /// answers 503 when none frees up in time.
    pub async fn admit(&self, tenant_id: Option<i64>) -> Result<Admission, Response> {
        let deadline = Instant::now() + self.rules.queue_timeout;
        let store = match tenant_id {
            Some(id) => Some(wait(self.store(id), deadline).await?),
            None => None,
        };
        let global = wait(self.global.clone(), deadline).await?;
        Ok(Admission {
            _store: store,
            _global: global,
        })
    }
}

async fn wait(
    semaphore: Arc<Semaphore>,
    deadline: Instant,
) -> Result<OwnedSemaphorePermit, Response> {
    // The common case, a free place, needs no timer.
    if let Ok(permit) = semaphore.clone().try_acquire_owned() {
        return Ok(permit);
    }
    match tokio::time::timeout_at(deadline.into(), semaphore.acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(busy()),
    }
}

fn busy() -> Response {
    let mut response = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "The store is busy. Please try again in a moment.",
    )
    .into_response();
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("1"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_store_full_leaves_room_for_the_others() {
        let limits = Limits::new(LimitRules {
            global: 3,
            per_store: 2,
            queue_timeout: Duration::from_millis(50),
        });
        let a1 = limits.admit(Some(1)).await.unwrap();
        let _a2 = limits.admit(Some(1)).await.unwrap();
        let refused = limits.admit(Some(1)).await.err().expect("store 1 is full");
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        let _b = limits.admit(Some(2)).await.expect("store 2 still gets in");
        assert!(limits.admit(None).await.is_err(), "the platform is full");
        drop(a1);
        limits.admit(None).await.expect("a place freed up");
    }
}
