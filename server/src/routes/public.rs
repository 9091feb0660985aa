//! The public schema's JSON: the landing answer (`/` on a public host) and
//! `/schema-info/` (on every host).

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Serialize;

use app::ssr::{AppState, RequestSite};
use marketplace::tenancy::registry;

use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for path in super::both("/schema-info") {
        router = router.route(&path, get(schema_info));
    }
    router
}

#[derive(Serialize)]
pub struct Landing {
    message: &'static str,
    info: String,
    available_tenants: Vec<String>,
}

/// `/` on a public host.
pub async fn landing(state: &AppState, site: &RequestSite) -> Result<Json<Landing>, ApiError> {
    let port = site.port_suffix();
    let tenants = registry::list(&state.pool).await?;
    // Store hosts are subdomains of a host name, so an IP literal makes a poor example.
    let example_base = if site.hostname.as_str().parse::<std::net::IpAddr>().is_ok()
        || site.hostname.as_str().starts_with('[')
    {
        format!("localhost{port}")
    } else {
        site.host.clone()
    };
    Ok(Json(Landing {
        message: "This is the public schema",
        info: format!("Access tenant sites using subdomain.{example_base}"),
        available_tenants: tenants
            .iter()
            .map(|t| format!("http://{}{port}", t.primary_domain))
            .collect(),
    }))
}

#[derive(Serialize)]
struct SchemaInfo {
    current_schema: String,
    tenant: String,
    domain: String,
    all_tenants: Vec<TenantName>,
}

#[derive(Serialize)]
struct TenantName {
    name: String,
    schema_name: String,
}

async fn schema_info(
    State(state): State<AppState>,
    Extension(site): Extension<RequestSite>,
) -> Result<Json<SchemaInfo>, ApiError> {
    let tenants = registry::list(&state.pool).await?;
    Ok(Json(SchemaInfo {
        current_schema: site.schema_label().to_owned(),
        tenant: site
            .tenant()
            .map_or_else(|| "No tenant".to_owned(), |t| t.name.clone()),
        domain: site.host.clone(),
        all_tenants: tenants
            .into_iter()
            .map(|t| TenantName {
                name: t.name,
                schema_name: t.schema_name.to_string(),
            })
            .collect(),
    }))
}
