//! The core's integration tests, one crate (zero-to-production's `tests/api` shape):
//! tenancy and the stores' data against a real PostgreSQL, a fresh database per test.
//! The core cannot depend on the server, so its set-up lives in its own [`helpers`].

mod helpers;

mod store;
mod tenancy;
