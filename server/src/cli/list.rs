//! `list-tenants`: the stores, one line each, printed as the database sends them (a
//! stream, so 10,000 stores take no more memory than ten), optionally narrowed by a
//! search and paged by store id: `--after` the last ID of the previous page.

use std::io::Write as _;

use futures::TryStreamExt as _;
use marketplace::tenancy::directory::{self, Search};
use sqlx::PgPool;

use super::CliError;

/// The flags of `list-tenants`.
#[derive(Debug, Default, clap::Args)]
pub struct ListArgs {
    /// Only stores whose name, schema or one of whose domains starts with this (any case).
    #[arg(long)]
    pub search: Option<String>,
    /// At most this many stores (default: every one).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Only stores after this ID: the last ID of the previous page.
    #[arg(long, default_value_t = 0)]
    pub after: i64,
}

/// `list-tenants`: one line per store, oldest first. A reader that stops early (`| head`)
/// ends the listing quietly.
pub(super) async fn list_tenants(pool: &PgPool, args: &ListArgs) -> Result<(), CliError> {
    match print(pool, args).await {
        Err(CliError::Io(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

async fn print(pool: &PgPool, args: &ListArgs) -> Result<(), CliError> {
    let search = Search::parse(args.search.as_deref().unwrap_or_default())?;
    let mut rows = directory::stream(pool, search.as_ref(), args.after, args.limit);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut listed = 0u64;
    while let Some(t) = rows.try_next().await? {
        if listed == 0 {
            writeln!(
                out,
                "{:>8} {:<24} {:<20} {:<32} {:<10} CREATED",
                "ID", "NAME", "SCHEMA", "PRIMARY DOMAIN", "STATUS"
            )?;
        }
        writeln!(
            out,
            "{:>8} {:<24} {:<20} {:<32} {:<10} {}",
            t.id,
            t.name,
            t.schema_name,
            t.primary_domain,
            format!("{:?}", t.status).to_lowercase(),
            t.created_at.format("%Y-%m-%d %H:%M")
        )?;
        listed += 1;
    }
    out.flush()?;
    if listed == 0 {
        if search.is_none() && args.after == 0 {
            println!("No stores yet. Create one with `marketplace create-tenant` or `marketplace create-test-data`.");
        } else {
            println!("No stores match.");
        }
    }
    Ok(())
}
