//! Host → store resolution, cached (django-tenants' `TenantMainMiddleware`).
//!
//! A request's host is looked up once in `public.domains`; the answer — a store, the
//! public site, or nobody — is kept in a bounded [`HostCache`]. Every change to
//! `public.tenants` or `public.domains` fires `NOTIFY marketplace_tenancy` from a
//! trigger, whichever process made it (the CLI, another server), naming the store and
//! host it touched; [`Resolver::spawn_listener`] forgets just those, and everything
//! whenever its listening connection was lost (a notification may have been missed).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;

use super::host_cache::{self, Forget, HostCache};
use super::names::{Hostname, SchemaName};
use super::registry::{self, Tenant};
use crate::{Error, Result};

/// The `NOTIFY` channel the registry's triggers signal on.
pub const CHANNEL: &str = "marketplace_tenancy";

/// What a host serves.
#[derive(Debug, Clone)]
pub enum Site {
    /// The platform's own site on the `public` schema (`localhost`, `127.0.0.1`, …).
    Public,
    /// A store.
    Store(Arc<Tenant>),
}

/// The outcome of resolving one host.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// `None` for a host no store is served at.
    pub site: Option<Site>,
    /// Whether the answer came from the in-memory cache.
    pub cache_hit: bool,
}

/// The hosts the platform keeps for itself: those that serve the public site rather
/// than a store, and the platform domain, under which every store is also served at
/// `{schema}.{platform domain}` without proving anything (`techstore.localhost` with
/// the default `localhost`). No store may claim any of them as a custom domain.
#[derive(Debug, Clone)]
pub struct PublicHosts {
    hosts: Vec<Hostname>,
    platform_domain: Hostname,
}

/// The platform domain unless `serve --platform-domain` says otherwise.
pub const DEFAULT_PLATFORM_DOMAIN: &str = "localhost";

