//! The resolver's memory of host → store answers: two bounded LRU caches, one for hosts
//! that serve a store and one for hosts that serve nothing.
//!
//! django-tenants looks the host up on every request; we remember the answer. At ten
//! thousand stores the cache must hold every store's hosts, forget only what a registry
//! change touched (creating store 10,001 must not empty it for the other 10,000), and
//! never let junk `Host` headers push real stores out: unknown hosts live in their own,
//! smaller LRU, so a flood of them only evicts other unknown hosts.
//!
//! A lookup that raced with any invalidation is not remembered: each lookup notes the
//! cache's generation when it starts, and every invalidation bumps it.

use std::sync::{Arc, Mutex};

use hashlink::LruCache;

use super::names::Hostname;
use super::registry::Tenant;

/// Hosts that serve a store, remembered by default (a few per store at 10,000 stores).
pub const DEFAULT_STORE_HOSTS: usize = 50_000;
/// Hosts that serve nothing, remembered by default.
pub const DEFAULT_UNKNOWN_HOSTS: usize = 2_000;

/// What a registry change touched, as the `NOTIFY` payload names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forget {
    /// One store's row, and with it every host that serves it; and, for a domain row,
    /// that host (it may be remembered as serving nothing).
    Store {
        tenant_id: i64,
        host: Option<Hostname>,
    },
    /// Everything: a truncate, an unreadable payload, a lost listener connection.
    All,
}

impl Forget {
    /// Reads a payload of the registry's triggers (`migrations/public/0004_scale.sql`):
    /// `<tenant id>` or `<tenant id> <domain>`. Anything else (`all`, or the payloads of
    /// an older trigger) forgets everything, which is always safe.
    pub fn parse(payload: &str) -> Self {
        let mut parts = payload.split(' ');
        let tenant_id = parts.next().and_then(|id| id.parse::<i64>().ok());
        let host = parts.next().map(Hostname::parse);
        match (tenant_id, host, parts.next()) {
            (Some(tenant_id), None, None) => Forget::Store {
                tenant_id,
                host: None,
            },
            (Some(tenant_id), Some(Ok(host)), None) => Forget::Store {
                tenant_id,
                host: Some(host),
            },
            _ => Forget::All,
        }
    }
}

struct Entries {
    stores: LruCache<Hostname, Arc<Tenant>>,
    unknown: LruCache<Hostname, ()>,
    generation: u64,
}

/// The two caches behind one lock (every operation is a few hash-map steps).
pub struct HostCache {
    entries: Mutex<Entries>,
}

impl HostCache {
    /// A cache holding at most `store_hosts` hosts that serve a store and `unknown_hosts`
    /// hosts that serve nothing (each at least 1).
    pub fn new(store_hosts: usize, unknown_hosts: usize) -> Self {
        HostCache {
            entries: Mutex::new(Entries {
                stores: LruCache::new(store_hosts.max(1)),
                unknown: LruCache::new(unknown_hosts.max(1)),
                generation: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().expect("host cache lock poisoned")
    }

    /// The remembered answer: `Some(Some(store))`, `Some(None)` for a host known to
    /// serve nothing, `None` when not remembered. A hit freshens the entry.
    pub fn get(&self, host: &Hostname) -> Option<Option<Arc<Tenant>>> {
        let mut entries = self.lock();
        if let Some(tenant) = entries.stores.get(host) {
            return Some(Some(Arc::clone(tenant)));
        }
        entries.unknown.get(host).map(|()| None)
    }

    /// The generation a lookup starts in; pass it back to [`HostCache::remember`].
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Remembers a lookup's answer unless something was invalidated since it started.
    pub fn remember(&self, host: &Hostname, found: Option<Arc<Tenant>>, generation: u64) {
        let mut entries = self.lock();
        if entries.generation != generation {
            return;
        }
        match found {
            Some(tenant) => {
                entries.unknown.remove(host);
                entries.stores.insert(host.clone(), tenant);
            }
            None => {
                entries.stores.remove(host);
                entries.unknown.insert(host.clone(), ());
            }
        }
    }

    /// Forgets what a registry change touched.
    pub fn forget(&self, what: &Forget) {
        let mut entries = self.lock();
        entries.generation += 1;
        match what {
            Forget::All => {
                entries.stores.clear();
                entries.unknown.clear();
            }
            Forget::Store { tenant_id, host } => {
                match host {
                    Some(host) => {
                        entries.stores.remove(host);
                        entries.unknown.remove(host);
                    }
                    // A store's own row changed (created, renamed): its platform
                    // subdomain may be remembered as serving nothing, under a name the
                    // payload does not carry. Unknown hosts are few and cheap to ask
                    // again; forget them all.
                    None => entries.unknown.clear(),
                }
                // A store has a handful of hosts among thousands of entries: a scan on
                // a registry change (rare) beats keeping a second index in step.
                let hosts: Vec<Hostname> = entries
                    .stores
                    .iter()
                    .filter(|(_, tenant)| tenant.id == *tenant_id)
                    .map(|(host, _)| host.clone())
                    .collect();
                for host in hosts {
                    entries.stores.remove(&host);
                }
            }
        }
    }

    /// Remembered hosts that serve a store, and hosts that serve nothing.
    pub fn len(&self) -> (usize, usize) {
        let entries = self.lock();
        (entries.stores.len(), entries.unknown.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_a_store_and_maybe_a_host() {
        assert_eq!(
            Forget::parse("42"),
            Forget::Store {
                tenant_id: 42,
                host: None
            }
        );
        assert_eq!(
            Forget::parse("42 shop.localhost"),
            Forget::Store {
                tenant_id: 42,
                host: Some(Hostname::parse("shop.localhost").unwrap())
            }
        );
        for other in ["all", "tenants", "domains", "", "42 bad host", "x y"] {
            assert_eq!(Forget::parse(other), Forget::All, "{other:?}");
        }
    }
}
