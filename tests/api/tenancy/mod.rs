//! Tenancy against a real PostgreSQL: provisioning all-or-nothing, per-schema
//! migrations, the scoped transaction and the host resolver.

mod migrate;
mod provision;
mod resolver;
mod scope;

use marketplace::tenancy::SchemaName;
use sqlx::PgPool;

pub(super) fn schema(s: &str) -> SchemaName {
    SchemaName::parse(s).unwrap()
}

pub(super) async fn registry_rows(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as(
        "select (select count(*) from public.tenants), (select count(*) from public.domains)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}
