//! Measuring a request's path, on the server. The tenant layer's stages come from the
//! moments it marked ([`LayerMarks`]); the rest is timed around the real calls: entering
//! the store's transaction, the core call behind `/data/`, the commit. A replay runs the
//! layer's own steps — the same host parser, the shared resolver and its cache — for a
//! host typed on the page, in this process: nothing is sent to that host.

use std::time::{Duration, Instant};

use marketplace::catalog::{self, Product};
use marketplace::orders::{self, Order};
use marketplace::tenancy::{
    explain, registry, Hostname, SchemaName, Site, Tenant, TenantStatus, TenantTx,
};
use marketplace::{db, Error, Result};
use sqlx::PgPool;

use super::{
    count, FlowTrace, Outcome, RoutedStore, Routing, RowLabel, Stage, StageKind, StoreChoice,
};
use crate::ssr::{look_up_host, AppState, HostLookup, LayerMarks, RequestSite};

/// The path a replay pretends to request: the flow page itself, which every host serves.
const REPLAY_PATH: &str = "/flow";

/// The path of the request being served.
pub async fn trace(state: &AppState, site: &RequestSite, path: &str) -> Result<FlowTrace> {
    let run = Run::new(
        state,
        site.host.clone(),
        site.hostname.clone(),
        site.cache_hit,
        false,
        site.marks.received,
    );
    run.follow(path, Some(site.site.clone()), &site.marks).await
}

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
    pub fn may_read(&self, schema: &SchemaName) -> bool {
        match self {
            Reader::Store(own) => own == schema,
            Reader::PlatformStaff => true,
            Reader::Anonymous => false,
        }
    }
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
    let mut run = Run::new(
        state,
        host.to_owned(),
        hostname,
        resolution.cache_hit,
        true,
        received,
    );
    run.reader = Some(reader.clone());
    run.follow(REPLAY_PATH, resolution.site, &marks).await
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
        products: read
            .products
            .iter()
            .map(|p| RowLabel {
                id: p.id,
                label: p.name.clone(),
            })
            .collect(),
        orders: read
            .orders
            .iter()
            .map(|o| RowLabel {
                id: o.id,
                label: o.order_number.clone(),
            })
            .collect(),
        switch_sql: read.switch_sql,
        search_path: read.search_path,
        statements: read.statements,
    })
}

/// The core call behind `/data/` in one store's read-only transaction, timed.
struct StoreRead {
    /// `BEGIN; SET LOCAL search_path` (start, end).
    switch: (Instant, Instant),
    switch_sql: String,
    search_path: String,
    /// `catalog::list` and `orders::list` (start, end).
    query: (Instant, Instant),
    statements: Vec<String>,
    products: Vec<Product>,
    orders: Vec<Order>,
    committed: Instant,
}

impl StoreRead {
    async fn run(pool: &PgPool, schema: &SchemaName) -> Result<Self> {
        let switch_start = Instant::now();
        let mut tx = TenantTx::begin_read_only(pool, schema).await?;
        // `switch_time` is measured inside `begin`, after `switch_start`.
        let switch = (switch_start, switch_start + tx.switch_time());
        let search_path = tx.search_path().await?;
        let query_start = Instant::now();
        let products = catalog::list(&mut tx).await?;
        let orders = orders::list(&mut tx).await?;
        let query = (query_start, Instant::now());
        let switch_sql = tx.switch_statement();
        tx.commit().await?;
        Ok(StoreRead {
            switch,
            switch_sql,
            search_path,
            query,
            statements: vec![catalog::LIST_SQL.to_owned(), orders::LIST_SQL.to_owned()],
            products,
            orders,
            committed: Instant::now(),
        })
    }
}

/// A path being recorded.
struct Run<'a> {
    state: &'a AppState,
    host: String,
    hostname: Hostname,
    cache_hit: bool,
    replayed: bool,
    /// When the request arrived: every offset counts from here.
    origin: Instant,
    stages: Vec<Stage>,
    last_end: Instant,
    /// Whose data a replay may read (`None`: the request's own path, always its own).
    reader: Option<Reader>,
}

/// What a finished path reports besides its stages.
struct Ending {
    is_public: bool,
    tenant: Option<String>,
    schema: Option<String>,
    search_path: Option<String>,
    status: u16,
}

impl<'a> Run<'a> {
    fn new(
        state: &'a AppState,
        host: String,
        hostname: Hostname,
        cache_hit: bool,
        replayed: bool,
        origin: Instant,
    ) -> Self {
        Run {
            state,
            host,
            hostname,
            cache_hit,
            replayed,
            origin,
            stages: Vec::new(),
            last_end: origin,
            reader: None,
        }
    }

