//! What the router answered: status, headers and body, with the readers the tests
//! need (JSON, the tenant schema, the redirect target, the cookies set).

use axum::body::Body;
use axum::http::{header, HeaderMap, Response, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;

/// What the router answered, with the body read to text.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub(super) async fn collect(response: Response<Body>) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// The body as JSON; fails the test with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The store schema the tenant layer reported for the request.
    pub fn schema(&self) -> Option<&str> {
        self.headers
            .get("x-tenant-schema")
            .and_then(|v| v.to_str().ok())
    }

    /// Where a redirect points (empty when it is none).
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// Every `Set-Cookie` of the reply, whole.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The `name=value` of the cookie `name` the reply sets (not a deletion), checking
    /// what every cookie of ours must be: HttpOnly, SameSite=Lax, for the whole site
    /// and host-only (no `Domain`, so it never reaches another store's host).
    pub fn cookie(&self, name: &str) -> Option<String> {
        let set = self
            .set_cookies()
            .into_iter()
            .find(|v| v.starts_with(&format!("{name}=")) && !v.contains("Max-Age=0"))?;
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
            "{set}"
        );
        assert!(
            !set.to_lowercase().contains("domain="),
            "host-only cookie: {set}"
        );
        Some(set.split(';').next().unwrap().to_owned())
    }

    /// The store session cookie the reply must set.
    pub fn session_cookie(&self) -> String {
        self.cookie("mkt_session").expect("a session cookie")
    }
}
