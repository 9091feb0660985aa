//! The shared registry of stores: `public.tenants` and `public.domains`
//! (django-tenants' `TenantMixin` and `DomainMixin` models).
//!
//! Every statement here names its table `public.<name>`: pooled connections run with a
//! neutral `search_path`, and these rows are the same for every request.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use super::names::{Hostname, SchemaName};
use super::resolver::ServedHosts;
use crate::{Error, Result};

/// A store. Its data lives in the schema `schema_name`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Tenant {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub schema_name: SchemaName,
    pub owner_email: String,
    pub status: TenantStatus,
    /// The primary domain; every store has exactly one (a deferred constraint trigger
    /// in the database enforces it at commit).
    #[sqlx(try_from = "String")]
    pub primary_domain: Hostname,
    pub created_at: DateTime<Utc>,
}

/// Whether a store's hosts serve it. A suspended store keeps its data; its hosts
/// answer 503 until it is resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    Suspended,
}

/// A host name that serves a store.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Domain {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub domain: Hostname,
    pub tenant_id: i64,
    pub is_primary: bool,
    pub created_at: DateTime<Utc>,
}

/// `select` of a [`Tenant`] row followed by the given clause, as one static string.
macro_rules! select_tenants {
    ($tail:literal) => {
        concat!(
            "select t.id, t.name, t.schema_name, t.owner_email, t.status, ",
            "d.domain as primary_domain, t.created_at ",
            "from public.tenants t join public.domains d on d.tenant_id = t.id and d.is_primary ",
            $tail
        )
    };
}

/// The statement of [`list`] (shown on the request-flow page).
pub const LIST_SQL: &str = select_tenants!("order by t.id");

/// The statement of [`find_by_domain`], which the resolver runs on a cache miss (shown
/// on the request-flow page).
pub const FIND_BY_DOMAIN_SQL: &str =
    select_tenants!("where t.id = (select tenant_id from public.domains where domain = $1)");

/// All stores, oldest first.
pub async fn list(pool: &PgPool) -> Result<Vec<Tenant>> {
    Ok(sqlx::query_as(LIST_SQL).fetch_all(pool).await?)
}

/// How many stores exist.
pub async fn count(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from public.tenants")
        .fetch_one(pool)
        .await?)
}

/// The store a host name serves, if any.
pub async fn find_by_domain(pool: &PgPool, host: &Hostname) -> Result<Option<Tenant>> {
    Ok(sqlx::query_as(FIND_BY_DOMAIN_SQL)
        .bind(host.as_str())
        .fetch_optional(pool)
        .await?)
}

/// The store with this schema, if any.
pub async fn find_by_schema(pool: &PgPool, schema: &SchemaName) -> Result<Option<Tenant>> {
    Ok(sqlx::query_as(select_tenants!("where t.schema_name = $1"))
        .bind(schema.as_str())
        .fetch_optional(pool)
        .await?)
}

/// The store with this schema, or a NotFound error naming it.
pub async fn get_by_schema(pool: &PgPool, schema: &SchemaName) -> Result<Tenant> {
    find_by_schema(pool, schema)
        .await?
        .ok_or_else(|| Error::not_found(format!("store '{schema}'")))
}

/// A store's domains, primary first.
pub async fn domains(pool: &PgPool, tenant_id: i64) -> Result<Vec<Domain>> {
    Ok(sqlx::query_as(
        "select id, domain, tenant_id, is_primary, created_at from public.domains \
         where tenant_id = $1 order by is_primary desc, domain",
    )
    .bind(tenant_id)
    .fetch_all(pool)
    .await?)
}

/// Inserts the registry row of a new store (part of provisioning's transaction).
pub(crate) async fn insert_tenant(
    conn: &mut PgConnection,
    name: &str,
    schema: &SchemaName,
    owner_email: &str,
) -> Result<i64> {
    sqlx::query_scalar(
        "insert into public.tenants (name, schema_name, owner_email) values ($1, $2, $3) returning id",
    )
    .bind(name)
    .bind(schema.as_str())
    .bind(owner_email)
    .fetch_one(&mut *conn)
    .await
    .map_err(Error::on_unique("tenants_schema_name_key", "schema", || {
        format!("A store with the schema '{schema}' already exists.")
    }))
}

