//! A store's JSON: `/data/`, `/request-flow/`, `/db-routing/` — the same code on every
//! store host, answering with that store's data only.

use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Serialize;

use app::flow::{self, FlowStep};
use app::ssr::{AppState, RequestSite};
use marketplace::money::Money;
use marketplace::tenancy::{self, explain, registry, Tenant};
use marketplace::{accounts, catalog, orders};

use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for path in super::both("/data") {
        router = router.route(&path, get(data));
    }
    router
}

/// The introspection endpoints, served only with demo endpoints on.
pub fn demo_router() -> Router<AppState> {
    let mut router = Router::new();
    for path in super::both("/request-flow") {
        router = router.route(&path, get(request_flow));
    }
    for path in super::both("/db-routing") {
        router = router.route(&path, get(db_routing));
    }
    router
}

fn store_of(site: &RequestSite) -> Result<Arc<Tenant>, ApiError> {
    site.tenant().cloned().ok_or_else(|| {
        ApiError::not_found(format!(
            "This address is the public site; store data lives on a store's host, e.g. http://techstore.localhost{}/data/",
            site.port_suffix()
        ))
    })
}

#[derive(Serialize)]
struct Data {
    tenant_info: TenantInfo,
    products: Vec<ProductRow>,
    orders: Vec<OrderRow>,
    counts: Counts,
}

#[derive(Serialize)]
struct TenantInfo {
    name: String,
    schema: String,
    domain: String,
}

#[derive(Serialize)]
struct ProductRow {
    name: String,
    price: String,
}

#[derive(Serialize)]
struct OrderRow {
    order_number: String,
    total: String,
}

#[derive(Serialize)]
struct Counts {
    products: usize,
    orders: usize,
}

async fn data(
    State(state): State<AppState>,
    Extension(site): Extension<RequestSite>,
) -> Result<Json<Data>, ApiError> {
    let tenant = store_of(&site)?;
    // One round trip: the store's read-only transaction, both reads, its commit.
    let (products, orders) = tenancy::read(
        &state.stores,
        &tenant.schema_name,
        (catalog::all_products(), orders::all_orders()),
    )
    .await?;
    Ok(Json(Data {
        tenant_info: TenantInfo {
            name: tenant.name.clone(),
            schema: tenant.schema_name.to_string(),
            domain: site.host.clone(),
        },
        counts: Counts {
            products: products.len(),
            orders: orders.len(),
        },
        products: products
            .into_iter()
            .map(|p| ProductRow {
                name: p.name,
                price: Money(p.price).to_string(),
            })
            .collect(),
        orders: orders
            .into_iter()
            .map(|o| OrderRow {
                order_number: o.order_number,
                total: Money(o.total).to_string(),
            })
            .collect(),
    }))
}

#[derive(Serialize)]
struct RequestFlow {
    current_state: CurrentState,
    request_flow: Vec<FlowStep>,
}

#[derive(Serialize)]
struct CurrentState {
    domain: String,
    tenant: String,
    schema: String,
    is_public: bool,
}

/// The seed's answer, from the same measured trace the `/flow` page draws: every step
/// gains when it started and how long it took.
async fn request_flow(
    State(state): State<AppState>,
    Extension(site): Extension<RequestSite>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<RequestFlow>, ApiError> {
    let trace = flow::trace(&state, &site, uri.path()).await?;
    Ok(Json(RequestFlow {
        request_flow: flow::steps(&trace),
        current_state: CurrentState {
            domain: trace.host,
            tenant: trace.tenant.unwrap_or_else(|| "No tenant".to_owned()),
            schema: trace.schema.unwrap_or_default(),
            is_public: trace.is_public,
        },
    }))
}

#[derive(Serialize)]
struct DbRouting {
    routing_explanation: RoutingExplanation,
    current_tenant_data: TenantCounts,
}

#[derive(Serialize)]
struct RoutingExplanation {
    current_schema: String,
    how_routing_works: HowRoutingWorks,
}

#[derive(Serialize)]
struct HowRoutingWorks {
    step1: String,
    step2: String,
    step3: String,
}

#[derive(Serialize)]
struct TenantCounts {
    products_count: i64,
    users_count: i64,
    all_tenants_count: i64,
}

async fn db_routing(
    State(state): State<AppState>,
    Extension(site): Extension<RequestSite>,
) -> Result<Json<DbRouting>, ApiError> {
    let tenant = store_of(&site)?;
    let schema = tenant.schema_name.as_str();
    let (products_count, users_count) = tenancy::read(
        &state.stores,
        &tenant.schema_name,
        (catalog::product_count(), accounts::user_count()),
    )
    .await?;
    let all_tenants_count = registry::count(&state.pool).await?;
    Ok(Json(DbRouting {
        routing_explanation: RoutingExplanation {
            current_schema: schema.to_owned(),
            how_routing_works: {
                let [step1, step2, step3] = explain::routing_steps(&tenant.schema_name);
                HowRoutingWorks {
                    step1,
                    step2,
                    step3,
                }
            },
        },
        current_tenant_data: TenantCounts {
            products_count,
            users_count,
            all_tenants_count,
        },
    }))
}
