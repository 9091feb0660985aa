//! The command line. The words are django-tenants' (`migrate-schemas`,
//! `create-tenant`, `create-superuser`, …) so a Django user finds their way.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::PgPool;

use marketplace::accounts::{self, NewUser, Role, Username};
use marketplace::db::{self, DbConfig};
use marketplace::email::Email;
use marketplace::password::{self, Password};
use marketplace::tenancy::migrate::{self, MigrationSet};
use marketplace::tenancy::provision::{self, NewTenant};
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::{registry, SchemaName, TenantTx};
use marketplace::{platform, seed};

use crate::form_errors::FormErrorKey;
use crate::limits::LimitRules;
use crate::startup;
use crate::tenant_layer::ProxyTrust;
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
    Serve {
        /// Address to listen on.
        #[arg(long, env = "MARKETPLACE_ADDR", default_value = "127.0.0.1:8000")]
        addr: SocketAddr,
        /// Directory with the compiled site (default: target/site, found by itself).
        #[arg(long, env = "LEPTOS_SITE_ROOT")]
        site_root: Option<PathBuf>,
        /// Believe X-Forwarded-Host (only behind a proxy that sets it).
        #[arg(long, env = "MARKETPLACE_TRUST_FORWARDED_HOST")]
        trust_forwarded_host: bool,
        /// Take the client's address from the last X-Forwarded-For entry (only behind a
        /// proxy that appends it); it keys the login throttle.
        #[arg(long, env = "MARKETPLACE_TRUST_FORWARDED_FOR")]
        trust_forwarded_for: bool,
        /// Believe `X-Forwarded-Proto: https` (only behind a TLS proxy that sets it):
        /// cookies are then marked Secure.
        #[arg(long, env = "MARKETPLACE_TRUST_FORWARDED_PROTO")]
        trust_forwarded_proto: bool,
        /// Mark every cookie Secure, whatever the request says.
        #[arg(long, env = "MARKETPLACE_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Key that signs form errors shown after a no-JavaScript post (default: random
        /// per process; set the same value on every server behind one address).
        #[arg(long, env = "MARKETPLACE_SECRET_KEY", hide_env_values = true)]
        secret_key: Option<String>,
        /// Answer 404 at /schema-info/, /request-flow/, /db-routing/ and the request-flow
        /// page's replay (for production).
        #[arg(long, env = "MARKETPLACE_NO_DEMO_ENDPOINTS")]
        no_demo_endpoints: bool,
        /// Do not enter each store's own database role in its transactions. Only for
        /// measuring what the role costs (scripts/bench); it weakens isolation.
        #[arg(long, env = "MARKETPLACE_NO_STORE_ROLES")]
        no_store_roles: bool,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        security: SecurityArgs,
    },
    /// Apply pending migrations: the public schema first, then every store's schema.
    MigrateSchemas {
        /// Migrate only this store's schema (after the public schema).
        #[arg(long)]
        schema: Option<String>,
        /// How many stores to migrate at once.
        #[arg(long, default_value_t = 4)]
        jobs: usize,
    },
    /// Create a store: its schema, tables and primary domain, all or nothing.
    CreateTenant {
        #[arg(long)]
        name: String,
        /// The store owner's email.
        #[arg(long)]
        email: String,
        /// The PostgreSQL schema (lowercase letters, digits, underscores).
        #[arg(long)]
        schema: String,
        /// The host name that serves the store, e.g. electronics.localhost.
        #[arg(long)]
        domain: String,
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
    /// List the stores.
    ListTenants,
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

pub fn init_tracing(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A failure worth telling the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Core(#[from] marketplace::Error),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let public_hosts = PublicHosts::parse(&cli.public_hosts)?;
    let Some(url) = cli.database_url.clone() else {
        return Err(CliError::Usage(
            "DATABASE_URL is not set. Set it (or put it in .env), e.g. \
             DATABASE_URL=postgres://user:password@localhost:5432/marketplace"
                .into(),
        ));
    };
    let pool = db::connect(&DbConfig {
        url,
        max_connections: cli.max_connections,
    })
    .await
    .map_err(|err| {
        CliError::Usage(format!(
            "cannot connect to the database at DATABASE_URL: {err}"
        ))
    })?;

    match cli.command {
        Command::Serve {
            addr,
            site_root,
            trust_forwarded_host,
            trust_forwarded_for,
            trust_forwarded_proto,
            secure_cookies,
            secret_key,
            no_demo_endpoints,
            no_store_roles,
            limits,
            security,
        } => {
            let site_root = startup::find_site_root(site_root.as_deref());
            if !site_root.join("pkg").is_dir() {
                tracing::warn!(
                    site_root = %site_root.display(),
                    "no compiled site found: pages will render but not hydrate (run `cargo leptos build --release`)"
                );
            }
            let options = startup::leptos_options(&site_root, addr);
            let mut state = startup::state(pool.clone(), public_hosts, options, security.policy());
            state.demo_endpoints = !no_demo_endpoints;
            if no_store_roles {
                tracing::warn!("store transactions will not enter their stores' roles");
                marketplace::tenancy::scope::set_store_roles(false);
            }
            let tenants = registry::list(&pool).await?;
            println!(
                "marketplace is serving on http://localhost:{}/",
                addr.port()
            );
            for tenant in &tenants {
                println!(
                    "  {:<24} http://{}:{}/",
                    tenant.name,
                    tenant.primary_domain,
                    addr.port()
                );
            }
            let config = startup::ServerConfig {
                proxy: ProxyTrust {
                    forwarded_host: trust_forwarded_host,
                    forwarded_for: trust_forwarded_for,
                    forwarded_proto: trust_forwarded_proto,
                },
                form_error_key: FormErrorKey::new(secret_key.as_deref()),
                force_secure_cookies: secure_cookies,
                limits: LimitRules {
                    global: limits.max_concurrent_requests.max(1),
                    per_store: limits
                        .max_concurrent_per_store
                        .unwrap_or_else(LimitRules::default_per_store)
                        .max(1),
                    queue_timeout: Duration::from_millis(limits.queue_timeout_ms),
                },
                request_timeout: Duration::from_secs(limits.request_timeout_secs.max(1)),
                header_read_timeout: Duration::from_secs(limits.header_read_timeout_secs.max(1)),
                body_limit: limits.body_limit_bytes,
            };
            startup::serve(state, addr, config).await?;
            Ok(())
        }
        Command::MigrateSchemas { schema, jobs } => {
            migrate_schemas(&pool, schema.as_deref(), jobs).await
        }
        Command::CreateTenant {
            name,
            email,
            schema,
            domain,
        } => {
            let new = NewTenant::parse(&name, &email, &schema, &domain)?;
            let tenant = provision::create(&pool, &new, &public_hosts).await?;
            println!(
                "Created store '{}' in schema '{}', served at {}",
                tenant.name, tenant.schema_name, tenant.primary_domain
            );
            Ok(())
        }
        Command::CreateTestData { admin_password } => {
            let report =
                seed::create_test_data(&pool, &public_hosts, admin_password.as_deref()).await?;
            for store in report {
                let created = if store.store_created {
                    "created"
                } else {
                    "exists"
                };
                println!(
                    "{} ({}, {}): store {created}",
                    store.name, store.schema, store.domain
                );
                if store.products_added > 0 {
                    println!("  added {} products", store.products_added);
                }
                if let Some(number) = store.order_placed {
                    println!("  placed order {number}");
                }
                if let Some(login) = store.admin_created {
                    println!("  admin login: {} / {}", login.username, login.password);
                }
            }
            Ok(())
        }
        Command::CreateSuperuser {
            schema,
            username,
            email,
            password,
        } => {
            let username = Username::parse(&username)?;
            let email = Email::parse(&email)?;
            let password = password::hash(Password::parse(&match password {
                Some(p) => p,
                None => prompt_password()?,
            })?)
            .await;
            match schema {
                Some(schema) => {
                    let schema = SchemaName::parse(&schema)?;
                    let tenant = registry::get_by_schema(&pool, &schema).await?;
                    let mut tx = TenantTx::begin(&pool, &tenant.schema_name).await?;
                    let user = accounts::create(
                        &mut tx,
                        NewUser {
                            username,
                            email,
                            full_name: String::new(),
                            password,
                            role: Role::Superuser,
                        },
                    )
                    .await?;
                    tx.commit().await?;
                    println!(
                        "Created superuser '{}' for {} (log in at http://{}:8000/admin)",
                        user.username, tenant.name, tenant.primary_domain
                    );
                }
                None => {
                    let user = platform::create(&pool, &username, &email, &password).await?;
                    println!(
                        "Created platform staff user '{}' (log in at http://localhost:8000/admin)",
                        user.username
                    );
                }
            }
            Ok(())
        }
        Command::ListTenants => {
            let tenants = registry::list(&pool).await?;
            if tenants.is_empty() {
                println!("No stores yet. Create one with `marketplace create-tenant` or `marketplace create-test-data`.");
                return Ok(());
            }
            println!(
                "{:<24} {:<20} {:<32} {:<10} CREATED",
                "NAME", "SCHEMA", "PRIMARY DOMAIN", "STATUS"
            );
            for t in tenants {
                println!(
                    "{:<24} {:<20} {:<32} {:<10} {}",
                    t.name,
                    t.schema_name,
                    t.primary_domain,
                    format!("{:?}", t.status).to_lowercase(),
                    t.created_at.format("%Y-%m-%d %H:%M")
                );
            }
            Ok(())
        }
    }
}

fn prompt_password() -> Result<String, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "no --password given and no terminal to ask for one".into(),
        ));
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password (again): ")?;
    if first != second {
        return Err(CliError::Usage("the passwords did not match".into()));
    }
    Ok(first)
}

