//! Tenancy: which store a request belongs to, and the schema its queries run in.
//!
//! The words are django-tenants' own, so a reader coming from the Django demo finds
//! their way: a [`Tenant`] is a store with its own PostgreSQL schema ([`SchemaName`]);
//! a [`Domain`] is a host name that serves it (many per tenant, exactly one primary);
//! the `public` schema holds what all stores share (`SHARED_APPS` in django-tenants),
//! each tenant schema holds the store's own tables (`TENANT_APPS`).
//!
//! * [`names`] — validated schema and host names; the only values ever rendered into SQL
//!   as identifiers, and only by this module.
//! * [`registry`] — the `public.tenants` and `public.domains` tables.
//! * [`domains`] — a store's custom domains: claimed with a token, served once proven.
//! * [`verification`] — proving a claim with a DNS TXT record, now and in the background.
//! * [`directory`] — the registry a page at a time, searched, with its counts: the
//!   platform admin's store list and `list-tenants` at 10,000 stores.
//! * [`resolver`] — host → tenant, cached in memory, invalidated through `LISTEN/NOTIFY`
//!   (`TenantMainMiddleware` in django-tenants).
//! * [`host_cache`] — the resolver's bounded LRU caches, forgotten per store and host.
//! * [`lookup`] — the resolver's answer for a `Host` header, with each step timed: what
//!   the server's tenant layer runs per request and the request-flow page replays.
//! * [`scope`] — [`TenantTx`], the transaction with a transaction-local `search_path` that
//!   every store query runs on (`connection.set_tenant` in django-tenants, minus its
//!   pooled-connection leaks).
//! * [`connections`] — which pooled connection a store's transaction runs on: the
//!   store-affine [`ShardedPool`], so each backend caches only some stores' catalogs.
//! * [`batch`] — store reads in one round trip: the switch, several `SELECT`s and
//!   `COMMIT` in one message, inside the same transaction-local scope as a [`TenantTx`].
//! * [`migrate`] — per-schema migrations with their own bookkeeping (`migrate_schemas`).
//! * [`fresh`] — a new store's schema, ledger and grants rendered into one message.
//! * [`provision`] — creating and dropping a store, all or nothing (`create_tenant`).
//! * [`roles`] — each store's own database role, entered by every store transaction:
//!   PostgreSQL refuses other stores' tables inside it (django-tenants has no such layer).
//! * [`explain`] — the demo's SQL-looking descriptions of routing, from validated names.

pub mod batch;
#[cfg(test)]
mod citus_lint;
pub mod connections;
pub mod directory;
pub mod domains;
pub mod explain;
pub(crate) mod fresh;
pub mod host_cache;
pub mod lookup;
pub mod migrate;
pub mod names;
pub mod provision;
pub mod registry;
pub mod resolver;
pub mod roles;
pub mod scope;
#[cfg(test)]
pub(crate) mod testing;
pub mod verification;

pub use batch::{read, Read, Reads};
pub use connections::{ShardedPool, StoreConnections, DEFAULT_SPILL_SPAN};
pub use lookup::{look_up_host, HostLookup, LayerMarks};
pub use names::{Hostname, SchemaName};
pub use registry::{Domain, DomainStatus, Tenant, TenantStatus};
pub use resolver::{PublicHosts, Resolution, Resolver, ServedHosts, Site};
pub use scope::TenantTx;
