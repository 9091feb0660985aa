//! Who is calling: the `Authorization: Bearer <key>` of every API request, looked up
//! in the schema of the store whose host the request came to — so another store's key,
//! whatever it claims, finds nothing and is refused (401) — then its rate limit, then
//! (in each handler) its scope.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use app::ssr::{AppState, RequestSite};
use marketplace::api::{keys, ApiKey, Scope};
use marketplace::tenancy::{Tenant, TenantTx};

use super::problem::Problem;
use super::rate::RateLimiter;

/// The store and the key of an authenticated API request.
#[derive(Clone)]
pub struct Caller {
    pub tenant: Arc<Tenant>,
    pub key: ApiKey,
}

impl Caller {
    /// Refuses (403) a key without `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.key.allows(scope) {
            return Ok(());
        }
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "insufficient-scope",
            format!("This API key lacks the {} scope.", scope.as_str()),
        )
        .with_field("scope"))
    }

    /// A read-write transaction in the caller's store.
    pub async fn write(&self, state: &AppState) -> Result<TenantTx, Problem> {
        Ok(TenantTx::begin(&state.stores, &self.tenant.schema_name).await?)
    }

    /// A read-only transaction in the caller's store.
    pub async fn read(&self, state: &AppState) -> Result<TenantTx, Problem> {
        Ok(TenantTx::begin_read_only(&state.stores, &self.tenant.schema_name).await?)
    }
}

/// The middleware in front of every API route but the spec: authenticates, takes a
/// token from the key's bucket, and reports the bucket on the answer.
pub async fn authenticate(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<RateLimiter>>,
    Extension(site): Extension<RequestSite>,
    mut request: Request,
    next: Next,
) -> Response {
    let authorization = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let caller = match identify(&state, &site, authorization.as_deref()).await {
        Ok(caller) => caller,
        Err(problem) => return problem.into_response(),
    };
    let rate = limiter.take(caller.tenant.id, caller.key.id);
    let mut response = match rate.retry_after_secs {
        Some(secs) => Problem {
            retry_after: Some(secs),
            ..Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!("This API key has used its requests for now; try again in {secs} s."),
            )
        }
        .into_response(),
        None => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
    };
    rate.write_headers(response.headers_mut());
    response
}

async fn identify(
    state: &AppState,
    site: &RequestSite,
    authorization: Option<&str>,
) -> Result<Caller, Problem> {
    let Some(tenant) = site.tenant() else {
        return Err(Problem::not_found(
            "The API is served on a store's host, e.g. techstore.localhost.",
        ));
    };
    let presented = authorization
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| {
            Problem::unauthorized("Send an API key as Authorization: Bearer <key>.")
                .with_field("Authorization")
        })?;
    let mut tx = TenantTx::begin(&state.stores, &tenant.schema_name).await?;
    let key = keys::authenticate(&mut tx, presented).await?;
    tx.commit().await?;
    let key = key.ok_or_else(|| {
        Problem::unauthorized("This API key is not valid for this store, or it was revoked.")
            .with_field("Authorization")
    })?;
    Ok(Caller {
        tenant: tenant.clone(),
        key,
    })
}
