//! Server-side plumbing shared by every server function: the application state and the
//! store the request's host resolved to (put in the request's extensions by the
//! server's tenant layer, read back here with `leptos_axum::extract`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use axum::Extension;
use leptos::prelude::*;
use marketplace::tenancy::{Hostname, Resolver, Site, Tenant, TenantTx};
use sqlx::PgPool;

use crate::error::AppError;

/// Everything a request handler may need, provided to server functions as context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub resolver: Arc<Resolver>,
}

/// The site a request was resolved to, with how the resolution went.
#[derive(Clone, Debug)]
pub struct RequestSite {
    /// The `Host` header as received, port included (`techstore.localhost:8000`).
    pub host: String,
    /// The normalised host name that was looked up.
    pub hostname: Hostname,
    pub site: Site,
    /// Whether the host was answered from the resolver's cache.
    pub cache_hit: bool,
    /// Time spent resolving the host.
    pub lookup_time: Duration,
}

impl RequestSite {
    pub fn tenant(&self) -> Option<&Arc<Tenant>> {
        match &self.site {
            Site::Store(tenant) => Some(tenant),
            Site::Public => None,
        }
    }

    /// The schema name this request works in: the store's, or `public`.
    pub fn schema_label(&self) -> &str {
        match &self.site {
            Site::Store(tenant) => tenant.schema_name.as_str(),
            Site::Public => "public",
        }
    }

    /// `:8000` when the request named a port, else empty: store links keep the port the
    /// visitor is using.
    pub fn port_suffix(&self) -> &str {
        match self.host.rfind(':') {
            Some(i) if !self.host.ends_with(']') && self.host[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
                &self.host[i..]
            }
            _ => "",
        }
    }
}

/// The application state, inside a server function.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

/// The request's resolved site, inside a server function.
pub async fn site() -> Result<RequestSite, AppError> {
    let Extension(site) = leptos_axum::extract::<Extension<RequestSite>>().await.map_err(|err| {
        tracing::error!(error = %err, "request reached a server function without a resolved site");
        AppError::Internal
    })?;
    Ok(site)
}

/// The request's store, or [`AppError::NoStore`] on the public host.
pub async fn store() -> Result<(AppState, Arc<Tenant>), AppError> {
    let site = site().await?;
    let tenant = site.tenant().cloned().ok_or(AppError::NoStore)?;
    Ok((state()?, tenant))
}

/// A read-only transaction in the request's store.
pub async fn read() -> Result<TenantTx, AppError> {
    let (state, tenant) = store().await?;
    Ok(TenantTx::begin_read_only(&state.pool, &tenant.schema_name).await?)
}

/// A read-write transaction in the request's store.
pub async fn write() -> Result<TenantTx, AppError> {
    let (state, tenant) = store().await?;
    Ok(TenantTx::begin(&state.pool, &tenant.schema_name).await?)
}
