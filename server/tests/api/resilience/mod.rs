//! Resilience (issue 9): slow clients cut off, honest status codes, money that cannot
//! overflow, the database going away, browser hardening, and the demo switch.

mod answers;
mod edges;
