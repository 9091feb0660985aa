//! The timed host lookup: a `Host` header value parsed and resolved, with the moment of
//! each step on one monotonic clock (the first half of django-tenants'
//! `TenantMainMiddleware`, measured).
//!
//! The server's tenant layer runs [`look_up_host`] for every request, and the
//! request-flow page replays it for a host typed into its form, so the page shows the
//! very path real requests take, with their real durations.

use std::time::Instant;

use super::names::Hostname;
use super::resolver::{Resolution, Resolver};
use crate::Result;

/// The moments the tenant layer passed for one request, on one monotonic clock, so the
/// request-flow page can show each stage's real duration and their order.
#[derive(Clone, Copy, Debug)]
pub struct LayerMarks {
    /// The request entered the tenant layer.
    pub received: Instant,
    /// The `Host` header was read.
    pub host_read: Instant,
    /// It was parsed into a [`Hostname`].
    pub host_parsed: Instant,
    /// The resolver answered.
    pub resolved: Instant,
    /// The request was handed on to its route.
    pub admitted: Instant,
}

/// A `Host` header value resolved to a site, with the marks of each step.
pub struct HostLookup {
    pub hostname: Hostname,
    pub resolution: Resolution,
    /// `admitted` is the moment the lookup finished; the caller moves it on when the
    /// request really goes on to its route.
    pub marks: LayerMarks,
}

/// Parses a `Host` header value and resolves it through the shared resolver, marking
/// each step; `received` is when the request arrived. `None` when the value is not a
/// host name.
pub async fn look_up_host(
    resolver: &Resolver,
    raw_host: &str,
    received: Instant,
) -> Result<Option<HostLookup>> {
    let host_read = Instant::now();
    let Some(hostname) = Hostname::from_host_header(raw_host) else {
        return Ok(None);
    };
    let host_parsed = Instant::now();
    let resolution = resolver.resolve(&hostname).await?;
    let resolved = Instant::now();
    let marks = LayerMarks {
        received,
        host_read,
        host_parsed,
        resolved,
        admitted: resolved,
    };
    Ok(Some(HostLookup {
        hostname,
        resolution,
        marks,
    }))
}