    fn record(
        &mut self,
        kind: StageKind,
        outcome: Outcome,
        (start, end): (Instant, Instant),
        details: String,
        observed: String,
        sql: Vec<String>,
    ) {
        self.stages.push(Stage {
            step: self.stages.len() as u32 + 1,
            kind,
            details,
            observed,
            outcome,
            started_us: micros(start.saturating_duration_since(self.origin)),
            duration_us: micros(end.saturating_duration_since(start)),
            sql,
        });
        self.last_end = self.last_end.max(end);
    }

    /// Records the tenant layer's stages, then follows the path the resolution chose.
    async fn follow(
        mut self,
        path: &str,
        site: Option<Site>,
        marks: &LayerMarks,
    ) -> Result<FlowTrace> {
        let host = self.host.clone();
        let hostname = self.hostname.clone();
        let port = Hostname::from_host_header_with_port(&host).and_then(|(_, port)| port);
        let received = if self.replayed {
            format!(
                "Replayed here, as a request for http://{host}{path} would run. Nothing was sent to \
                 that host, so no cookie of this browser went with it."
            )
        } else {
            format!("Host header “{host}”, path {path}")
        };
        self.record(
            StageKind::Received,
            Outcome::Done,
            (marks.received, marks.host_read),
            format!("Domain: {host}, Path: {path}"),
            received,
            vec![],
        );
        self.record(
            StageKind::Middleware,
            Outcome::Done,
            (marks.host_read, marks.host_parsed),
            "Middleware extracts domain from request".to_owned(),
            format!(
                "“{host}” → host name {hostname}: port dropped, case folded, trailing dot ignored"
            ),
            vec![],
        );
        let public = self.state.resolver.public_hosts().contains(&hostname);
        let (outcome, observed, sql) = match (public, self.cache_hit) {
            (true, _) => (
                Outcome::Done,
                format!("{hostname} is one of the platform's public hosts: no lookup needed"),
                vec![],
            ),
            (false, true) => (
                Outcome::CacheHit,
                "Answered from the resolver's in-memory cache: no query ran".to_owned(),
                vec![],
            ),
            (false, false) => (
                Outcome::CacheMiss,
                "Not cached yet: looked up in public.domains; the answer is cached until the registry changes"
                    .to_owned(),
                vec![registry::FIND_BY_DOMAIN_SQL.to_owned()],
            ),
        };
        self.record(
            StageKind::Lookup,
            outcome,
            (marks.host_parsed, marks.resolved),
            explain::domain_lookup(&hostname, port),
            observed,
            sql,
        );
        let found = (marks.resolved, marks.admitted);
        match site {
            None => Ok(self.no_store(found)),
            Some(Site::Public) => self.public(found).await,
            Some(Site::Store(tenant)) if tenant.status != TenantStatus::Active => {
                Ok(self.suspended(&tenant, found))
            }
            Some(Site::Store(tenant))
                if self
                    .reader
                    .as_ref()
                    .is_some_and(|r| !r.may_read(&tenant.schema_name)) =>
            {
                Ok(self.not_readable(&tenant, found))
            }
            Some(Site::Store(tenant)) => self.store(&tenant, found).await,
        }
    }

    async fn store(mut self, tenant: &Tenant, found: (Instant, Instant)) -> Result<FlowTrace> {
        let schema = tenant.schema_name.as_str();
        self.record(
            StageKind::TenantFound,
            Outcome::Done,
            found,
            format!("Tenant: {}, Schema: {schema}", tenant.name),
            format!("{}, schema {schema}", tenant.name),
            vec![],
        );
        let read = StoreRead::run(&self.state.pool, &tenant.schema_name).await?;
        self.record(
            StageKind::SchemaSwitch,
            Outcome::Done,
            read.switch,
            explain::search_path_switch(Some(&tenant.schema_name)),
            format!(
                "BEGIN and SET LOCAL in one round trip; inside the transaction PostgreSQL reports \
                 search_path = {}",
                read.search_path
            ),
            vec![read.switch_sql.clone()],
        );
        self.record(
            StageKind::Query,
            Outcome::Done,
            read.query,
            "catalog::list and orders::list (the call behind /data/)".to_owned(),
            format!(
                "catalog::list → {}, orders::list → {} (the call behind /data/)",
                count(read.products.len(), "product"),
                count(read.orders.len(), "order")
            ),
            read.statements.clone(),
        );
        self.record(
            StageKind::Response,
            Outcome::Done,
            (read.query.1, read.committed),
            "200 OK".to_owned(),
            "200 OK. COMMIT ended the transaction, and its SET LOCAL search_path with it"
                .to_owned(),
            vec![],
        );
        Ok(self.finish(Ending {
            is_public: false,
            tenant: Some(tenant.name.clone()),
            schema: Some(schema.to_owned()),
            search_path: Some(read.search_path),
            status: 200,
        }))
    }

