//! Shared set-up for the core's integration tests: each test gets a fresh database from
//! `#[sqlx::test]` (created from `DATABASE_URL`, dropped after a passing test) and opens
//! it with the project's own pool settings.

use marketplace::tenancy::provision::{self, NewTenant};
use marketplace::tenancy::resolver::{PublicHosts, ServedHosts};
use marketplace::tenancy::{migrate, Tenant};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

/// A migrated, empty platform database.
pub async fn platform(options: PgConnectOptions, max_connections: u32) -> PgPool {
    let pool = marketplace::db::connect_with(options, max_connections)
        .await
        .expect("connect to test database");
    migrate::migrate_public(&pool)
        .await
        .expect("migrate public schema");
    pool
}

/// Creates a store named after its schema, served at `<schema>.localhost`.
pub async fn store(pool: &PgPool, schema: &str) -> Tenant {
    store_with(pool, schema, &PublicHosts::default()).await
}

/// [`store`], told to `hosts` (a resolver forgets the new host at once).
pub async fn store_with(pool: &PgPool, schema: &str, hosts: &impl ServedHosts) -> Tenant {
    let new = NewTenant::parse(
        &format!("Store {schema}"),
        &format!("owner@{schema}.example"),
        schema,
        &format!("{schema}.localhost"),
    )
    .expect("valid test store");
    provision::create(pool, &new, hosts)
        .await
        .expect("create test store")
}

/// The schemas that exist in the database, excluding PostgreSQL's own.
pub async fn schemas(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "select nspname::text from pg_catalog.pg_namespace \
         where nspname !~ '^pg_' and nspname <> 'information_schema' order by 1",
    )
    .fetch_all(pool)
    .await
    .expect("list schemas")
}

/// The tables of one schema, sorted.
pub async fn tables(pool: &PgPool, schema: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select tablename::text from pg_catalog.pg_tables where schemaname = $1 order by 1",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .expect("list tables")
}
