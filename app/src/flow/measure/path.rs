//! One request's path, recorded stage by stage: the tenant layer's stages from the
//! moments it marked, then the branch the resolution chose — a store (entered and
//! read), the platform's public site, no store (404), a suspended store (503), or, in a
//! replay, a store the caller may not read (found, not entered).

use std::time::Instant;

use marketplace::db;
use marketplace::tenancy::{explain, registry, Hostname, LayerMarks, Site, Tenant, TenantStatus};
use marketplace::Result;

use super::store_read::StoreRead;
use super::{micros, Reader, Span};
use crate::flow::{count, status_line, FlowTrace, Outcome, Stage, StageKind};
use crate::ssr::AppState;

/// A path being recorded.
pub(super) struct Run<'a> {
    state: &'a AppState,
    host: String,
    hostname: Hostname,
    cache_hit: bool,
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

impl Ending {
    /// A path that ends with `status` in a store's schema, or in none.
    fn new(status: u16) -> Self {
        Ending {
            is_public: false,
            tenant: None,
            schema: None,
            search_path: None,
            status,
        }
    }

    /// A path that found `tenant` and ends with `status`, with no search_path seen.
    fn found(tenant: &Tenant, status: u16) -> Self {
        Ending {
            tenant: Some(tenant.name.clone()),
            schema: Some(tenant.schema_name.to_string()),
            ..Ending::new(status)
        }
    }
}

impl<'a> Run<'a> {
    /// A recording of the request for `host` that arrived at `origin`.
    pub fn new(
        state: &'a AppState,
        host: String,
        hostname: Hostname,
        cache_hit: bool,
        origin: Instant,
    ) -> Self {
        Run {
            state,
            host,
            hostname,
            cache_hit,
            origin,
            stages: Vec::new(),
            last_end: origin,
            reader: None,
        }
    }

    /// Makes this a replay run on the server for `reader`, who may not read every store.
    pub fn replaying_for(mut self, reader: Reader) -> Self {
        self.reader = Some(reader);
        self
    }

    fn record(
        &mut self,
        kind: StageKind,
        outcome: Outcome,
        (start, end): Span,
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
    pub async fn follow(
        mut self,
        path: &str,
        site: Option<Site>,
        marks: &LayerMarks,
    ) -> Result<FlowTrace> {
        let host = self.host.clone();
        let hostname = self.hostname.clone();
        let port = Hostname::from_host_header_with_port(&host).and_then(|(_, port)| port);
        let received = if self.reader.is_some() {
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

    /// The resolver found `tenant`: the seed's "Tenant Found" step, with what happened.
    fn tenant_found(&mut self, tenant: &Tenant, outcome: Outcome, found: Span, observed: String) {
        let details = format!("Tenant: {}, Schema: {}", tenant.name, tenant.schema_name);
        self.record(
            StageKind::TenantFound,
            outcome,
            found,
            details,
            observed,
            vec![],
        );
    }

    /// Records the response stage for `ending`'s status, then reports the path.
    fn respond(mut self, span: Span, observed: String, ending: Ending) -> FlowTrace {
        let outcome = match ending.status {
            200 => Outcome::Done,
            _ => Outcome::Failed,
        };
        let details = status_line(ending.status);
        self.record(
            StageKind::Response,
            outcome,
            span,
            details,
            observed,
            vec![],
        );
        self.finish(ending)
    }

    async fn store(mut self, tenant: &Tenant, found: Span) -> Result<FlowTrace> {
        let schema = tenant.schema_name.as_str();
        self.tenant_found(
            tenant,
            Outcome::Done,
            found,
            format!("{}, schema {schema}", tenant.name),
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
        Ok(self.respond(
            (read.query.1, read.committed),
            "200 OK. COMMIT ended the transaction, and its SET LOCAL search_path with it"
                .to_owned(),
            Ending {
                search_path: Some(read.search_path),
                ..Ending::found(tenant, 200)
            },
        ))
    }

    async fn public(mut self, found: Span) -> Result<FlowTrace> {
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
        Ok(self.respond(
            (query_end, Instant::now()),
            "200 OK. No transaction to end: nothing changed the connection's search_path"
                .to_owned(),
            Ending {
                is_public: true,
                schema: Some("public".to_owned()),
                search_path: Some(search_path),
                ..Ending::new(200)
            },
        ))
    }

    fn no_store(mut self, found: Span) -> FlowTrace {
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
        self.respond(
            (found.1, Instant::now()),
            format!("404 Not Found: {{\"error\": \"No store is served at {hostname}.\"}}"),
            Ending::new(404),
        )
    }

    /// A replayed host of a store the caller may not read: found, not entered.
    fn not_readable(mut self, tenant: &Tenant, found: Span) -> FlowTrace {
        self.tenant_found(
            tenant,
            Outcome::Done,
            found,
            format!(
                "{}, schema {}. This page reads only the store it is served from, so \
                 the replay stops before entering it (platform staff may follow any store)",
                tenant.name, tenant.schema_name
            ),
        );
        self.finish(Ending::found(tenant, 200))
    }

    fn suspended(mut self, tenant: &Tenant, found: Span) -> FlowTrace {
        self.tenant_found(
            tenant,
            Outcome::Failed,
            found,
            format!(
                "{} is suspended: its hosts answer 503 and its schema is not entered",
                tenant.name
            ),
        );
        self.respond(
            (found.1, Instant::now()),
            format!(
                "503 Service Unavailable: “{} is taking a break”",
                tenant.name
            ),
            Ending {
                tenant: Some(tenant.name.clone()),
                ..Ending::new(503)
            },
        )
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
            replayed: self.reader.is_some(),
        }
    }
}
