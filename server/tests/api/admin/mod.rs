//! The store admin and the platform admin over HTTP: every rule is enforced by the
//! server function itself, whoever calls it and however.

mod access;
mod orders;
mod platform;
mod products;
mod store_list;
mod theme;
mod users;
