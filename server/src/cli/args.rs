//! What the command line accepts: the global options, the subcommands and their flags
//! (clap derive). The work each subcommand does lives in the sibling modules.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use marketplace::security::{Policy, SessionRules, SweepRules, ThrottleRules};

#[derive(Debug, Parser)]
#[command(
    name = "marketplace",
    version,
    about = "A schema-per-tenant store platform"
)]
pub struct Cli {
    /// PostgreSQL URL of the platform database.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Hosts that serve the public site instead of a store (comma-separated).
    #[arg(
        long,
        env = "MARKETPLACE_PUBLIC_HOSTS",
        default_value = "localhost,127.0.0.1",
        global = true
    )]
    pub public_hosts: String,

    /// The platform domain: every store is also served at `{schema}.{platform domain}`
    /// without verification, and no store may claim a name under it.
    #[arg(
        long,
        env = "MARKETPLACE_PLATFORM_DOMAIN",
        default_value = "localhost",
        global = true
    )]
    pub platform_domain: String,

    /// Largest number of database connections to open.
    #[arg(
        long,
        env = "MARKETPLACE_DB_MAX_CONNECTIONS",
        default_value_t = 20,
        global = true
    )]
    pub max_connections: u32,

    /// Log filter (tracing's EnvFilter syntax), e.g. `info` or `server=debug`.
    #[arg(
        long,
        env = "RUST_LOG",
        default_value = "info,sqlx=warn",
        global = true
    )]
    pub log: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the platform: every store's site, the admin and the JSON endpoints.
    Serve(Box<ServeArgs>),
    /// Apply pending migrations: the public schema first, then every store's schema.
    MigrateSchemas {
        /// Migrate only this store's schema (after the public schema).
        #[arg(long)]
        schema: Option<String>,
        /// How many stores to migrate at once.
        #[arg(long, default_value_t = 4)]
        jobs: usize,
        /// Benchmarks only, on a throwaway database: the SQL in this file runs as one
        /// more tenant migration (numbered after the newest), to time a real migration
        /// over every store (scripts/bench-scale). Its ledger rows would refuse a later
        /// migration of the same number, so never on a database that is kept.
        #[arg(long, hide = true, value_name = "FILE")]
        bench_migration: Option<std::path::PathBuf>,
    },
    /// Create a store: its schema, tables and primary domain, all or nothing. With
    /// --from-file, create many: each CSV row is one store, created (or refused) on its
    /// own, `--jobs` at a time; failed rows are listed with their line number and the
    /// exit status is non-zero if any failed.
    #[command(
        after_help = "Bulk creation: marketplace create-tenant --from-file stores.csv --jobs 4\n\
        stores.csv starts with the header line `name,owner_email,schema,domain`, then one \
        store per line (fields may be quoted, as in any CSV). A row that is invalid or \
        names a schema or domain already taken is reported and skipped; the others are \
        created. Rerunning the same file creates only what is missing and reports the \
        rest as taken."
    )]
    CreateTenant {
        #[arg(long, required_unless_present = "from_file")]
        name: Option<String>,
        /// The store owner's email.
        #[arg(long, required_unless_present = "from_file")]
        email: Option<String>,
        /// The PostgreSQL schema (lowercase letters, digits, underscores).
        #[arg(long, required_unless_present = "from_file")]
        schema: Option<String>,
        /// The host name that serves the store, e.g. electronics.localhost.
        #[arg(long, required_unless_present = "from_file")]
        domain: Option<String>,
        /// Create every store of a CSV file (columns: name, owner_email, schema, domain;
        /// a header line first) instead of one from the flags above.
        #[arg(long, conflicts_with_all = ["name", "email", "schema", "domain"])]
        from_file: Option<PathBuf>,
        /// With --from-file: how many stores to create at once.
        #[arg(long, default_value_t = 4)]
        jobs: usize,
    },
    /// Create the demo stores and their data (TechStore and Fashion Boutique).
    CreateTestData {
        /// Password for each store's `admin` user when it is created (default: random,
        /// printed once).
        #[arg(long, env = "MARKETPLACE_DEMO_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
    },
    /// Create an admin user: a store's staff superuser with --schema, else platform staff.
    CreateSuperuser {
        /// The store's schema; without it the user is platform staff.
        #[arg(long)]
        schema: Option<String>,
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        /// The password (prompted for when not given).
        #[arg(long, hide_env_values = true)]
        password: Option<String>,
    },
    /// Create an API key for a store's REST API and print it (it is shown only once).
    CreateApiKey {
        /// The store's schema.
        #[arg(long)]
        schema: String,
        /// What the key is for, e.g. "Accounting sync".
        #[arg(long)]
        name: String,
        /// Comma-separated scopes: read_products, write_products, read_orders,
        /// write_orders, read_customers, read_settings (default: all of them).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
    },
    /// Print the REST API's OpenAPI document (regenerate the committed one with
    /// `marketplace openapi > openapi/v1.json`).
    #[command(hide = true)]
    Openapi,
    /// List the stores, oldest first, as they are read: narrow with --search, page with
    /// --limit and --after.
    ListTenants(super::list::ListArgs),
    /// Plans and billing: advance renewals and trials, comp a plan, extend a trial.
    Billing {
        #[command(subcommand)]
        action: BillingCommand,
    },
}

