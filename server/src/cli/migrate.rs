//! `migrate-schemas`: the public schema, then every store's schema that is behind,
//! several at once, with a progress bar on a terminal and one line per store that
//! changed or failed. Stores up to date by the version the registry records for them are
//! not visited, so a run with nothing to do is one query however many stores there are;
//! a run that failed for some stores is resumed by running it again.

use std::path::Path;
use std::time::Instant;

use marketplace::tenancy::migrate::{self, MigrationSet};
use marketplace::tenancy::{registry, SchemaName};
use sqlx::PgPool;

use super::CliError;

/// Migrates the public schema, then the stores' (only `schema`'s when given), `jobs`
/// at a time; fails when any store failed. `bench_migration`: a file of SQL run as
/// one more tenant migration (see the hidden `--bench-migration`).
pub(super) async fn migrate_schemas(
    pool: &PgPool,
    schema: Option<&str>,
    jobs: usize,
    bench_migration: Option<&Path>,
) -> Result<(), CliError> {
    let only = schema.map(SchemaName::parse).transpose()?;
    let started = Instant::now();
    let applied = migrate::migrate_public(pool).await?;
    println!("public: {}", describe(&applied));

    let mut set = MigrationSet::tenant();
    if let Some(file) = bench_migration {
        let sql = std::fs::read_to_string(file)?;
        let version = set.latest() + 1;
        set = set.with_steps(&[(version, "bench migration", &sql)]);
    }
    let bar = super::progress_bar("migrating stores", "{msg}");
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
    // Stores not visited were up to date by the version the registry records for them.
    let checked = match only {
        Some(_) => outcomes.len() as i64,
        None => registry::count(pool).await?,
    };
    println!(
        "{checked} store schema(s) checked, {changed} migrated, {failures} failed, in {:.1?}",
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
