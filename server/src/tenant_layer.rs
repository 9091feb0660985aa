//! The tenant layer: `Host` → store, once per request, before any handler runs
//! (django-tenants' `TenantMainMiddleware`).
//!
//! * The host comes from the `Host` header (or the HTTP/2 authority), never from
//!   `X-Forwarded-Host` unless the operator says a proxy sets it
//!   (`--trust-forwarded-host`): otherwise any client could name another store.
//! * An unknown host gets 404 with a JSON error — never the public site, never a store.
//! * A suspended store's hosts get 503 with a short page; its data is untouched.
//! * A paused store (its subscription lapsed) looks the same to shoppers, but its admin
//!   — pages, server functions, assets — stays reachable so the owner can pay.
//! * A page asked for on a store's host other than its primary one answers 301 to
//!   the primary ([`crate::canonical`]).
//! * Every resolved response carries `X-Tenant-Schema`.
//! * A state-changing request (anything but GET, HEAD, OPTIONS) whose `Origin` — or,
//!   lacking that, `Referer` — names another origin is refused with 403: a page on one
//!   store (or anywhere else) cannot post forms into another store. Session cookies are
//!   also `SameSite=Lax` and host-only; this is the second lock on the same door.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use app::ssr::{AppState, RequestSite};
use marketplace::tenancy::{look_up_host, HostLookup, Site, TenantStatus};

use crate::canonical::redirect;
use crate::error::ApiError;
use crate::limits::Limits;

pub const SCHEMA_HEADER: &str = "x-tenant-schema";

/// What the layer needs: the application state, and which proxy headers may be
/// believed (set once at start-up).
#[derive(Clone)]
pub struct LayerState {
    pub app: AppState,
    pub proxy: ProxyTrust,
    /// Mark every cookie `Secure` even when the request did not come over TLS (behind
    /// a TLS-terminating proxy that does not say so).
    pub force_secure_cookies: bool,
    pub limits: Arc<Limits>,
}

/// Which headers of a reverse proxy in front of the server are believed. Both are off
/// by default: without a proxy that sets them, any client could write them.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProxyTrust {
    /// `X-Forwarded-Host` names the host (else `Host`).
    pub forwarded_host: bool,
    /// The last address of `X-Forwarded-For` is the client's (else the peer address).
    pub forwarded_for: bool,
    /// `X-Forwarded-Proto: https` means the client's connection is TLS.
    pub forwarded_proto: bool,
}

pub async fn resolve(
    State(layer): State<LayerState>,
    mut request: Request,
    next: Next,
) -> Response {
    let received = Instant::now();
    let LayerState {
        app: state,
        proxy,
        force_secure_cookies,
        limits,
    } = layer;
    let raw_host = request_host(&request, proxy.forwarded_host);
    let Some(raw_host) = raw_host else {
        return ApiError::new(StatusCode::BAD_REQUEST, "The request has no Host header.")
            .into_response();
    };
    let lookup = match look_up_host(&state.resolver, &raw_host, received).await {
        Ok(Some(lookup)) => lookup,
        Ok(None) => {
            return ApiError::not_found(format!(
                "No store is served at {}.",
                raw_host.escape_debug()
            ))
            .into_response()
        }
        Err(err) => return ApiError::from(err).into_response(),
    };
    let HostLookup {
        hostname,
        resolution,
        mut marks,
    } = lookup;
    let Some(site) = resolution.site else {
        return ApiError::not_found(format!("No store is served at {hostname}.")).into_response();
    };
    if let Site::Store(tenant) = &site {
        if tenant.status == TenantStatus::Suspended {
            return suspended(&tenant.name, tenant.schema_name.as_str());
        }
        if tenant.status == TenantStatus::Paused && !open_while_paused(request.uri().path()) {
            return paused(&tenant.name, tenant.schema_name.as_str());
        }
    }
    let secure = force_secure_cookies || is_tls(&request, proxy.forwarded_proto);
    if let Site::Store(tenant) = &site {
        let (method, uri) = (request.method(), request.uri());
        if let Some(moved) = redirect(method, uri, &hostname, &raw_host, tenant, secure) {
            return moved;
        }
    }
    if !request.method().is_safe() && !same_origin(&request, &raw_host, secure) {
        return ApiError::new(StatusCode::FORBIDDEN, "Cross-origin request refused.")
            .into_response();
    }
    let tenant_id = match &site {
        Site::Store(tenant) => Some(tenant.id),
        Site::Public => None,
    };
    let admission = match limits.admit(tenant_id).await {
        Ok(admission) => admission,
        Err(busy) => return busy,
    };
    marks.admitted = Instant::now();
    let site = RequestSite {
        client: client_address(&request, proxy.forwarded_for),
        host: raw_host,
        hostname,
        site,
        cache_hit: resolution.cache_hit,
        marks,
    };
    let schema =
        HeaderValue::from_str(site.schema_label()).expect("schema names are valid header values");
    request.extensions_mut().insert(site);
    let mut response = next.run(request).await;
    drop(admission);
    response.headers_mut().insert(SCHEMA_HEADER, schema);
    if secure {
        mark_cookies_secure(&mut response);
    }
    response
}

