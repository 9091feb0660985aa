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
/// answer 503 until it is resumed. A paused store is one whose subscription lapsed
/// (set by [`crate::billing`] only): its storefront answers 503, its admin stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    Suspended,
    Paused,
}

/// A host name of a store: served once verified (or when the platform vouches for it),
/// with the state of its DNS verification.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Domain {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub domain: Hostname,
    pub tenant_id: i64,
    pub is_primary: bool,
    pub created_at: DateTime<Utc>,
    pub status: DomainStatus,
    /// The value the TXT record `_marketplace-verify.<domain>` must hold.
    pub token: String,
    /// DNS checks since the claim (or its last retry) began.
    pub attempts: i32,
    pub claimed_at: DateTime<Utc>,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// When the verification job looks again; `None` once a claim failed.
    pub next_check_at: Option<DateTime<Utc>>,
    pub verified_at: Option<DateTime<Utc>>,
    /// Set while a verified domain's TXT record is missing: still served, but flagged.
    pub lost_at: Option<DateTime<Utc>>,
    /// Why the claim failed, or what the last check of a pending claim saw.
    pub failure_reason: Option<String>,
}

/// Where a domain is in its lifecycle: `pending` → `verified` (served) or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum DomainStatus {
    /// Claimed; its TXT record has not been seen yet. Never served.
    Pending,
    /// Proven (or the platform's own name): served.
    Verified,
    /// Given up on, or verified first by another store. Never served.
    Failed,
}

/// The columns of a [`Domain`], for `select` and `returning`.
pub(crate) const DOMAIN_COLUMNS: &str = "id, domain, tenant_id, is_primary, created_at, status, \
     token, attempts, claimed_at, last_checked_at, next_check_at, verified_at, lost_at, \
     failure_reason";

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

/// The statement of [`find_by_host`], which the resolver runs on a cache miss (shown
/// on the request-flow page): the store of a verified domain `$1`, else the store whose
/// schema is `$2` (the platform subdomain's, or null).
pub const FIND_BY_DOMAIN_SQL: &str = select_tenants!(
    "where t.id = coalesce((select tenant_id from public.domains where domain = $1 and status = 'verified'), \
     (select id from public.tenants where schema_name = $2))"
);

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

/// The store a verified domain serves, if any.
pub async fn find_by_domain(pool: &PgPool, host: &Hostname) -> Result<Option<Tenant>> {
    find_by_host(pool, host, None).await
}

/// The store a host serves: the one that verified it as a domain, else — for a
/// platform subdomain, whose schema is `subdomain` — the store with that schema.
pub async fn find_by_host(
    pool: &PgPool,
    host: &Hostname,
    subdomain: Option<&SchemaName>,
) -> Result<Option<Tenant>> {
    Ok(sqlx::query_as(FIND_BY_DOMAIN_SQL)
        .bind(host.as_str())
        .bind(subdomain.map(SchemaName::as_str))
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
    let sql = format!(
        "select {DOMAIN_COLUMNS} from public.domains where tenant_id = $1 \
         order by is_primary desc, status = 'verified' desc, domain"
    );
    Ok(sqlx::query_as(&sql).bind(tenant_id).fetch_all(pool).await?)
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
    move || {
        format!(
            "The domain '{}' already serves a store.",
            domain.to_unicode()
        )
    }
}

/// Turns the unique violations of a new domain row into friendly conflicts: the host
/// already serves a store, or this store already has it.
pub(crate) fn domain_conflict(domain: &Hostname) -> impl FnOnce(sqlx::Error) -> Error + '_ {
    move |err| {
        if Error::constraint(&err) == Some("domains_claim_key") {
            return Error::Conflict {
                field: "domain",
                message: format!(
                    "'{}' is already one of this store's domains.",
                    domain.to_unicode()
                ),
            };
        }
        Error::on_unique("domains_domain_key", "domain", domain_taken(domain))(err)
    }
}

/// Adds a domain the platform vouches for to a store, served at once (provisioning, and
/// names under the platform domain). With `is_primary`, it replaces the current primary.
/// Custom domains a store must prove go through [`super::domains::claim`] instead.
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
    let sql = format!(
        "insert into public.domains (domain, tenant_id, is_primary, status, token, verified_at) \
         values ($1, $2, $3, 'verified', $4, now()) returning {DOMAIN_COLUMNS}"
    );
    sqlx::query_as(&sql)
        .bind(domain.as_str())
        .bind(tenant_id)
        .bind(is_primary)
        .bind(super::domains::new_token())
        .fetch_one(&mut *conn)
        .await
        .map_err(domain_conflict(domain))
}

/// Makes `domain` (already one of the store's) its primary domain.
pub async fn set_primary(conn: &mut PgConnection, tenant_id: i64, domain: &Hostname) -> Result<()> {
    let status: Option<DomainStatus> = sqlx::query_scalar(
        "select status from public.domains where tenant_id = $1 and domain = $2",
    )
    .bind(tenant_id)
    .bind(domain.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    match status {
        None => return Err(Error::not_found(format!("domain '{domain}' of this store"))),
        Some(DomainStatus::Verified) => {}
        Some(_) => {
            return Err(Error::Rejected(format!(
                "'{}' is not verified yet: only a verified domain can be primary.",
                domain.to_unicode()
            )))
        }
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

pub use super::domains::{change_domain, DomainChange};

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
