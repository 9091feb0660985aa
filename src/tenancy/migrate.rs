//! Per-schema migrations (django-tenants' `migrate_schemas`).
//!
//! Two sets of SQL files are compiled into the binary: `migrations/public` for the shared
//! registry and `migrations/tenant` for every store. Each schema records what it has
//! applied in its own table — `public.shared_migrations` for the public schema,
//! `<store>.schema_migrations` in each store — with a checksum of the file, so an applied
//! migration that was edited afterwards is refused rather than silently diverging.
//!
//! A schema is migrated in one transaction under a per-schema advisory lock: it ends up
//! fully migrated or exactly as it was. Stores are independent, so [`migrate_tenants`]
//! runs several at once and reports each store's outcome; one failure never stops or
//! undoes the others.
//!
//! Each store's applied version is also recorded in `public.tenants.schema_version`,
//! in the same transaction as its ledger, so that a run over ten thousand up-to-date
//! stores is one query; the ledger stays the source of truth whenever a store is
//! actually migrated (or named with `--schema`).

use std::borrow::Cow;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use sqlx::migrate::{Migration, Migrator};
use sqlx::Executor as _;
use sqlx::{PgConnection, PgPool};

use super::names::SchemaName;
use super::registry;
use crate::{Error, Result};

static PUBLIC: Migrator = sqlx::migrate!("migrations/public");
static TENANT: Migrator = sqlx::migrate!("migrations/tenant");

/// Advisory lock namespace for "migrating schema X" (the second key is a hash of X).
const LOCK_NAMESPACE: i32 = 0x6d6b_7470; // "mktp"

/// An ordered set of migrations for one kind of schema.
#[derive(Debug, Clone)]
pub struct MigrationSet {
    migrations: Cow<'static, [Migration]>,
}

impl MigrationSet {
    /// The migrations of the shared `public` schema.
    pub fn public() -> Self {
        MigrationSet {
            migrations: PUBLIC.migrations.clone(),
        }
    }

    /// The migrations of every store's schema.
    pub fn tenant() -> Self {
        MigrationSet {
            migrations: TENANT.migrations.clone(),
        }
    }

    /// A set built from explicit `(version, description, sql)` steps, for tests and tools.
    pub fn from_steps(steps: &[(i64, &str, &str)]) -> Self {
        MigrationSet {
            migrations: Cow::Owned(Vec::new()),
        }
        .with_steps(steps)
    }

    /// This set followed by more steps (tests use it to add a migration that fails).
    pub fn with_steps(self, steps: &[(i64, &str, &str)]) -> Self {
        let mut migrations = self.migrations.into_owned();
        migrations.extend(steps.iter().map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Owned(description.to_string()),
                sqlx::migrate::MigrationType::Simple,
                Cow::Owned(sql.to_string()),
                false,
            )
        }));
        MigrationSet {
            migrations: Cow::Owned(migrations),
        }
    }

    /// The newest version in the set (0 when empty).
    pub fn latest(&self) -> i64 {
        self.migrations.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The migrations, in the order they were given.
    pub(crate) fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    pub fn len(&self) -> usize {
        self.migrations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }
}

/// Which bookkeeping table a schema keeps its history in.
enum Ledger<'a> {
    Public,
    Tenant(&'a SchemaName),
}

impl Ledger<'_> {
    fn table(&self) -> String {
        match self {
            Ledger::Public => "public.shared_migrations".to_owned(),
            Ledger::Tenant(schema) => format!("{}.schema_migrations", schema.quoted()),
        }
    }

    fn name(&self) -> &str {
        match self {
            Ledger::Public => "public",
            Ledger::Tenant(schema) => schema.as_str(),
        }
    }
}

/// Creates a schema's migration ledger, `table`, if it is missing.
pub(crate) fn ledger_sql(table: &str) -> String {
    format!(
        "create table if not exists {table} (
            version bigint primary key,
            description text not null,
            checksum bytea not null,
            execution_ms bigint not null,
            applied_at timestamptz not null default now()
        )"
    )
}

