//! The stores' REST API (`/api/v1/…`): keys and scopes, one store's key refused on
//! another's host, revocation, paging under concurrent inserts, idempotent POSTs, rate
//! limits, every problem shape, and the committed OpenAPI document.

mod access;
mod errors;
mod idempotency;
mod paging;
mod spec;
mod writes;

use axum::body::Body;
use axum::http::{header, Request};
use marketplace::api::{keys, NewKey};
use marketplace::tenancy::{SchemaName, TenantTx};

use crate::helpers::{Reply, TestApp};

/// Creates a key in store `schema` with `scopes`, through the core as the admin does;
/// its plaintext.
pub async fn key(app: &TestApp, schema: &str, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let new = NewKey::parse("test key", &scopes).unwrap();
    let mut tx = TenantTx::begin(&app.pool, &SchemaName::parse(schema).unwrap())
        .await
        .unwrap();
    let created = keys::create(&mut tx, &new, None).await.unwrap();
    tx.commit().await.unwrap();
    created.plaintext
}

/// An API request as an integration sends it: no cookie, no `Origin`, the key as a
/// bearer token, a JSON body when there is one, and any extra headers.
pub fn request(
    method: &str,
    host: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
    extra: &[(&str, &str)],
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, host);
    if let Some(key) = key {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Body::from(body.unwrap_or("").to_owned()))
        .unwrap()
}

/// GET `path` on `host` with `key`.
pub async fn get(app: &TestApp, host: &str, path: &str, key: &str) -> Reply {
    app.send(request("GET", host, path, Some(key), None, &[]))
        .await
}

/// POST `body` to `path` on `host` with `key`, and extra headers.
pub async fn post(
    app: &TestApp,
    host: &str,
    path: &str,
    key: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> Reply {
    app.send(request("POST", host, path, Some(key), Some(body), extra))
        .await
}

/// Asserts that `reply` is an RFC 9457 problem of `status` and `type` ending in `slug`,
/// about `field` (or no field); its JSON.
pub fn assert_problem(
    reply: &Reply,
    status: u16,
    slug: &str,
    field: Option<&str>,
) -> serde_json::Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json",
        "{}",
        reply.body
    );
    let problem = reply.json();
    assert_eq!(
        problem["type"],
        format!("urn:marketplace:problem:{slug}"),
        "{}",
        reply.body
    );
    assert_eq!(problem["status"], status);
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(problem["field"].as_str(), field, "{}", reply.body);
    problem
}
