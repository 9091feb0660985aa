//! The cookies we read and write: reading one by name from the request, and setting or
//! clearing one on the response. Every cookie we set is `HttpOnly` (no page script
//! reads it), `SameSite=Lax` (no other site's form posts carry it) and host-only (no
//! `Domain`, so it goes back to the host that set it alone: a store's cookie never
//! reaches another store, even under the same parent domain). The tenant layer adds
//! `Secure` over TLS.

use leptos::prelude::use_context;

/// The value of the request's cookie `name`, if the browser sent one (inside a server
/// function or a page render).
pub async fn get(name: &str) -> Option<String> {
    let headers = leptos_axum::extract::<http::HeaderMap>().await.ok()?;
    get_in(&headers, name)
}

/// The value of cookie `name` among `headers`' `Cookie` headers.
pub fn get_in(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value that sets `name` to `value` for `max_age_secs` (`0`: tells
/// the browser to forget it).
pub fn header(name: &str, value: &str, max_age_secs: u64) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}")
}

/// Sets the cookie `name` on the response being built, kept for `max_age_secs`.
pub fn set(name: &str, value: &str, max_age_secs: u64) {
    append(&header(name, value, max_age_secs));
}

/// Tells the browser to forget the cookie `name`.
pub fn clear(name: &str) {
    append(&header(name, "", 0));
}

fn append(header: &str) {
    if let (Some(response), Ok(header)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(header),
    ) {
        response.append_header(http::header::SET_COOKIE, header);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_only() {
        let mut headers = http::HeaderMap::new();
        headers.append(
            http::header::COOKIE,
            "a=1; mkt_session=abc".parse().unwrap(),
        );
        headers.append(http::header::COOKIE, "other=x".parse().unwrap());
        assert_eq!(get_in(&headers, "mkt_session").as_deref(), Some("abc"));
        assert_eq!(get_in(&headers, "other").as_deref(), Some("x"));
        assert_eq!(get_in(&headers, "session"), None);
    }

    #[test]
    fn set_cookies_are_http_only_lax_and_host_only() {
        assert_eq!(
            header("mkt_session", "t0k", 60),
            "mkt_session=t0k; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        assert_eq!(
            header("mkt_session", "", 0),
            "mkt_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        );
    }
}