/// Applies what `set` has and `ledger`'s schema lacks, on a connection that is inside a
/// transaction whose `search_path` is that schema alone. Returns the versions applied.
async fn apply(
    conn: &mut PgConnection,
    ledger: Ledger<'_>,
    set: &MigrationSet,
) -> Result<Vec<i64>> {
    sqlx::query("select pg_advisory_xact_lock($1, hashtext($2))")
        .bind(LOCK_NAMESPACE)
        .bind(ledger.name())
        .execute(&mut *conn)
        .await?;
    let table = ledger.table();
    // Statements are built into locals first: a temporary String borrowed across an
    // await makes the future not provably Send (rustc's higher-ranked lifetime limits).
    let create = ledger_sql(&table);
    (&mut *conn).execute(sqlx::raw_sql(&create)).await?;
    let select = format!("select version, checksum from {table} order by version");
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(&select).fetch_all(&mut *conn).await?;

    for (version, checksum) in &applied {
        match set.migrations.iter().find(|m| m.version == *version) {
            None => {
                return Err(Error::Migration(format!(
                    "schema {}: migration {version} is applied but unknown to this build \
                     (is the database newer than the binary?)",
                    ledger.name()
                )))
            }
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(Error::Migration(format!(
                    "schema {}: migration {version} ({}) was changed after it was applied; \
                     add a new migration instead of editing an applied one",
                    ledger.name(),
                    m.description
                )))
            }
            Some(_) => {}
        }
    }

    let mut newly = Vec::new();
    let record = format!(
        "insert into {table} (version, description, checksum, execution_ms) values ($1, $2, $3, $4)"
    );
    let mut pending: Vec<&Migration> = set
        .migrations
        .iter()
        .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
        .collect();
    pending.sort_by_key(|m| m.version);
    for migration in pending {
        let started = Instant::now();
        (&mut *conn)
            .execute(sqlx::raw_sql(&migration.sql))
            .await
            .map_err(|err| {
                Error::Migration(format!(
                    "schema {}: migration {} ({}) failed: {err}",
                    ledger.name(),
                    migration.version,
                    migration.description
                ))
            })?;
        let elapsed = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        sqlx::query(&record)
            .bind(migration.version)
            .bind(migration.description.as_ref())
            .bind(migration.checksum.as_ref())
            .bind(elapsed)
            .execute(&mut *conn)
            .await?;
        newly.push(migration.version);
    }
    Ok(newly)
}

/// Migrates the shared `public` schema. Returns the versions applied.
pub async fn migrate_public(pool: &PgPool) -> Result<Vec<i64>> {
    let mut tx = pool
        .begin_with("begin; set local search_path to public")
        .await?;
    let applied = apply(&mut tx, Ledger::Public, &MigrationSet::public()).await?;
    tx.commit().await?;
    Ok(applied)
}

/// Migrates one store's schema in its own transaction. Returns the versions applied.
pub async fn migrate_tenant(
    pool: &PgPool,
    schema: &SchemaName,
    set: &MigrationSet,
) -> Result<Vec<i64>> {
    // The store's schema alone: if it were missing, unqualified CREATEs would otherwise
    // land in the next schema of the path.
    let mut tx = pool
        .begin_with(format!(
            "begin; set local search_path to {}",
            schema.quoted()
        ))
        .await?;
    let exists: bool = sqlx::query_scalar(
        "select exists(select 1 from pg_catalog.pg_namespace where nspname = $1)",
    )
    .bind(schema.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if !exists {
        return Err(Error::Migration(format!(
            "schema {schema} is registered as a store but does not exist in the database"
        )));
    }
    let applied = apply(&mut tx, Ledger::Tenant(schema), set).await?;
    if !applied.is_empty() {
        // New tables (and stores from before per-store roles) get their grants.
        super::roles::grant(&mut tx, schema).await?;
    }
    // The ledger now holds exactly `set` (an unknown applied version was refused
    // above): the registry's copy of the version follows in the same transaction.
    sqlx::query(
        "update public.tenants set schema_version = $1 \
         where schema_name = $2 and schema_version is distinct from $1",
    )
    .bind(set.latest())
    .bind(schema.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(applied)
}

/// The stores whose recorded `schema_version` is not `latest` (unknown included), in
/// the order they were created: one query, however many stores are up to date.
pub async fn behind(pool: &PgPool, latest: i64) -> Result<Vec<SchemaName>> {
    let names: Vec<String> = sqlx::query_scalar(
        "select schema_name from public.tenants \
         where schema_version is distinct from $1 order by id",
    )
    .bind(latest)
    .fetch_all(pool)
    .await?;
    names.into_iter().map(SchemaName::try_from).collect()
}

/// One store's result in a [`migrate_tenants`] run.
#[derive(Debug)]
pub struct TenantOutcome {
    pub schema: SchemaName,
    pub result: Result<Vec<i64>>,
    pub elapsed: Duration,
}

/// Migrates the given store (`only`), or every store whose recorded version is not
/// `set`'s latest, at most `jobs` at a time, calling `on_done` as each finishes with the
/// number of stores visited. Every visited store's outcome is returned; stores already
/// up to date by their recorded version cost nothing but the one query of [`behind`].
/// A store that fails keeps its old version, so running again visits only the stores
/// still behind (a run is resumable).
pub async fn migrate_tenants(
    pool: &PgPool,
    set: &MigrationSet,
    only: Option<&SchemaName>,
    jobs: usize,
    mut on_done: impl FnMut(usize, &TenantOutcome),
) -> Result<Vec<TenantOutcome>> {
    let schemas: Vec<SchemaName> = match only {
        Some(schema) => vec![registry::get_by_schema(pool, schema).await?.schema_name],
        None => behind(pool, set.latest()).await?,
    };
    let total = schemas.len();
    let mut outcomes = Vec::with_capacity(total);
    let mut runs = stream::iter(schemas)
        .map(|schema| async move {
            let started = Instant::now();
            let result = migrate_tenant(pool, &schema, set).await;
            TenantOutcome {
                schema,
                result,
                elapsed: started.elapsed(),
            }
        })
        .buffer_unordered(jobs.max(1));
    while let Some(outcome) = runs.next().await {
        on_done(total, &outcome);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
