//! Creating and dropping stores, all or nothing (django-tenants' `create_tenant` and
//! `auto_drop_schema`).
//!
//! A store is created in one transaction: its registry row, its primary domain, its
//! schema, every tenant migration, its settings row, and its trial of the default plan
//! (the subscription and the store's copy of the plan's limits). PostgreSQL's DDL is
//! transactional, so any failure along the way — a taken domain, a broken migration, a
//! crash — leaves no schema, no registry row and no domain behind. The schema is filled
//! by one pre-rendered script ([`super::fresh`]), so a store costs a handful of round
//! trips whatever the number of migrations.

use sqlx::Executor as _;
use sqlx::PgPool;

use super::fresh;
use super::migrate::MigrationSet;
use super::names::{Hostname, SchemaName};
use super::registry::{self, Tenant};
use super::resolver::ServedHosts;
use super::roles;
use super::scope::TenantTx;
use crate::email::Email;
use crate::{settings, Error, Result};

/// A validated request to create a store.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub name: String,
    pub owner_email: Email,
    pub schema: SchemaName,
    pub domain: Hostname,
}

impl NewTenant {
    /// Validates raw input; the first rule broken is reported with its field.
    pub fn parse(name: &str, owner_email: &str, schema: &str, domain: &str) -> Result<Self> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "A store needs a name."));
        }
        if name.chars().count() > 100 {
            return Err(Error::invalid(
                "name",
                "A store name is at most 100 characters.",
            ));
        }
        Ok(NewTenant {
            name: name.to_owned(),
            owner_email: Email::parse(owner_email)?,
            schema: SchemaName::parse(schema)?,
            domain: Hostname::parse(domain)?,
        })
    }
}

/// Creates a store with the project's tenant migrations. Given the [`Resolver`]
/// (a server), its cache forgets the host right away.
///
/// [`Resolver`]: super::Resolver
pub async fn create(pool: &PgPool, new: &NewTenant, hosts: &impl ServedHosts) -> Result<Tenant> {
    create_with(pool, new, hosts, &MigrationSet::tenant()).await
}

/// Creates a store with the given migration set (tests use a set that fails midway).
pub async fn create_with(
    pool: &PgPool,
    new: &NewTenant,
    hosts: &impl ServedHosts,
    migrations: &MigrationSet,
) -> Result<Tenant> {
    hosts.public_hosts().ensure_claimable(&new.domain)?;
    let mut tx = pool.begin().await?;
    let tenant_id =
        registry::insert_tenant(&mut tx, &new.name, &new.schema, new.owner_email.as_str()).await?;
    registry::add_domain(&mut tx, tenant_id, &new.domain, true).await?;

    // A schema of that name may exist without being a store (left by hand, or a
    // PostgreSQL schema of another application): never adopt it.
    let create = format!("create schema {}", new.schema.quoted());
    (&mut *tx)
        .execute(sqlx::raw_sql(&create))
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("42P06") => Error::Conflict {
                field: "schema",
                message: format!(
                    "A schema named '{}' already exists in the database.",
                    new.schema
                ),
            },
            _ => Error::Database(err),
        })?;
    let script = fresh::script(&new.schema, tenant_id, migrations);
    (&mut *tx)
        .execute(sqlx::raw_sql(&script))
        .await
        .map_err(|err| {
            Error::Migration(format!(
                "schema {}: the tenant migrations failed while creating the store: {err}",
                new.schema
            ))
        })?;

    let plan =
        crate::billing::subscriptions::start_trial(&mut tx, tenant_id, chrono::Utc::now()).await?;

    let mut store = TenantTx::adopt(tx, &new.schema).await?;
    settings::init(&mut store, &new.name, &new.schema.order_prefix()).await?;
    crate::billing::limits::write_fresh(&mut store, &plan).await?;
    // The registry's deferred checks run at commit, as the login role, not the store's.
    store.leave_store_role().await?;
    store.commit().await?;

    hosts.forget(tenant_id, Some(&new.domain));

    registry::find_by_schema(pool, &new.schema)
        .await?
        .ok_or_else(|| Error::not_found(format!("store '{}' right after creating it", new.schema)))
}

/// Deletes a store: its schema with all its data, its domains and its registry row.
/// `confirm` must repeat the schema name, so a slip of the hand cannot drop a store.
/// Its hosts are forgotten by `hosts`' cache, if it has one.
pub async fn drop(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    schema: &SchemaName,
    confirm: &str,
) -> Result<()> {
    if confirm.trim() != schema.as_str() {
        return Err(Error::invalid(
            "confirm",
            format!("Type '{schema}' to confirm deleting this store."),
        ));
    }
    let mut tx = pool.begin().await?;
    let deleted: Option<i64> =
        sqlx::query_scalar("delete from public.tenants where schema_name = $1 returning id")
            .bind(schema.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let Some(tenant_id) = deleted else {
        return Err(Error::not_found(format!("store '{schema}'")));
    };
    let drop = format!("drop schema if exists {} cascade", schema.quoted());
    (&mut *tx).execute(sqlx::raw_sql(&drop)).await?;
    roles::revoke(&mut tx, schema).await?;
    tx.commit().await?;
    hosts.forget(tenant_id, None);
    Ok(())
}