impl PublicHosts {
    /// Parses a comma-separated list, e.g. `localhost,127.0.0.1`; the platform domain
    /// is [`DEFAULT_PLATFORM_DOMAIN`] until [`PublicHosts::with_platform_domain`].
    pub fn parse(list: &str) -> Result<Self> {
        let hosts = list
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| {
                Hostname::from_host_header(h).ok_or_else(|| {
                    Error::invalid("public_hosts", format!("'{h}' is not a host name"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PublicHosts {
            hosts,
            platform_domain: Hostname::parse(DEFAULT_PLATFORM_DOMAIN)?,
        })
    }

    /// The same public hosts, with stores served under `domain`.
    pub fn with_platform_domain(mut self, domain: Hostname) -> Self {
        self.platform_domain = domain;
        self
    }

    pub fn contains(&self, host: &Hostname) -> bool {
        self.hosts.contains(host)
    }

    /// The domain every store is served under, as `{schema}.{platform domain}`.
    pub fn platform_domain(&self) -> &Hostname {
        &self.platform_domain
    }

    /// The store schema a platform subdomain names: `techstore` for
    /// `techstore.localhost`. `None` for any other host (deeper names included).
    pub fn platform_subdomain(&self, host: &Hostname) -> Option<SchemaName> {
        let label = host
            .as_str()
            .strip_suffix(self.platform_domain.as_str())?
            .strip_suffix('.')?;
        (!label.contains('.'))
            .then(|| SchemaName::parse(label).ok())
            .flatten()
    }

    /// The platform subdomain of a store.
    pub fn subdomain_of(&self, schema: &SchemaName) -> Option<Hostname> {
        Hostname::parse(&format!("{schema}.{}", self.platform_domain)).ok()
    }

    /// Refuses a public host as a store's domain (creating a store, adding a domain):
    /// the public site must stay reachable whatever the stores do.
    pub fn ensure_claimable(&self, domain: &Hostname) -> Result<()> {
        if self.contains(domain) {
            return Err(Error::invalid(
                "domain",
                format!("'{domain}' serves the public site and cannot belong to a store."),
            ));
        }
        Ok(())
    }

    /// Refuses what a store may not claim as a custom domain: the public hosts, the
    /// platform domain and every name under it (the platform's own zone: its names
    /// are handed out by the platform, never proven by a store's DNS record).
    pub fn ensure_custom(&self, domain: &Hostname) -> Result<()> {
        self.ensure_claimable(domain)?;
        if domain.is_within(&self.platform_domain) {
            return Err(Error::invalid(
                "domain",
                format!(
                    "'{}' is reserved: names under {} belong to the platform.",
                    domain.to_unicode(),
                    self.platform_domain
                ),
            ));
        }
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Hostname> {
        self.hosts.iter()
    }
}

impl Default for PublicHosts {
    fn default() -> Self {
        PublicHosts::parse("localhost,127.0.0.1").expect("default public hosts are valid")
    }
}

/// What a change to the registry has to respect and keep fresh: the public hosts no
/// store may claim, and — in a serving process — the resolver's cache, forgotten at
/// once so this server's next request sees the change. The [`Resolver`] is both; bare
/// [`PublicHosts`] (the CLI, tests) has no cache, and other processes hear of every
/// change through `NOTIFY` anyway.
pub trait ServedHosts {
    fn public_hosts(&self) -> &PublicHosts;
    /// Called after a change to a store's registry rows was committed: every host of
    /// the store `tenant_id` is forgotten, and `host` (a domain added, removed or made
    /// primary, which may be remembered as serving nothing).
    fn forget(&self, _tenant_id: i64, _host: Option<&Hostname>) {}
}

impl ServedHosts for PublicHosts {
    fn public_hosts(&self) -> &PublicHosts {
        self
    }
}

impl ServedHosts for Resolver {
    fn public_hosts(&self) -> &PublicHosts {
        &self.public_hosts
    }

    fn forget(&self, tenant_id: i64, host: Option<&Hostname>) {
        self.cache.forget(&Forget::Store {
            tenant_id,
            host: host.cloned(),
        });
    }
}

/// The resolver shared by all requests of a server.
pub struct Resolver {
    pool: PgPool,
    public_hosts: PublicHosts,
    cache: HostCache,
    listening: AtomicBool,
    heard: AtomicU64,
}

impl Resolver {
    /// A resolver with the default cache bounds ([`host_cache::DEFAULT_STORE_HOSTS`],
    /// [`host_cache::DEFAULT_UNKNOWN_HOSTS`]).
    pub fn new(pool: PgPool, public_hosts: PublicHosts) -> Self {
        Self::with_capacity(
            pool,
            public_hosts,
            host_cache::DEFAULT_STORE_HOSTS,
            host_cache::DEFAULT_UNKNOWN_HOSTS,
        )
    }

    /// A resolver remembering at most `store_hosts` hosts that serve a store and
    /// `unknown_hosts` hosts that serve nothing, each least recently used first out.
    pub fn with_capacity(
        pool: PgPool,
        public_hosts: PublicHosts,
        store_hosts: usize,
        unknown_hosts: usize,
    ) -> Self {
        Resolver {
            pool,
            public_hosts,
            cache: HostCache::new(store_hosts, unknown_hosts),
            listening: AtomicBool::new(false),
            heard: AtomicU64::new(0),
        }
    }

    pub fn public_hosts(&self) -> &PublicHosts {
        &self.public_hosts
    }

    /// Resolves a host, from the cache when possible: a public host, a verified domain,
    /// or a platform subdomain (`{schema}.{platform domain}`) of an existing store.
    pub async fn resolve(&self, host: &Hostname) -> Result<Resolution> {
        if self.public_hosts.contains(host) {
            return Ok(Resolution {
                site: Some(Site::Public),
                cache_hit: true,
            });
        }
        if let Some(entry) = self.cache.get(host) {
            return Ok(Resolution {
                site: entry.map(Site::Store),
                cache_hit: true,
            });
        }
        let generation = self.cache.generation();
        let subdomain = self.public_hosts.platform_subdomain(host);
        let found = registry::find_by_host(&self.pool, host, subdomain.as_ref())
            .await?
            .map(Arc::new);
        self.cache.remember(host, found.clone(), generation);
        Ok(Resolution {
            site: found.map(Site::Store),
            cache_hit: false,
        })
    }

    /// Forgets every cached answer.
    pub fn invalidate(&self) {
        self.cache.forget(&Forget::All);
    }

    /// Number of cached hosts, both kinds (for diagnostics and tests).
    pub fn cached(&self) -> usize {
        let (stores, unknown) = self.cache.len();
        stores + unknown
    }

    /// Cached hosts that serve a store, and cached hosts that serve nothing.
    pub fn cached_by_kind(&self) -> (usize, usize) {
        self.cache.len()
    }

    /// Registry changes heard through `NOTIFY` so far (diagnostics; tests wait on it).
    pub fn heard(&self) -> u64 {
        self.heard.load(Ordering::Acquire)
    }

    /// Whether the change listener is connected (changes made elsewhere are heard).
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// Listens for registry changes and forgets what each touched. Runs until the
    /// returned task is aborted; reconnects by itself.
    pub fn spawn_listener(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let resolver = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                if let Err(err) = resolver.listen().await {
                    tracing::warn!(error = %err, "tenancy listener failed; retrying");
                }
                resolver.listening.store(false, Ordering::Release);
                resolver.invalidate();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }

    async fn listen(&self) -> Result<()> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        // Anything cached before the listener was up may be stale.
        self.invalidate();
        self.listening.store(true, Ordering::Release);
        loop {
            match listener.try_recv().await? {
                Some(change) => {
                    self.cache.forget(&Forget::parse(change.payload()));
                    self.heard.fetch_add(1, Ordering::AcqRel);
                }
                // The connection was lost and re-established: notifications may be missing.
                None => self.invalidate(),
            }
        }
    }
}
