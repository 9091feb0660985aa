//! How a request finds its store and its schema, measured: the stage model behind the
//! `/request-flow/` JSON route and the `/flow` page. Both take their facts from the same
//! server code ([`trace`]), so they always agree; the JSON keeps the seed's five steps
//! ([`steps`]), the page draws every stage.
//!
//! Durations are real: the tenant layer marks the moments it passes (the core's
//! `LayerMarks`), and the rest is timed around the real calls — entering the store's
//! transaction, the core call behind `/data/`, the commit.
//!
//! The module is split by job. This file holds the serialisable types that cross from
//! the server to the browser. `measure/` (server only) produces them; [`api`] is the
//! page's server functions, the thin adapters between the two; [`page`] and `view/`
//! draw them.

pub mod api;
#[cfg(feature = "ssr")]
mod measure;
pub mod page;
mod view;

#[cfg(feature = "ssr")]
pub use measure::{compare, replay, stores, trace, Reader};

use serde::{Deserialize, Serialize};

/// A step as the seed's `/request-flow/` JSON shows it, plus when it started and how long
/// it took (microseconds after the request was received).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowStep {
    pub step: u32,
    pub action: String,
    pub details: String,
    pub started_us: u64,
    pub duration_us: u64,
}

/// The stages a request can pass, in the order it passes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    Received,
    Middleware,
    Lookup,
    TenantFound,
    PublicHost,
    NoStore,
    SchemaSwitch,
    Query,
    Response,
}

impl StageKind {
    /// The seed's name for the stage (the JSON `action`) and its stable name for markup
    /// and tests, in one table so a new stage cannot get one without the other.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            StageKind::Received => ("Request Received", "received"),
            StageKind::Middleware => ("TenantMainMiddleware Processing", "middleware"),
            StageKind::Lookup => ("Domain Lookup", "lookup"),
            StageKind::TenantFound => ("Tenant Found", "tenant_found"),
            StageKind::PublicHost => ("Public Host", "public_host"),
            StageKind::NoStore => ("No Store", "no_store"),
            StageKind::SchemaSwitch => ("Schema Switch", "schema_switch"),
            StageKind::Query => ("Query", "query"),
            StageKind::Response => ("Response", "response"),
        }
    }

    /// The seed's name for the stage (the JSON `action`).
    pub fn action(self) -> &'static str {
        self.names().0
    }

    /// The page's name for the stage.
    pub fn label(self) -> &'static str {
        match self {
            StageKind::Middleware => "Tenant middleware",
            other => other.action(),
        }
    }

    /// Whether the seed's JSON describes this stage (it stops at the schema switch).
    pub fn in_seed(self) -> bool {
        !matches!(
            self,
            StageKind::NoStore | StageKind::Query | StageKind::Response
        )
    }

    /// A stable name for markup and tests.
    pub fn slug(self) -> &'static str {
        self.names().1
    }
}

/// How a stage went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    CacheHit,
    CacheMiss,
    /// The stage had nothing to do on this path (no schema switch on the public site).
    Skipped,
    /// The path ended here: no store, or a suspended one.
    Failed,
}

impl Outcome {
    /// A stable name for markup and tests.
    pub fn slug(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::CacheHit => "hit",
            Outcome::CacheMiss => "miss",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }

    /// A short badge, when the outcome is worth one.
    pub fn badge(self) -> Option<&'static str> {
        match self {
            Outcome::Done => None,
            Outcome::CacheHit => Some("cache hit"),
            Outcome::CacheMiss => Some("cache miss"),
            Outcome::Skipped => Some("skipped"),
            Outcome::Failed => Some("stopped"),
        }
    }
}

/// One measured stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// 1-based position on the path.
    pub step: u32,
    pub kind: StageKind,
    /// The seed's wording (the JSON `details`).
    pub details: String,
    /// What happened in this request, in plain words.
    pub observed: String,
    pub outcome: Outcome,
    /// Microseconds from the request's arrival to the start of this stage.
    pub started_us: u64,
    pub duration_us: u64,
    /// The SQL statements this stage ran, as PostgreSQL received them.
    pub sql: Vec<String>,
}

/// One request's path, measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowTrace {
    /// The `Host` as received (`techstore.localhost:8000`).
    pub host: String,
    /// The host name that was looked up (`techstore.localhost`).
    pub hostname: String,
    /// The store's name; `None` on the public site and for unknown hosts.
    pub tenant: Option<String>,
    /// The schema the request worked in (`techstore`, `public`); `None` when no store
    /// was found.
    pub schema: Option<String>,
    pub is_public: bool,
    /// Whether the resolver answered from its cache.
    pub cache_hit: bool,
    /// The `search_path` PostgreSQL reported where the query ran.
    pub search_path: Option<String>,
    /// The HTTP status the request ends with.
    pub status: u16,
    pub stages: Vec<Stage>,
    /// Microseconds from the request's arrival to the end of its last stage.
    pub total_us: u64,
    /// Whether this is a replay for another host, run on the server (no request was
    /// sent to that host).
    pub replayed: bool,
}

/// The seed's steps of a trace, with their timings: the `/request-flow/` JSON.
pub fn steps(trace: &FlowTrace) -> Vec<FlowStep> {
    trace
        .stages
        .iter()
        .filter(|stage| stage.kind.in_seed())
        .map(|stage| FlowStep {
            step: stage.step,
            action: stage.kind.action().to_owned(),
            details: stage.details.clone(),
            started_us: stage.started_us,
            duration_us: stage.duration_us,
        })
        .collect()
}

/// A store that can be chosen on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreChoice {
    pub name: String,
    pub schema: String,
    /// Its primary domain with the port this visitor uses (`fashion.localhost:8000`).
    pub host: String,
}

/// A row as the routing panel lists it: its id and what names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowLabel {
    pub id: i64,
    pub label: String,
}

/// The call behind `/data/`, as it ran in one store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutedStore {
    pub name: String,
    pub schema: String,
    /// The statement that entered the schema.
    pub switch_sql: String,
    /// What PostgreSQL reported inside the store's transaction.
    pub search_path: String,
    /// The statements of the call, as they ran.
    pub statements: Vec<String>,
    pub products: Vec<RowLabel>,
    pub orders: Vec<RowLabel>,
    pub switch_us: u64,
    pub query_us: u64,
}

/// The same call in two stores, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routing {
    pub left: RoutedStore,
    pub right: RoutedStore,
}

impl Routing {
    /// Whether both stores ran the very same statements.
    pub fn same_sql(&self) -> bool {
        self.left.statements == self.right.statements
    }
}

/// "1 order", "2 products".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// "200 OK", "404 Not Found": how the trace names the status a path ends with, in its
/// response stage and on the page.
fn status_line(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "",
    };
    format!("{status} {reason}")
}
