//! The storefront over HTTP, as a browser without JavaScript uses it: plain form posts
//! to server functions, session cookies scoped to one store's host, checkout, order
//! confirmations visible to their buyer only, accounts per store, and forged
//! cross-origin posts refused.

mod accounts;
mod checkout;
mod sessions;
