//! The server's integration tests, one crate (zero-to-production's `tests/api` shape):
//! the real `Router` over a fresh PostgreSQL database per test, driven through the
//! [`helpers::TestApp`], plus the CLI binary run against such a database. One test
//! binary links leptos and axum once instead of once per topic.

mod helpers;

mod admin;
mod billing;
mod cli;
mod domains;
mod flow;
mod isolation;
mod resilience;
mod rest;
mod security;
mod seed_endpoints;
mod storefront;
mod tenant_layer;
