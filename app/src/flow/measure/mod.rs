//! Measuring a request's path, on the server. The tenant layer's stages come from the
//! moments it marked ([`LayerMarks`](marketplace::tenancy::LayerMarks)); the rest is
//! timed around the real calls: entering the store's transaction, the core call behind `/data/`, the
//! commit. A replay runs the layer's own steps — the same host parser, the shared
//! resolver and its cache — for a host typed on the page, in this process: nothing is
//! sent to that host.
//!
//! The entry points are here; [`path`] records one path stage by stage, and
//! [`store_read`] times the `/data/` call in one store's transaction.

mod path;
mod store_read;

use std::time::{Duration, Instant};

use marketplace::tenancy::{look_up_host, registry, HostLookup, SchemaName, TenantStatus};
use marketplace::{Error, Result};
use sqlx::PgPool;

use super::{FlowTrace, RoutedStore, Routing, RowLabel, StoreChoice};
use crate::ssr::{AppState, RequestSite};
use path::Run;
use store_read::StoreRead;

/// The path a replay pretends to request: the flow page itself, which every host serves.
const REPLAY_PATH: &str = "/flow";

/// When a stage started and ended.
type Span = (Instant, Instant);

/// Whose data the request-flow page may read for its caller: a store's visitor reads
/// that store only; platform staff (logged in on the public host) read any store;
/// anyone else on the public host reads no store's rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Reader {
    Store(SchemaName),
    PlatformStaff,
    Anonymous,
}

impl Reader {
    /// Whether this caller may see the rows of the store with `schema`.
    pub fn may_read(&self, schema: &SchemaName) -> bool {
        match self {
            Reader::Store(own) => own == schema,
            Reader::PlatformStaff => true,
            Reader::Anonymous => false,
        }
    }
}

/// The path of the request being served.
pub async fn trace(state: &AppState, site: &RequestSite, path: &str) -> Result<FlowTrace> {
    let run = Run::new(
        state,
        site.host.clone(),
        site.hostname.clone(),
        site.cache_hit,
        site.marks.received,
    );
    run.follow(path, Some(site.site.clone()), &site.marks).await
}

/// The path a request for `raw_host` would take, run here rather than sent there. A
/// store the caller may not read ([`Reader`]) is found but not entered.
pub async fn replay(state: &AppState, reader: &Reader, raw_host: &str) -> Result<FlowTrace> {
    let received = Instant::now();
    let host = raw_host.trim();
    if host.is_empty() {
        return Err(Error::invalid(
            "host",
            "Type a host, for example fashion.localhost:8000.",
        ));
    }
    if host.chars().count() > 260 {
        return Err(Error::invalid(
            "host",
            "That is too long for a host name (at most 253 characters).",
        ));
    }
    let Some(HostLookup {
        hostname,
        resolution,
        marks,
    }) = look_up_host(&state.resolver, host, received).await?
    else {
        return Err(Error::invalid(
            "host",
            format!(
                "“{}” is not a host name. Type it as a browser sends it in the Host header, \
                 for example fashion.localhost:8000 — no http://, no path.",
                host.escape_debug()
            ),
        ));
    };
    let run = Run::new(
        state,
        host.to_owned(),
        hostname,
        resolution.cache_hit,
        received,
    );
    run.replaying_for(reader.clone())
        .follow(REPLAY_PATH, resolution.site, &marks)
        .await
}

/// The active stores, reachable with the port the visitor uses.
pub async fn stores(state: &AppState, port_suffix: &str) -> Result<Vec<StoreChoice>> {
    Ok(registry::list(&state.pool)
        .await?
        .into_iter()
        .filter(|t| t.status == TenantStatus::Active)
        .map(|t| StoreChoice {
            host: format!("{}{port_suffix}", t.primary_domain),
            name: t.name,
            schema: t.schema_name.to_string(),
        })
        .collect())
}

/// The call behind `/data/` in two stores (given by schema name), side by side; each
/// must be one the caller may read ([`Reader`]).
pub async fn compare(
    state: &AppState,
    reader: &Reader,
    left: &str,
    right: &str,
) -> Result<Routing> {
    Ok(Routing {
        left: route(&state.pool, reader, left).await?,
        right: route(&state.pool, reader, right).await?,
    })
}

/// The call behind `/data/` in one store, if the caller may read it and it is served.
async fn route(pool: &PgPool, reader: &Reader, raw_schema: &str) -> Result<RoutedStore> {
    let schema = SchemaName::parse(raw_schema.trim())?;
    if !reader.may_read(&schema) {
        return Err(Error::Forbidden(
            "Comparing stores reads their data: it is for platform staff, logged in on the \
             platform's own address."
                .into(),
        ));
    }
    let tenant = registry::get_by_schema(pool, &schema).await?;
    if tenant.status != TenantStatus::Active {
        return Err(Error::Rejected(format!(
            "{} is suspended: its data is not served.",
            tenant.name
        )));
    }
    let read = StoreRead::run(pool, &tenant.schema_name).await?;
    Ok(RoutedStore {
        name: tenant.name,
        schema: tenant.schema_name.to_string(),
        switch_us: micros(read.switch.1 - read.switch.0),
        query_us: micros(read.query.1 - read.query.0),
        products: read.products.iter().map(RowLabel::from).collect(),
        orders: read.orders.iter().map(RowLabel::from).collect(),
        switch_sql: read.switch_sql,
        search_path: read.search_path,
        statements: read.statements,
    })
}

/// A duration in whole microseconds, as the trace reports it.
fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}
