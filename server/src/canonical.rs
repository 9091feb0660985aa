//! One address per store: a page asked for on any other host of the store answers
//! `301` to the same path and query on its primary domain, so that links, bookmarks and
//! search engines converge on one host (and its cookies live on one host).
//!
//! Only `GET` and `HEAD` are redirected: a redirected `POST` would lose its body. The
//! seed's JSON endpoints keep answering on every host of a store, as the seed did, and
//! the TLS proxy's question is never redirected.

use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use marketplace::tenancy::{Hostname, Tenant};

use crate::tls_ask::ASK_PATH;

/// The seed's JSON endpoints, which answer on every host (with or without a trailing
/// slash).
const EVERY_HOST: [&str; 4] = ["/data", "/schema-info", "/request-flow", "/db-routing"];

/// The redirect to the store's primary host, when this request should get one.
/// `raw_host` is the `Host` as sent (its port is kept), `secure` whether the client
/// came over TLS.
pub fn redirect(
    method: &Method,
    uri: &Uri,
    hostname: &Hostname,
    raw_host: &str,
    tenant: &Tenant,
    secure: bool,
) -> Option<Response> {
    if hostname == &tenant.primary_domain || !matches!(*method, Method::GET | Method::HEAD) {
        return None;
    }
    let path = uri.path();
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if EVERY_HOST.contains(&trimmed) || path == ASK_PATH {
        return None;
    }
    let port = Hostname::from_host_header_with_port(raw_host)
        .and_then(|(_, port)| port)
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let scheme = if secure { "https" } else { "http" };
    let target = format!(
        "{scheme}://{}{port}{}",
        tenant.primary_domain,
        uri.path_and_query().map_or("/", |pq| pq.as_str())
    );
    let location = HeaderValue::from_str(&target).ok()?;
    let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
    response.headers_mut().insert("location", location);
    Some(response)
}