/// Whether the client's connection is TLS: an `https` request URI (HTTP/2 over TLS),
/// or a trusted proxy's `X-Forwarded-Proto: https`.
fn is_tls(request: &Request, trust_forwarded: bool) -> bool {
    if request.uri().scheme_str() == Some("https") {
        return true;
    }
    trust_forwarded
        && request
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// Adds `Secure` to every cookie the response sets.
fn mark_cookies_secure(response: &mut Response) {
    let cookies: Vec<HeaderValue> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| {
            let v = v.to_str().ok()?;
            if v.to_ascii_lowercase().contains("; secure") {
                return HeaderValue::from_str(v).ok();
            }
            HeaderValue::from_str(&format!("{v}; Secure")).ok()
        })
        .collect();
    response.headers_mut().remove(SET_COOKIE);
    for cookie in cookies {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
}

/// The client's address: the TCP peer's, or — behind a trusted proxy — the last entry
/// of `X-Forwarded-For` (the one that proxy appended). Requests built in-process (tests
/// through `oneshot`) without either count as the unspecified address.
fn client_address(request: &Request, trust_forwarded: bool) -> IpAddr {
    if trust_forwarded {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|last| last.trim().parse::<IpAddr>().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The host the client asked for, as sent (port included).
fn request_host(request: &Request, trust_forwarded: bool) -> Option<String> {
    let headers = request.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let forwarded = trust_forwarded
        .then(|| {
            header("x-forwarded-host")
                .and_then(|h| h.split(',').next())
                .map(str::trim)
        })
        .flatten();
    forwarded
        .or_else(|| header(HOST.as_str()))
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .map(str::to_owned)
}

/// Whether a state-changing request comes from a page of the origin it is sent to:
/// `Origin` (or, lacking it, `Referer`) must name exactly this scheme, host and port.
/// A request with neither is refused when it carries cookies (a browser always sends
/// `Origin` with a POST, so such a request is not from one of our pages, and its cookies
/// must not be used on its behalf); without cookies it has no ambient authority to
/// abuse and is let through (API clients, curl).
fn same_origin(request: &Request, host: &str, secure: bool) -> bool {
    let headers = request.headers();
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let expected = format!("{}://{host}", if secure { "https" } else { "http" });
    match (header(ORIGIN), header(REFERER)) {
        (Some(origin), _) => origin.eq_ignore_ascii_case(&expected),
        (None, Some(referer)) => {
            let rest = referer.get(expected.len()..).unwrap_or("x");
            referer
                .get(..expected.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(&expected))
                && (rest.is_empty() || rest.starts_with(['/', '?', '#']))
        }
        (None, None) => !headers.contains_key(COOKIE),
    }
}

/// What a paused store still serves: its admin, the admin's server functions and the
/// compiled site's assets.
fn open_while_paused(path: &str) -> bool {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    under("/admin") || under("/api/admin") || under("/pkg") || path == "/favicon.ico"
}

fn suspended(name: &str, schema: &str) -> Response {
    closed(name, schema, "")
}

/// Shoppers of a paused store see the suspended page; the owner is pointed to the admin.
fn paused(name: &str, schema: &str) -> Response {
    closed(
        name,
        schema,
        "<p><small>Store owner: <a href=\"/admin/plan\">pay or choose a plan in the admin</a> to reopen.</small></p>",
    )
}

fn closed(name: &str, schema: &str, note: &str) -> Response {
    let name = escape_html(name);
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name} is taking a break</title></head>\
         <body style=\"font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem\">\
         <h1>{name} is taking a break</h1>\
         <p>This store is closed for the moment. Your orders and account are safe; please come back later.</p>\
         {note}</body></html>"
    );
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response();
    response.headers_mut().insert(
        SCHEMA_HEADER,
        HeaderValue::from_str(schema).expect("valid schema"),
    );
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_static("3600"));
    response
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::open_while_paused;

    #[test]
    fn a_paused_store_keeps_only_its_admin_and_the_assets_open() {
        for open in [
            "/admin",
            "/admin/plan",
            "/api/admin/gate",
            "/pkg/marketplace.wasm",
            "/favicon.ico",
        ] {
            assert!(open_while_paused(open), "{open}");
        }
        for closed in [
            "/",
            "/administrator",
            "/api/cart/add",
            "/products/1",
            "/data/",
            "/api/v1/products",
            "/api/adminx",
        ] {
            assert!(!open_while_paused(closed), "{closed}");
        }
    }
}
