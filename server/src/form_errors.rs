//! Form errors after a plain (no-JavaScript) form post, made unforgeable.
//!
//! When a server function fails for a plain HTML form, Leptos redirects the browser back
//! to the form's page with the error in the query (`?__path=…&__err=…`), and the page
//! shows it. Left alone, anyone could link to any form page with an `__err` of their own
//! and have their words shown by the store. So:
//!
//! * on the way out, such a redirect gets a fresh random nonce in a short-lived,
//!   host-only, HttpOnly cookie and an HMAC over the nonce, `__path` and `__err` in the
//!   URL (`__sig`);
//! * on the way in, a page request carrying `__err` is rendered only when `__sig` matches
//!   the nonce of the browser's own cookie; otherwise it is redirected to the same page
//!   without the error. A third party can neither read nor set that cookie, so it cannot
//!   make a valid link for anyone else.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE_COOKIE: &str = "mkt_form_error";
/// How long an error link stays valid: long enough to read it, reload included.
const NONCE_MAX_AGE_SECS: u32 = 600;
const ERROR_PARAMS: [&str; 3] = ["__path", "__err", "__sig"];

/// The server's signing key: from configuration (so several servers agree), else random
/// for this process.
#[derive(Clone)]
pub struct FormErrorKey(Arc<Vec<u8>>);

impl FormErrorKey {
    pub fn new(secret: Option<&str>) -> Self {
        let key = match secret {
            Some(secret) if !secret.is_empty() => secret.as_bytes().to_vec(),
            _ => marketplace::password::random_token(48).into_bytes(),
        };
        FormErrorKey(Arc::new(key))
    }

    fn mac(&self, nonce: &str, path: &str, err: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        for part in [nonce, path, err] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    fn sign(&self, nonce: &str, path: &str, err: &str) -> String {
        hex(&self.mac(nonce, path, err).finalize().into_bytes())
    }

    fn verify(&self, nonce: &str, path: &str, err: &str, sig: &str) -> bool {
        let Some(sig) = unhex(sig) else { return false };
        self.mac(nonce, path, err).verify_slice(&sig).is_ok()
    }
}

pub async fn guard(State(key): State<FormErrorKey>, request: Request, next: Next) -> Response {
    let query = request.uri().query().unwrap_or("");
    if matches!(*request.method(), Method::GET | Method::HEAD) && has_param(query, "__err") {
        let param = |name: &str| param(query, name).unwrap_or_default();
        let nonce = app::ssr::cookie_in(request.headers(), NONCE_COOKIE).unwrap_or_default();
        let genuine = !nonce.is_empty()
            && key.verify(&nonce, &param("__path"), &param("__err"), &param("__sig"));
        if !genuine {
            return Redirect::to(&without_error(request.uri().path(), query)).into_response();
        }
        return next.run(request).await;
    }
    let is_form_post =
        request.method() == Method::POST && request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if is_form_post && response.status().is_redirection() {
        sign_location(&key, &mut response);
    }
    response
}

/// Adds `__sig` and the nonce cookie to a redirect that carries an error.
fn sign_location(key: &FormErrorKey, response: &mut Response) {
    let Some(location) = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return;
    };
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    let query = query.split('#').next().unwrap_or("");
    if !has_param(query, "__err") {
        return;
    }
    let nonce = marketplace::password::random_token(32);
    let sig = key.sign(
        &nonce,
        &param(query, "__path").unwrap_or_default(),
        &param(query, "__err").unwrap_or_default(),
    );
    let signed = format!("{location}&__sig={sig}");
    let cookie = format!(
        "{NONCE_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Lax; Max-Age={NONCE_MAX_AGE_SECS}"
    );
    match (
        HeaderValue::from_str(&signed),
        HeaderValue::from_str(&cookie),
    ) {
        (Ok(signed), Ok(cookie)) => {
            response.headers_mut().insert(LOCATION, signed);
            response.headers_mut().append(SET_COOKIE, cookie);
        }
        _ => {
            // Cannot happen for values we built; never let an unsigned error through.
            *response.status_mut() = StatusCode::SEE_OTHER;
            response.headers_mut().remove(LOCATION);
        }
    }
}

fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

fn has_param(query: &str, name: &str) -> bool {
    pairs(query).any(|(k, _)| k == name)
}

fn param(query: &str, name: &str) -> Option<String> {
    pairs(query).find(|(k, _)| k == name).map(|(_, v)| v)
}

/// `path?query` without the error parameters.
fn without_error(path: &str, query: &str) -> String {
    let kept: Vec<(String, String)> = pairs(query)
        .filter(|(k, _)| !ERROR_PARAMS.contains(&k.as_str()))
        .collect();
    // "//evil.example" must stay a path on this host.
    let path = format!("/{}", path.trim_start_matches('/'));
    if kept.is_empty() {
        return path;
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    format!("{path}?{query}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_nonce_path_and_error() {
        let key = FormErrorKey::new(Some("k"));
        let sig = key.sign("n", "/api/x", "e");
        assert!(key.verify("n", "/api/x", "e", &sig));
        assert!(!key.verify("m", "/api/x", "e", &sig));
        assert!(!key.verify("n", "/api/y", "e", &sig));
        assert!(!key.verify("n", "/api/x", "f", &sig));
        assert!(!key.verify("n", "/api/x", "e", "zz"));
        assert!(!FormErrorKey::new(Some("other")).verify("n", "/api/x", "e", &sig));
    }

    #[test]
    fn stripping_keeps_other_parameters_and_the_host() {
        assert_eq!(without_error("/cart", "__path=%2Fapi&__err=x"), "/cart");
        assert_eq!(
            without_error("/admin/orders", "status=paid&__err=x&__sig=y"),
            "/admin/orders?status=paid"
        );
        assert_eq!(
            without_error("//evil.example/", "__err=x"),
            "/evil.example/"
        );
    }
}
