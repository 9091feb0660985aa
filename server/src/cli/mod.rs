//! The command line. The words are django-tenants' (`migrate-schemas`,
//! `create-tenant`, `create-superuser`, …) so a Django user finds their way.
//!
//! [`args`] says what the command line accepts; [`serve`], [`migrate`], [`stores`],
//! [`bulk`], [`api_keys`] and [`billing`] do each subcommand's work, and [`run`] connects to the database and dispatches.

mod api_keys;
mod args;
mod billing;
mod bulk;
mod list;
mod migrate;
mod serve;
mod stores;

use marketplace::db::{self, DbConfig};
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::Hostname;

pub use args::{BillingArgs, BillingCommand, Cli, Command, LimitArgs, SecurityArgs, ServeArgs};

/// Logs to stderr with the `--log` filter (info when the filter does not parse), so
/// stdout carries only what the command prints.
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

/// Connects to the platform database and runs the subcommand.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::Openapi = cli.command {
        print!("{}", crate::api::spec());
        return Ok(());
    }
    let public_hosts = PublicHosts::parse(&cli.public_hosts)?
        .with_platform_domain(Hostname::parse(&cli.platform_domain)?);
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
        Command::Serve(args) => serve::serve(pool, public_hosts, *args).await,
        Command::MigrateSchemas {
            schema,
            jobs,
            bench_migration,
        } => {
            migrate::migrate_schemas(&pool, schema.as_deref(), jobs, bench_migration.as_deref())
                .await
        }
        Command::CreateTenant {
            from_file: Some(path),
            jobs,
            ..
        } => bulk::create_tenants(&pool, &public_hosts, &path, jobs).await,
        Command::CreateTenant {
            name,
            email,
            schema,
            domain,
            ..
        } => {
            let field = |value: Option<String>| value.unwrap_or_default();
            let (name, email) = (field(name), field(email));
            let (schema, domain) = (field(schema), field(domain));
            stores::create_tenant(&pool, &public_hosts, &name, &email, &schema, &domain).await
        }
        Command::CreateTestData { admin_password } => {
            stores::create_test_data(&pool, &public_hosts, admin_password.as_deref()).await
        }
        Command::CreateSuperuser {
            schema,
            username,
            email,
            password,
        } => stores::create_superuser(&pool, schema.as_deref(), &username, &email, password).await,
        Command::ListTenants(args) => list::list_tenants(&pool, &args).await,
        Command::CreateApiKey {
            schema,
            name,
            scopes,
        } => api_keys::create_api_key(&pool, &schema, &name, &scopes).await,
        Command::Billing { action } => billing::billing(&pool, &public_hosts, action).await,
        Command::Openapi => unreachable!("answered before connecting"),
    }
}

/// A progress bar on stderr when it is a terminal (hidden otherwise, so pipes and tests
/// see only the command's lines): `{spinner} <what> {pos}/{len} [bar] {elapsed}` and
/// `extra` after that.
pub(crate) fn progress_bar(what: &str, extra: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    let bar = indicatif::ProgressBar::hidden();
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {what} {{pos}}/{{len}} [{{bar:30}}] {{elapsed}} {extra}"
        ))
        .expect("valid progress template")
        .progress_chars("=> "),
    );
    bar
}
