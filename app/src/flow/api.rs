//! The flow page's server functions (`/api/flow/…`): thin adapters that find out who
//! is asking, call the measuring code (`flow/measure/`) and hand its serialisable
//! results to the page. A replay and a comparison run here, on the server, so no
//! request ever goes to another store's host with this browser's cookies.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{FlowTrace, Routing, StoreChoice};
use crate::error::AppError;

/// What the page opens with: this request's path, the stores to choose from, and the
/// routing of the first two of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowOverview {
    pub trace: FlowTrace,
    pub stores: Vec<StoreChoice>,
    /// Whether the caller may compare stores side by side (platform staff only).
    pub can_compare: bool,
    pub routing: Option<Routing>,
}

/// Who is asking, for the flow page's rules on whose data it reads.
#[cfg(feature = "ssr")]
async fn reader(site: &crate::ssr::RequestSite) -> super::Reader {
    match site.tenant() {
        Some(tenant) => super::Reader::Store(tenant.schema_name.clone()),
        None if crate::admin::ssr::platform_staff().await.is_ok() => super::Reader::PlatformStaff,
        None => super::Reader::Anonymous,
    }
}

/// This request's path, measured, with the page's choices.
#[server(endpoint = "flow/overview")]
pub async fn load_flow() -> Result<FlowOverview, AppError> {
    use axum::extract::OriginalUri;
    let state = crate::ssr::state()?;
    let site = crate::ssr::site().await?;
    let OriginalUri(uri) = leptos_axum::extract::<OriginalUri>().await.map_err(|err| {
        tracing::error!(error = %err, "a server function without its request's URI");
        AppError::Internal
    })?;
    let trace = super::trace(&state, &site, uri.path()).await?;
    let stores = super::stores(&state, &site.port_suffix()).await?;
    let reader = reader(&site).await;
    let can_compare = reader == super::Reader::PlatformStaff;
    let routing = match stores.as_slice() {
        [first, second, ..] if can_compare => {
            Some(super::compare(&state, &reader, &first.schema, &second.schema).await?)
        }
        _ => None,
    };
    Ok(FlowOverview {
        trace,
        stores,
        can_compare,
        routing,
    })
}

/// The path a request for `host` would take. It runs here, on the server: no request goes
/// to that host, so this browser's cookies never reach another store.
#[server(endpoint = "flow/replay")]
pub async fn replay_host(host: String) -> Result<FlowTrace, AppError> {
    let state = crate::ssr::state()?;
    if !state.demo_endpoints {
        return Err(AppError::NotFound("page".into()));
    }
    let site = crate::ssr::site().await?;
    Ok(super::replay(&state, &reader(&site).await, &host).await?)
}

/// The call behind `/data/` in the stores with schemas `left` and `right`.
#[server(endpoint = "flow/routing")]
pub async fn compare_stores(left: String, right: String) -> Result<Routing, AppError> {
    let state = crate::ssr::state()?;
    let site = crate::ssr::site().await?;
    Ok(super::compare(&state, &reader(&site).await, &left, &right).await?)
}
