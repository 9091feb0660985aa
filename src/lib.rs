//! The marketplace core: everything a store platform knows, with no web framework in it.
//!
//! * [`tenancy`] — stores (tenants), their domains, schema names, host resolution,
//!   provisioning, per-schema migrations and the tenant-scoped transaction every store
//!   query runs on. This is what django-tenants provides to the Django demo.
//! * [`catalog`], [`cart`], [`checkout`], [`orders`], [`accounts`] — one module per
//!   resource of a store, each owning its SQL, row types and rules. They only accept a
//!   [`tenancy::TenantTx`], so a store query cannot run outside a store's schema.
//! * [`platform`] — platform staff, stored in the shared `public` schema.
//! * [`security`], [`throttle`], [`sessions`], [`sweep`] — the security policy: login
//!   throttling, session lifetimes and the sweeper that removes what has expired.
//! * [`billing`] — plans, subscriptions, the payment provider, and the plan limits each
//!   store's own transactions enforce.
//! * [`api`] — what the stores' REST API keeps: API keys, idempotency records, pagination.
//! * [`money`] — how an amount of money is written, everywhere it is shown.
//! * [`theme`] — a store's look: typed settings, presets, contrast check, CSS, images.
//! * [`seed`] — the demo data of the original Django project.
//!
//! All SQL of the project lives in this crate.

pub mod accounts;
pub mod api;
pub mod billing;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod db;
pub mod email;
mod error;
pub mod money;
pub mod orders;
pub mod password;
pub mod platform;
pub mod security;
pub mod seed;
pub mod sessions;
pub mod settings;
pub mod sweep;
pub mod tenancy;
pub mod theme;
pub mod throttle;

pub use error::{Error, Result};
