//! The requests the tests send, shaped as a browser, the hydrated app or a forger
//! sends them.

use axum::body::Body;
use axum::http::{header, Request};

/// A GET as a browser sends it, with an optional cookie.
pub fn get_request(host: &str, path: &str, cookie: Option<&str>) -> Request<Body> {
    with_cookie(Request::get(path).header(header::HOST, host), cookie)
        .body(Body::empty())
        .unwrap()
}

/// A server function call as the hydrated app makes it (form body, JSON back, the
/// page's own `Origin`), from a page of `host`.
pub fn server_fn_request(
    host: &str,
    function: &str,
    body: &str,
    cookie: Option<&str>,
) -> Request<Body> {
    let request = Request::post(format!("/api/{function}"))
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, format!("http://{host}"));
    with_cookie(request, cookie)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// A no-JavaScript form post to `path` from the page `from` of `host` (HTML accepted,
/// the page's `Origin` and `Referer`).
pub fn form_request(
    host: &str,
    path: &str,
    body: &str,
    cookie: Option<&str>,
    from: &str,
) -> Request<Body> {
    let request = Request::post(path)
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, format!("http://{host}"))
        .header(header::REFERER, format!("http://{host}{from}"));
    with_cookie(request, cookie)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// A post to `path` of `host` carrying the given `Origin` (or none) and no `Referer`,
/// as a forged cross-site form or a script on another page sends it; add a `Referer`
/// to the result when the case needs one.
pub fn foreign_request(
    host: &str,
    path: &str,
    body: &str,
    origin: Option<&str>,
    cookie: Option<&str>,
) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    with_cookie(request, cookie)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn with_cookie(
    request: axum::http::request::Builder,
    cookie: Option<&str>,
) -> axum::http::request::Builder {
    match cookie {
        Some(cookie) => request.header(header::COOKIE, cookie),
        None => request,
    }
}

/// `fields` as an `application/x-www-form-urlencoded` body.
pub fn encode_form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}
