//! How every list answers: a page of items and the cursor of the next page, in the body
//! (`next_cursor`) and in a `Link: <…>; rel="next"` header (RFC 8288) that repeats the
//! request's own filters.

use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use marketplace::api::{Page, PageRequest};

use super::problem::Problem;

/// The paging parameters every list takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items to return, 1 to 250 (50 when absent).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 250)]
    pub limit: Option<String>,
    /// Where to continue: the `next_cursor` of the previous page (opaque).
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, Problem> {
        let limit = match self.limit.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(
                raw.trim()
                    .parse::<i64>()
                    .map_err(|_| Problem::bad_request("limit", "Use a limit from 1 to 250."))?,
            ),
        };
        PageRequest::parse(limit, self.cursor.as_deref())
            .map_err(|err| Problem::bad_request(err.field().unwrap_or("query"), err.message()))
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Listing<T: ToSchema> {
    pub items: Vec<T>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema + Serialize> Listing<T> {
    /// The listing of `page`, its rows made into `T`, answered for `uri`.
    pub fn respond<R>(page: Page<R>, uri: &Uri, item: impl Fn(R) -> T) -> Response {
        let next = page.next.map(|cursor| cursor.encode());
        let link = next.as_deref().map(|cursor| next_link(uri, cursor));
        let listing = Listing {
            items: page.items.into_iter().map(item).collect(),
            next_cursor: next,
        };
        let mut response = Json(listing).into_response();
        if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(header::LINK, link);
        }
        response
    }
}

/// `<path?query with the next cursor>; rel="next"`, relative to the request.
fn next_link(uri: &Uri, cursor: &str) -> String {
    let query = uri.query().unwrap_or("");
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name != "cursor" {
            pairs.append_pair(&name, &value);
        }
    }
    pairs.append_pair("cursor", cursor);
    format!("<{}?{}>; rel=\"next\"", uri.path(), pairs.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_filters_and_replaces_the_cursor() {
        let uri: Uri = "/api/v1/orders?status=paid&cursor=old&limit=2"
            .parse()
            .unwrap();
        assert_eq!(
            next_link(&uri, "new"),
            "</api/v1/orders?status=paid&limit=2&cursor=new>; rel=\"next\""
        );
    }
}