/// `billing …`.
#[derive(Debug, clap::Subcommand)]
pub enum BillingCommand {
    /// Advance renewals, trial ends and grace periods that are due now (`serve` also does
    /// it every --billing-tick-secs).
    Tick,
    /// Give a store a plan for free (platform staff's override).
    Comp {
        #[arg(long)]
        schema: String,
        /// The plan's code: starter, growth or scale.
        #[arg(long)]
        plan: String,
    },
    /// Extend (or restart) a store's trial to end this many days from now.
    ExtendTrial {
        #[arg(long)]
        schema: String,
        #[arg(long)]
        days: u32,
    },
    /// List the plans and every store's subscription.
    List,
}

/// The flags of `serve`: where to listen, which proxy headers to believe, and the
/// limits and security policy of the running server.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MARKETPLACE_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// Directory with the compiled site (default: target/site, found by itself).
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Believe X-Forwarded-Host (only behind a proxy that sets it).
    #[arg(long, env = "MARKETPLACE_TRUST_FORWARDED_HOST")]
    pub trust_forwarded_host: bool,
    /// Take the client's address from the last X-Forwarded-For entry (only behind a
    /// proxy that appends it); it keys the login throttle.
    #[arg(long, env = "MARKETPLACE_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Believe `X-Forwarded-Proto: https` (only behind a TLS proxy that sets it):
    /// cookies are then marked Secure.
    #[arg(long, env = "MARKETPLACE_TRUST_FORWARDED_PROTO")]
    pub trust_forwarded_proto: bool,
    /// Mark every cookie Secure, whatever the request says.
    #[arg(long, env = "MARKETPLACE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Key that signs form errors shown after a no-JavaScript post (default: random
    /// per process; set the same value on every server behind one address).
    #[arg(long, env = "MARKETPLACE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Answer 404 at /schema-info/, /request-flow/, /db-routing/ and the request-flow
    /// page's replay (for production).
    #[arg(long, env = "MARKETPLACE_NO_DEMO_ENDPOINTS")]
    pub no_demo_endpoints: bool,
    /// Do not enter each store's own database role in its transactions. Only for
    /// measuring what the role costs (scripts/bench); it weakens isolation.
    #[arg(long, env = "MARKETPLACE_NO_STORE_ROLES")]
    pub no_store_roles: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub pool: PoolArgs,
    #[command(flatten)]
    pub security: SecurityArgs,
    #[command(flatten)]
    pub domains: DomainArgs,
    #[command(flatten)]
    pub billing: BillingArgs,
}

