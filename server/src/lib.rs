//! The `marketplace` server: an axum application around the Leptos app and the core.
//!
//! * [`startup`] builds the one `Router` that `serve` and the tests use.
//! * [`tenant_layer`] resolves the request's host to a store before any handler runs.
//! * [`canonical`] redirects a store's other hosts to its primary one.
//! * [`tls_ask`] tells the TLS proxy which hosts may get a certificate.
//! * [`routes`] holds the seed's JSON endpoints, one small router per resource.
//! * [`api`] is the stores' REST API (`/api/v1/…`) with its OpenAPI document.
//! * [`cli`] is the command line (`serve`, `migrate-schemas`, `create-tenant`, …).

#![recursion_limit = "256"]

pub mod api;
pub mod canonical;
pub mod cli;
pub mod error;
pub mod form_errors;
pub mod jobs;
pub mod limits;
pub mod owner_scope;
pub mod routes;
pub mod startup;
pub mod status;
pub mod tenant_layer;
pub mod tls_ask;
