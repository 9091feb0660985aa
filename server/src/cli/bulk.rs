//! `create-tenant --from-file`: many stores from one CSV file, in one process.
//!
//! Each row is created all or nothing on its own ([`provision::create`]), `jobs` rows at
//! a time on the process's pool; a row that fails (invalid, a schema or domain already
//! taken, a duplicate of an earlier row) is reported with its line number and reason and
//! never stops the others. The summary gives the time per store as measured inside the
//! process (median and 95th percentile), which is the provisioning figure free of the
//! CLI's start-up.

use std::path::Path;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use marketplace::tenancy::provision::{self, NewTenant};
use marketplace::tenancy::resolver::PublicHosts;
use sqlx::PgPool;

use super::CliError;

/// One CSV row: where it was, and what it asked for.
struct Row {
    line: u64,
    fields: csv::Result<[String; 4]>,
}

/// Creates every store of the CSV file at `path`, `jobs` at a time; fails (after
/// creating all the others) when any row failed.
pub(super) async fn create_tenants(
    pool: &PgPool,
    public_hosts: &PublicHosts,
    path: &Path,
    jobs: usize,
) -> Result<(), CliError> {
    let rows = read(path)?;
    let bar = super::progress_bar("creating stores", "eta {eta}");
    bar.set_length(rows.len() as u64);
    let started = Instant::now();
    let mut timings = Vec::with_capacity(rows.len());
    let mut failures = Vec::new();
    let mut runs = stream::iter(rows)
        .map(|row| async move {
            let began = Instant::now();
            let result = match row.fields {
                Ok([name, email, schema, domain]) => {
                    match NewTenant::parse(&name, &email, &schema, &domain) {
                        Ok(new) => provision::create(pool, &new, public_hosts)
                            .await
                            .map(|_| ())
                            .map_err(|err| err.to_string()),
                        Err(err) => Err(err.to_string()),
                    }
                }
                Err(err) => Err(format!("unreadable row: {err}")),
            };
            (row.line, result, began.elapsed())
        })
        .buffer_unordered(jobs.max(1));
    while let Some((line, result, elapsed)) = runs.next().await {
        bar.inc(1);
        match result {
            Ok(()) => timings.push(elapsed),
            Err(reason) => failures.push((line, reason)),
        }
    }
    bar.finish_and_clear();

    failures.sort();
    for (line, reason) in &failures {
        eprintln!("line {line}: FAILED: {reason}");
    }
    timings.sort();
    let total = started.elapsed();
    println!(
        "{} store(s) created, {} failed, in {total:.1?} ({:.1} stores/s); \
         per store: median {:.1?}, p95 {:.1?} ({jobs} at a time)",
        timings.len(),
        failures.len(),
        timings.len() as f64 / total.as_secs_f64().max(f64::EPSILON),
        percentile(&timings, 50),
        percentile(&timings, 95),
    );
    if !failures.is_empty() {
        return Err(CliError::Usage(format!(
            "{} row(s) of {} failed",
            failures.len(),
            path.display()
        )));
    }
    Ok(())
}

/// The file's rows after its header line, each with its line number. Columns are
/// taken in order (name, owner_email, schema, domain); a row with another number of
/// fields is a failure of that row alone.
fn read(path: &Path) -> Result<Vec<Row>, CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|err| CliError::Usage(format!("cannot read {}: {err}", path.display())))?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let row = match record {
            Ok(record) => Row {
                line: record.position().map_or(0, |p| p.line()),
                fields: match record.iter().collect::<Vec<_>>()[..] {
                    [name, email, schema, domain] => Ok([
                        name.to_owned(),
                        email.to_owned(),
                        schema.to_owned(),
                        domain.to_owned(),
                    ]),
                    ref other => Err(csv::Error::from(std::io::Error::other(format!(
                        "expected 4 fields (name, owner_email, schema, domain), found {}",
                        other.len()
                    )))),
                },
            },
            Err(err) => Row {
                line: err.position().map_or(0, |p| p.line()),
                fields: Err(err),
            },
        };
        rows.push(row);
    }
    Ok(rows)
}

/// The `p`th percentile of sorted durations (zero when there are none).
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}