/// How the running server bills: its payment provider's webhooks and the tick's pace.
#[derive(Debug, clap::Args)]
pub struct BillingArgs {
    /// The signing secret (whsec_…) of the Stripe webhook endpoint
    /// POST /billing/webhooks/stripe; without it the endpoint answers 404.
    #[arg(
        long,
        env = "MARKETPLACE_STRIPE_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub stripe_webhook_secret: Option<String>,
    /// Seconds between two billing ticks (renewals, trial ends, grace periods).
    #[arg(long, env = "MARKETPLACE_BILLING_TICK_SECS", default_value_t = 60)]
    pub billing_tick_secs: u64,
}

/// How custom domains are verified and where their DNS records point.
#[derive(Debug, clap::Args)]
pub struct DomainArgs {
    /// The DNS server that verification asks, e.g. 127.0.0.1:5353 (default: the
    /// system's, from /etc/resolv.conf).
    #[arg(long, env = "MARKETPLACE_DNS_SERVER")]
    pub dns_server: Option<SocketAddr>,
    /// The host a custom subdomain's CNAME record points at (default:
    /// stores.<platform domain>).
    #[arg(long, env = "MARKETPLACE_CNAME_TARGET")]
    pub cname_target: Option<String>,
    /// The addresses an apex domain's A/AAAA records point at (comma-separated).
    #[arg(long, env = "MARKETPLACE_APEX_IP", value_delimiter = ',')]
    pub apex_ip: Vec<std::net::IpAddr>,
    /// Seconds between two rounds of the domain verification job.
    #[arg(long, env = "MARKETPLACE_DOMAIN_CHECK_SECS", default_value_t = 30)]
    pub domain_check_secs: u64,
}

/// How store transactions share the database connections
/// ([`marketplace::tenancy::ShardedPool`], [`marketplace::db::Recycling`]).
#[derive(Debug, clap::Args)]
pub struct PoolArgs {
    /// Shards the store connections are split into; each store is at home in one, so
    /// each database backend caches only some stores (default: one shard a connection).
    #[arg(long, env = "MARKETPLACE_POOL_SHARDS")]
    pub pool_shards: Option<u32>,
    /// How many shards after its home a store may borrow an idle connection from when
    /// its home shard is busy (each one more backend caching the store).
    #[arg(long, env = "MARKETPLACE_POOL_SPILL_SPAN", default_value_t = marketplace::tenancy::DEFAULT_SPILL_SPAN)]
    pub pool_spill_span: usize,
    /// Replace a pooled connection whose database backend uses more than this, in MiB.
    #[arg(long, env = "MARKETPLACE_RECYCLE_MEMORY_MB", default_value_t = 128)]
    pub recycle_memory_mb: u32,
    /// Measure a backend's memory about once per this many uses of its connection
    /// (0: never; connections are then replaced by age only).
    #[arg(long, env = "MARKETPLACE_RECYCLE_SAMPLE_EVERY", default_value_t = 256)]
    pub recycle_sample_every: u64,
}

/// Timeouts and concurrency limits of `serve`.
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// Requests served at once, all stores together; more wait for a place.
    #[arg(
        long,
        env = "MARKETPLACE_MAX_CONCURRENT_REQUESTS",
        default_value_t = 512
    )]
    pub max_concurrent_requests: usize,
    /// Requests served at once for one store: a flooded store queues behind its own
    /// limit (default: twice the machine's cores).
    #[arg(long, env = "MARKETPLACE_MAX_CONCURRENT_PER_STORE")]
    pub max_concurrent_per_store: Option<usize>,
    /// How long a request may wait for a place before it is answered 503, in ms.
    #[arg(long, env = "MARKETPLACE_QUEUE_TIMEOUT_MS", default_value_t = 5000)]
    pub queue_timeout_ms: u64,
    /// Longest a request may take before it is answered 503, in seconds.
    #[arg(long, env = "MARKETPLACE_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Longest a client may take to send a request's head, in seconds.
    #[arg(
        long,
        env = "MARKETPLACE_HEADER_READ_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub header_read_timeout_secs: u64,
    /// Largest request body, in bytes (413 beyond).
    #[arg(long, env = "MARKETPLACE_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,
    /// Requests an API key may make at once before its rate limit applies.
    #[arg(long, env = "MARKETPLACE_API_BURST", default_value_t = 100)]
    pub api_burst: u32,
    /// Requests per second an API key may make after its burst.
    #[arg(long, env = "MARKETPLACE_API_PER_SECOND", default_value_t = 10.0)]
    pub api_per_second: f64,
}

