//! What a store's REST API (`/api/v1/…`) needs from the core beyond the resources it
//! exposes: the store's API keys and their scopes ([`keys`]), the records that make a
//! repeated POST harmless ([`idempotency`]), and keyset pagination ([`page`]).
//!
//! Like sessions, all of it lives in the store's own schema: a key is looked up in the
//! schema of the store whose host the request came to, so another store's key finds
//! nothing there. The products, orders, customers and settings the API serves are read
//! and written by their own modules ([`crate::catalog`], [`crate::orders`],
//! [`crate::accounts`], [`crate::settings`]).

pub mod idempotency;
pub mod keys;
pub mod page;

pub use keys::{ApiKey, NewKey, Scope};
pub use page::{Cursor, Page, PageRequest};