    async fn public(mut self, found: (Instant, Instant)) -> Result<FlowTrace> {
        let hostname = self.hostname.clone();
        self.record(
            StageKind::PublicHost,
            Outcome::Done,
            found,
            format!("{hostname} serves the platform, not a store"),
            "The platform's own site: it reads the shared tables of the public schema".to_owned(),
            vec![],
        );
        let probe_start = Instant::now();
        let search_path = db::search_path(&self.state.pool).await?;
        self.record(
            StageKind::SchemaSwitch,
            Outcome::Skipped,
            (probe_start, probe_start),
            explain::search_path_switch(None),
            format!(
                "No switch: a pooled connection keeps search_path = {search_path}, and shared tables \
                 are always named public.<table>"
            ),
            vec![],
        );
        let query_start = Instant::now();
        let stores = registry::list(&self.state.pool).await?;
        let query_end = Instant::now();
        self.record(
            StageKind::Query,
            Outcome::Done,
            (query_start, query_end),
            "registry::list (the call behind /schema-info/)".to_owned(),
            format!(
                "registry::list → {} (the call behind /schema-info/)",
                count(stores.len(), "store")
            ),
            vec![registry::LIST_SQL.to_owned()],
        );
        self.record(
            StageKind::Response,
            Outcome::Done,
            (query_end, Instant::now()),
            "200 OK".to_owned(),
            "200 OK. No transaction to end: nothing changed the connection's search_path"
                .to_owned(),
            vec![],
        );
        Ok(self.finish(Ending {
            is_public: true,
            tenant: None,
            schema: Some("public".to_owned()),
            search_path: Some(search_path),
            status: 200,
        }))
    }

    fn no_store(mut self, found: (Instant, Instant)) -> FlowTrace {
        let hostname = self.hostname.clone();
        self.record(
            StageKind::NoStore,
            Outcome::Failed,
            found,
            format!("No store is served at {hostname}"),
            format!(
                "No domain row serves {hostname}: the path ends here, before any schema is touched"
            ),
            vec![],
        );
        self.record(
            StageKind::Response,
            Outcome::Failed,
            (found.1, Instant::now()),
            "404 Not Found".to_owned(),
            format!("404 Not Found: {{\"error\": \"No store is served at {hostname}.\"}}"),
            vec![],
        );
        self.finish(Ending {
            is_public: false,
            tenant: None,
            schema: None,
            search_path: None,
            status: 404,
        })
    }

    /// A replayed host of a store the caller may not read: found, not entered.
    fn not_readable(mut self, tenant: &Tenant, found: (Instant, Instant)) -> FlowTrace {
        let schema = tenant.schema_name.as_str();
        self.record(
            StageKind::TenantFound,
            Outcome::Done,
            found,
            format!("Tenant: {}, Schema: {schema}", tenant.name),
            format!(
                "{}, schema {schema}. This page reads only the store it is served from, so \
                 the replay stops before entering it (platform staff may follow any store)",
                tenant.name
            ),
            vec![],
        );
        self.finish(Ending {
            is_public: false,
            tenant: Some(tenant.name.clone()),
            schema: Some(schema.to_owned()),
            search_path: None,
            status: 200,
        })
    }

    fn suspended(mut self, tenant: &Tenant, found: (Instant, Instant)) -> FlowTrace {
        let schema = tenant.schema_name.as_str();
        self.record(
            StageKind::TenantFound,
            Outcome::Failed,
            found,
            format!("Tenant: {}, Schema: {schema}", tenant.name),
            format!(
                "{} is suspended: its hosts answer 503 and its schema is not entered",
                tenant.name
            ),
            vec![],
        );
        self.record(
            StageKind::Response,
            Outcome::Failed,
            (found.1, Instant::now()),
            "503 Service Unavailable".to_owned(),
            format!(
                "503 Service Unavailable: “{} is taking a break”",
                tenant.name
            ),
            vec![],
        );
        self.finish(Ending {
            is_public: false,
            tenant: Some(tenant.name.clone()),
            schema: None,
            search_path: None,
            status: 503,
        })
    }

    fn finish(self, ending: Ending) -> FlowTrace {
        FlowTrace {
            is_public: ending.is_public,
            host: self.host,
            hostname: self.hostname.to_string(),
            tenant: ending.tenant,
            schema: ending.schema,
            cache_hit: self.cache_hit,
            search_path: ending.search_path,
            status: ending.status,
            total_us: micros(self.last_end.saturating_duration_since(self.origin)),
            stages: self.stages,
            replayed: self.replayed,
        }
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}
