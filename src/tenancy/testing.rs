//! Set-up for the core's in-module database tests (`#[sqlx::test]`, each on a fresh
//! database): a migrated platform and stores created the way the CLI creates them.

use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use super::migrate;
use super::names::SchemaName;
use super::provision::{self, NewTenant};
use super::resolver::PublicHosts;

/// A migrated, empty platform database.
pub(crate) async fn platform(options: PgConnectOptions) -> PgPool {
    let pool = crate::db::connect_with(options, 2).await.unwrap();
    migrate::migrate_public(&pool).await.unwrap();
    pool
}

/// Creates a store named after its schema, served at `<schema>.localhost`.
pub(crate) async fn store(pool: &PgPool, schema: &str) -> SchemaName {
    let new = NewTenant::parse(
        &format!("Store {schema}"),
        &format!("owner@{schema}.example"),
        schema,
        &format!("{schema}.localhost"),
    )
    .unwrap();
    provision::create(pool, &new, &PublicHosts::default())
        .await
        .unwrap()
        .schema_name
}
