//! The OpenAPI document's frame: title, the bearer-key security scheme, and the
//! problem answers every operation may give, added to each operation in one place
//! rather than repeated on every handler.

use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};
use utoipa::IntoParams;

use super::problem::{self, Problem};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Marketplace store API",
        version = "1",
        description = "A store's products, orders, customers and settings. Every request \
                       is made to the store's own host with `Authorization: Bearer <key>`; \
                       a key works on the store that issued it only. Lists are paged with \
                       `limit` and the opaque `cursor` of the previous page (also in \
                       `Link: rel=\"next\"`). Errors are RFC 9457 problem details. POSTs \
                       accept an `Idempotency-Key`."
    ),
    components(schemas(Problem))
)]
pub struct ApiDoc;

/// `Idempotency-Key`, accepted by every POST.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Only describes the header in the spec.
pub struct IdempotencyKey {
    /// A unique value per intended change (a UUID, say): a retry with the same key and
    /// request gets the first answer again, for 24 hours.
    #[param(rename = "Idempotency-Key", min_length = 1, max_length = 255)]
    idempotency_key: Option<String>,
}

/// The problems any operation may answer with, and those only writes may.
const ANY: [(&str, &str); 6] = [
    (
        "400",
        "A query parameter, path parameter or header cannot be read.",
    ),
    (
        "401",
        "No API key, or one this store does not know (or has revoked).",
    ),
    ("403", "The API key lacks the scope this operation needs."),
    ("404", "No such thing in this store."),
    (
        "429",
        "The API key's rate limit is used up; see Retry-After.",
    ),
    ("500", "The server failed; the detail is in its log."),
];
const WRITES: [(&str, &str); 4] = [
    ("409", "The change conflicts with the thing's state, or a request with the same Idempotency-Key is still running."),
    ("413", "The body is too large."),
    ("415", "The body is not application/json."),
    ("422", "A value breaks a rule (`field` names it), or the Idempotency-Key was used for another request."),
];

/// Adds what every operation shares: the security scheme and the problem answers. Runs
/// on the whole document, once every route is in it (a `#[openapi(modifiers)]` would run
/// before `utoipa_axum` adds the routes).
pub fn finish(openapi: &mut OpenApi) {
    {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for (status, description) in ANY.iter().chain(WRITES.iter()) {
            let response = ResponseBuilder::new()
                .description(*description)
                .content(
                    problem::CONTENT_TYPE,
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                )
                .build();
            components
                .responses
                .insert(format!("Problem{status}"), RefOr::T(response));
        }
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (HttpMethod::Get, &mut item.get),
                (HttpMethod::Post, &mut item.post),
                (HttpMethod::Patch, &mut item.patch),
                (HttpMethod::Delete, &mut item.delete),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    add_problems(operation, method != HttpMethod::Get);
                }
            }
        }
    }
}

fn add_problems(operation: &mut Operation, writes: bool) {
    let statuses = ANY
        .iter()
        .chain(WRITES.iter().filter(|_| writes))
        .map(|(status, _)| *status);
    for status in statuses {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(format!("Problem{status}"))));
    }
}