async fn migrate_schemas(pool: &PgPool, schema: Option<&str>, jobs: usize) -> Result<(), CliError> {
    let only = schema.map(SchemaName::parse).transpose()?;
    let started = Instant::now();
    let applied = migrate::migrate_public(pool).await?;
    println!("public: {}", describe(&applied));

    let set = MigrationSet::tenant();
    let bar = ProgressBar::hidden();
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} migrating stores {pos}/{len} [{bar:30}] {elapsed} {msg}",
        )
        .expect("valid progress template")
        .progress_chars("=> "),
    );
    let outcomes = migrate::migrate_tenants(pool, &set, only.as_ref(), jobs, |total, outcome| {
        bar.set_length(total as u64);
        bar.set_message(outcome.schema.to_string());
        bar.inc(1);
    })
    .await?;
    bar.finish_and_clear();

    let mut failures = 0;
    let mut changed = 0;
    for outcome in &outcomes {
        match &outcome.result {
            Ok(applied) if applied.is_empty() => {}
            Ok(applied) => {
                changed += 1;
                println!("{}: {}", outcome.schema, describe(applied));
            }
            Err(err) => {
                failures += 1;
                eprintln!("{}: FAILED, left unchanged: {err}", outcome.schema);
            }
        }
    }
    println!(
        "{} store schema(s) checked, {changed} migrated, {failures} failed, in {:.1?}",
        outcomes.len(),
        started.elapsed()
    );
    if failures > 0 {
        return Err(CliError::Usage(format!(
            "{failures} store schema(s) failed to migrate"
        )));
    }
    Ok(())
}

fn describe(applied: &[i64]) -> String {
    if applied.is_empty() {
        "up to date".to_owned()
    } else {
        format!(
            "applied {}",
            applied
                .iter()
                .map(|v| format!("{v:04}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