fn domain_taken(domain: &Hostname) -> impl FnOnce() -> String + '_ {
    move || format!("The domain '{domain}' already serves a store.")
}

/// Adds a domain to a store. With `is_primary`, it replaces the current primary.
pub async fn add_domain(
    conn: &mut PgConnection,
    tenant_id: i64,
    domain: &Hostname,
    is_primary: bool,
) -> Result<Domain> {
    if is_primary {
        sqlx::query("update public.domains set is_primary = false, updated_at = now() where tenant_id = $1 and is_primary")
            .bind(tenant_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query_as(
        "insert into public.domains (domain, tenant_id, is_primary) values ($1, $2, $3) \
         returning id, domain, tenant_id, is_primary, created_at",
    )
    .bind(domain.as_str())
    .bind(tenant_id)
    .bind(is_primary)
    .fetch_one(&mut *conn)
    .await
    .map_err(Error::on_unique(
        "domains_domain_key",
        "domain",
        domain_taken(domain),
    ))
}

/// Makes `domain` (already one of the store's) its primary domain.
pub async fn set_primary(conn: &mut PgConnection, tenant_id: i64, domain: &Hostname) -> Result<()> {
    let exists: bool = sqlx::query_scalar(
        "select exists(select 1 from public.domains where tenant_id = $1 and domain = $2)",
    )
    .bind(tenant_id)
    .bind(domain.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if !exists {
        return Err(Error::not_found(format!("domain '{domain}' of this store")));
    }
    sqlx::query(
        "update public.domains set is_primary = (domain = $2), updated_at = now() \
         where tenant_id = $1 and is_primary <> (domain = $2)",
    )
    .bind(tenant_id)
    .bind(domain.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a domain that is not the store's primary one.
pub async fn remove_domain(
    conn: &mut PgConnection,
    tenant_id: i64,
    domain: &Hostname,
) -> Result<()> {
    let is_primary: Option<bool> = sqlx::query_scalar(
        "select is_primary from public.domains where tenant_id = $1 and domain = $2 for update",
    )
    .bind(tenant_id)
    .bind(domain.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    match is_primary {
        None => Err(Error::not_found(format!("domain '{domain}' of this store"))),
        Some(true) => Err(Error::Rejected(format!(
            "'{domain}' is the primary domain; make another domain primary first."
        ))),
        Some(false) => {
            sqlx::query("delete from public.domains where tenant_id = $1 and domain = $2")
                .bind(tenant_id)
                .bind(domain.as_str())
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
    }
}

/// Suspends or resumes a store.
pub async fn set_status(pool: &PgPool, tenant_id: i64, status: TenantStatus) -> Result<()> {
    let updated =
        sqlx::query("update public.tenants set status = $2, updated_at = now() where id = $1")
            .bind(tenant_id)
            .bind(status)
            .execute(pool)
            .await?
            .rows_affected();
    if updated == 0 {
        return Err(Error::not_found("store"));
    }
    Ok(())
}

/// Suspends or resumes the store with this schema, and has `hosts`' cache forget it so
/// its hosts answer accordingly at once.
pub async fn change_status(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    schema: &SchemaName,
    status: TenantStatus,
) -> Result<()> {
    let tenant = get_by_schema(pool, schema).await?;
    set_status(pool, tenant.id, status).await?;
    hosts.forget(tenant.id, None);
    Ok(())
}

/// A change to one of a store's domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainChange {
    /// Serve the store at one more host.
    Add,
    /// Serve the store at one more host and make it the primary one.
    AddPrimary,
    /// Make one of the store's hosts its primary one.
    MakePrimary,
    /// Stop serving the store at a host that is not its primary one.
    Remove,
}

impl DomainChange {
    /// The change a form names: `add`, `add_primary`, `primary` or `remove`.
    pub fn parse(op: &str) -> Result<Self> {
        match op {
            "add" => Ok(DomainChange::Add),
            "add_primary" => Ok(DomainChange::AddPrimary),
            "primary" => Ok(DomainChange::MakePrimary),
            "remove" => Ok(DomainChange::Remove),
            other => Err(Error::Rejected(format!(
                "Unknown domain operation '{other}'."
            ))),
        }
    }
}

/// Changes one of the domains of the store with this schema, in one transaction: a
/// public host is never added (the same check as provisioning), the primary domain is
/// never removed, and `hosts`' cache forgets what it knew once the change is committed.
pub async fn change_domain(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    schema: &SchemaName,
    domain: &Hostname,
    change: DomainChange,
) -> Result<()> {
    let tenant_id = get_by_schema(pool, schema).await?.id;
    let mut tx = pool.begin().await?;
    match change {
        DomainChange::Add | DomainChange::AddPrimary => {
            hosts.public_hosts().ensure_claimable(domain)?;
            let primary = change == DomainChange::AddPrimary;
            add_domain(&mut tx, tenant_id, domain, primary).await?;
        }
        DomainChange::MakePrimary => set_primary(&mut tx, tenant_id, domain).await?,
        DomainChange::Remove => remove_domain(&mut tx, tenant_id, domain).await?,
    }
    tx.commit().await?;
    hosts.forget(tenant_id, Some(domain));
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Domain and status changes through the resolver: checked like provisioning, and
    //! seen by this process's very next lookup.
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

    use super::*;
    use crate::tenancy::resolver::{PublicHosts, Resolver, Site};
    use crate::tenancy::testing::{platform, store};

    fn host(name: &str) -> Hostname {
        Hostname::parse(name).unwrap()
    }

    async fn serves(resolver: &Resolver, name: &str) -> Option<Tenant> {
        match resolver.resolve(&host(name)).await.unwrap().site {
            Some(Site::Store(tenant)) => Some((*tenant).clone()),
            _ => None,
        }
    }

    #[sqlx::test(migrations = false)]
    async fn domain_changes_are_checked_and_seen_at_once(
        _: PgPoolOptions,
        options: PgConnectOptions,
    ) {
        let pool = platform(options).await;
        let schema = store(&pool, "techstore").await;
        let resolver = Resolver::new(pool.clone(), PublicHosts::default());
        let change = |domain: &'static str, change| {
            let (pool, resolver, schema) = (&pool, &resolver, &schema);
            async move { change_domain(pool, resolver, schema, &host(domain), change).await }
        };

        assert!(serves(&resolver, "shop.localhost").await.is_none());
        change("shop.localhost", DomainChange::Add).await.unwrap();
        assert!(serves(&resolver, "shop.localhost").await.is_some());

        let public = change("localhost", DomainChange::AddPrimary).await;
        let public = public.unwrap_err();
        assert_eq!(public.field(), Some("domain"));
        assert!(
            public.message().contains("serves the public site"),
            "{public}"
        );
        let primary = change("techstore.localhost", DomainChange::Remove).await;
        assert!(matches!(primary, Err(Error::Rejected(_))), "{primary:?}");

        change("shop.localhost", DomainChange::MakePrimary)
            .await
            .unwrap();
        change("techstore.localhost", DomainChange::Remove)
            .await
            .unwrap();
        assert!(serves(&resolver, "techstore.localhost").await.is_none());
        let tenant = serves(&resolver, "shop.localhost").await.unwrap();
        assert_eq!(tenant.primary_domain, host("shop.localhost"));

        change_status(&pool, &resolver, &schema, TenantStatus::Suspended)
            .await
            .unwrap();
        let tenant = serves(&resolver, "shop.localhost").await.unwrap();
        assert_eq!(tenant.status, TenantStatus::Suspended);

        let unknown = DomainChange::parse("rename").unwrap_err();
        assert_eq!(unknown.to_string(), "Unknown domain operation 'rename'.");
        let missing = SchemaName::parse("nowhere").unwrap();
        let err = change_domain(
            &pool,
            &resolver,
            &missing,
            &host("x.localhost"),
            DomainChange::Add,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    }
}