/// The security policy's numbers ([`marketplace::security::Policy`]); every default
/// here is the policy's documented default.
#[derive(Debug, clap::Args)]
pub struct SecurityArgs {
    /// Failed logins in a row for one account from one client address before delays start.
    #[arg(long, env = "MARKETPLACE_LOGIN_FREE_FAILURES", default_value_t = 5)]
    pub login_free_failures: u32,
    /// Failed logins from one client address (any accounts) before delays start.
    #[arg(long, env = "MARKETPLACE_CLIENT_FREE_FAILURES", default_value_t = 30)]
    pub client_free_failures: u32,
    /// First delay after the free failures, in seconds; it doubles with each failure.
    #[arg(long, env = "MARKETPLACE_LOGIN_BASE_DELAY_SECS", default_value_t = 2)]
    pub login_base_delay_secs: u64,
    /// Longest delay, in seconds.
    #[arg(long, env = "MARKETPLACE_LOGIN_MAX_DELAY_SECS", default_value_t = 900)]
    pub login_max_delay_secs: u64,
    /// Quiet time after which failures are forgotten, in minutes.
    #[arg(long, env = "MARKETPLACE_LOGIN_FORGET_MINUTES", default_value_t = 60)]
    pub login_forget_minutes: u64,
    /// Staff (store and platform) sessions end after this many idle minutes...
    #[arg(long, env = "MARKETPLACE_STAFF_IDLE_MINUTES", default_value_t = 120)]
    pub staff_idle_minutes: u64,
    /// ...and this many hours after login, whatever happens.
    #[arg(long, env = "MARKETPLACE_STAFF_SESSION_HOURS", default_value_t = 12)]
    pub staff_session_hours: u64,
    /// Customer and anonymous sessions (and their carts) last this many days.
    #[arg(long, env = "MARKETPLACE_CUSTOMER_SESSION_DAYS", default_value_t = 30)]
    pub customer_session_days: u64,
    /// Seconds between sweeps of expired sessions and login records.
    #[arg(long, env = "MARKETPLACE_SWEEP_INTERVAL_SECS", default_value_t = 10)]
    pub sweep_interval_secs: u64,
    /// Stores visited per sweep (round robin).
    #[arg(long, env = "MARKETPLACE_SWEEP_STORES_PER_TICK", default_value_t = 100)]
    pub sweep_stores_per_tick: u32,
    /// Rows removed per table per store per sweep, at most.
    #[arg(long, env = "MARKETPLACE_SWEEP_ROWS_PER_TABLE", default_value_t = 1000)]
    pub sweep_rows_per_table: u32,
}

impl SecurityArgs {
    pub fn policy(&self) -> Policy {
        use std::time::Duration;
        let secs = Duration::from_secs;
        let throttle = |free| ThrottleRules {
            free_failures: free,
            base_delay: secs(self.login_base_delay_secs),
            max_delay: secs(self.login_max_delay_secs.max(self.login_base_delay_secs)),
            forget_after: secs(self.login_forget_minutes * 60),
        };
        Policy {
            account_throttle: throttle(self.login_free_failures),
            client_throttle: throttle(self.client_free_failures),
            staff_sessions: SessionRules {
                idle: secs(self.staff_idle_minutes * 60),
                absolute: secs(self.staff_session_hours * 3600),
            },
            customer_sessions: SessionRules {
                idle: secs(self.customer_session_days * 24 * 3600),
                absolute: secs(self.customer_session_days * 24 * 3600),
            },
            sweep: SweepRules {
                interval: secs(self.sweep_interval_secs.max(1)),
                stores_per_tick: self.sweep_stores_per_tick.max(1),
                rows_per_table: self.sweep_rows_per_table.max(1),
            },
        }
    }
}
