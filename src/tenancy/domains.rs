//! A store's custom domains: claimed, proven with a DNS TXT record, then served
//! (django-tenants' `Domain` rows, plus the ownership check it leaves to the operator).
//!
//! A store claims a host (`shop.example.com`) and gets a random token; the host is
//! served only once the TXT record `_marketplace-verify.shop.example.com` holds that
//! token ([`super::verification`] looks it up). Several stores may claim the same host,
//! each with its own token — a claim proves nothing — and the first to verify it wins;
//! the others' claims then fail with the reason. Names the platform hands out itself
//! (under its platform domain) need no proof and are served at once.

use std::net::IpAddr;

use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Serialize;
use sqlx::PgPool;

use super::names::{Hostname, SchemaName};
use super::registry::{
    self, add_domain, get_by_schema, remove_domain, set_primary, Domain, DOMAIN_COLUMNS,
};
use super::resolver::ServedHosts;
use crate::{Error, Result};

/// The label in front of a claimed host whose TXT record proves the claim.
pub const TXT_LABEL: &str = "_marketplace-verify";

/// A fresh verification token: 32 lowercase letters and digits (a DNS TXT value any
/// DNS provider's form accepts as typed).
pub fn new_token() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(|b| char::from(b).to_ascii_lowercase())
        .collect()
}

/// The name of the TXT record that proves a claim of `domain`.
pub fn txt_name(domain: &Hostname) -> String {
    format!("{TXT_LABEL}.{domain}")
}

/// Claims `domain` for the store `tenant_id`: a pending domain with its own token, due
/// for its first check at once. Refused for the platform's own names, for a host that
/// already serves a store, for one this store already has, and past the store's plan.
pub async fn claim(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    tenant_id: i64,
    domain: &Hostname,
) -> Result<Domain> {
    hosts.public_hosts().ensure_custom(domain)?;
    let taken: bool = sqlx::query_scalar(
        "select exists(select 1 from public.domains \
         where domain = $1 and status = 'verified' and tenant_id <> $2)",
    )
    .bind(domain.as_str())
    .bind(tenant_id)
    .fetch_one(pool)
    .await?;
    if taken {
        return Err(Error::Conflict {
            field: "domain",
            message: format!(
                "The domain '{}' already serves another store.",
                domain.to_unicode()
            ),
        });
    }
    let mut tx = pool.begin().await?;
    crate::billing::limits::ensure_domain_room(&mut tx, tenant_id).await?;
    let sql = format!(
        "insert into public.domains (domain, tenant_id, status, token, next_check_at) \
         values ($1, $2, 'pending', $3, now()) returning {DOMAIN_COLUMNS}"
    );
    let claimed = sqlx::query_as(&sql)
        .bind(domain.as_str())
        .bind(tenant_id)
        .bind(new_token())
        .fetch_one(&mut *tx)
        .await
        .map_err(registry::domain_conflict(domain))?;
    tx.commit().await?;
    Ok(claimed)
}

/// One of a store's domains, or NotFound.
pub async fn get(pool: &PgPool, tenant_id: i64, domain: &Hostname) -> Result<Domain> {
    let sql =
        format!("select {DOMAIN_COLUMNS} from public.domains where tenant_id = $1 and domain = $2");
    sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(domain.as_str())
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| Error::not_found(format!("domain '{domain}' of this store")))
}

/// A change to one of a store's domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainChange {
    /// Serve the store at one more host: at once under the platform domain, else once
    /// its claim is verified.
    Add,
    /// Serve the store at one more host of the platform's and make it the primary one.
    AddPrimary,
    /// Make one of the store's verified hosts its primary one.
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

/// Changes one of the domains of the store with this schema: a public host is never
/// added (the same check as provisioning), a custom host is only claimed, a host that
/// is not verified never becomes primary, the primary domain is never removed, and
/// `hosts`' cache forgets what it knew once the change is committed.
pub async fn change_domain(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    schema: &SchemaName,
    domain: &Hostname,
    change: DomainChange,
) -> Result<()> {
    let tenant_id = get_by_schema(pool, schema).await?.id;
    let platform = domain.is_within(hosts.public_hosts().platform_domain());
    if change == DomainChange::Add && !platform {
        claim(pool, hosts, tenant_id, domain).await?;
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    match change {
        DomainChange::Add | DomainChange::AddPrimary => {
            hosts.public_hosts().ensure_claimable(domain)?;
            if !platform {
                return Err(Error::Rejected(format!(
                    "'{}' must be verified before it can be primary: add it, create its DNS \
                     records, then make it primary.",
                    domain.to_unicode()
                )));
            }
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

/// Where the platform's traffic arrives, for the records a store owner must create:
/// subdomains point a CNAME at `cname_target`, apex hosts (which cannot have a CNAME)
/// A/AAAA records at `apex_ips`.
#[derive(Debug, Clone)]
pub struct DnsTargets {
    pub cname_target: Hostname,
    pub apex_ips: Vec<IpAddr>,
}

impl DnsTargets {
    /// The default target under a platform domain: `stores.<platform domain>`.
    pub fn for_platform(platform_domain: &Hostname) -> Self {
        DnsTargets {
            cname_target: Hostname::parse(&format!("stores.{platform_domain}"))
                .unwrap_or_else(|_| platform_domain.clone()),
            apex_ips: Vec::new(),
        }
    }

    /// The records to create at the DNS provider so that `domain` reaches the platform
    /// and proves the claim. A host of two labels (`example.com`) is taken for an apex;
    /// deeper names for subdomains.
    pub fn records(&self, domain: &Domain) -> Vec<DnsRecord> {
        let host = domain.domain.to_unicode();
        let mut records = Vec::new();
        if domain.domain.as_str().split('.').count() <= 2 {
            for ip in &self.apex_ips {
                let kind = if ip.is_ipv4() { "A" } else { "AAAA" };
                records.push(DnsRecord::new(kind, host.clone(), ip.to_string()));
            }
            if self.apex_ips.is_empty() {
                let value = format!("the address of {}", self.cname_target);
                records.push(DnsRecord::new("A", host.clone(), value));
            }
        } else {
            let target = format!("{}.", self.cname_target);
            records.push(DnsRecord::new("CNAME", host.clone(), target));
        }
        let txt = format!("{TXT_LABEL}.{host}");
        records.push(DnsRecord::new("TXT", txt, domain.token.clone()));
        records
    }
}

/// One DNS record a store owner must create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    /// `CNAME`, `A`, `AAAA` or `TXT`.
    pub kind: &'static str,
    pub name: String,
    pub value: String,
}

impl DnsRecord {
    fn new(kind: &'static str, name: String, value: String) -> Self {
        DnsRecord { kind, name, value }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::tenancy::registry::DomainStatus;

    fn claimed(host: &str) -> Domain {
        Domain {
            id: 1,
            domain: Hostname::parse(host).unwrap(),
            tenant_id: 1,
            is_primary: false,
            created_at: Utc::now(),
            status: DomainStatus::Pending,
            token: "abc".repeat(8),
            attempts: 0,
            claimed_at: Utc::now(),
            last_checked_at: None,
            next_check_at: None,
            verified_at: None,
            lost_at: None,
            failure_reason: None,
        }
    }

    fn kinds(records: &[DnsRecord]) -> Vec<(&str, &str, &str)> {
        records
            .iter()
            .map(|r| (r.kind, r.name.as_str(), r.value.as_str()))
            .collect()
    }

    #[test]
    fn subdomains_get_a_cname_apex_hosts_addresses_and_both_a_txt() {
        let mut targets = DnsTargets::for_platform(&Hostname::parse("shops.example").unwrap());
        let token = "abc".repeat(8);
        assert_eq!(
            kinds(&targets.records(&claimed("www.example.com"))),
            [
                ("CNAME", "www.example.com", "stores.shops.example."),
                ("TXT", "_marketplace-verify.www.example.com", token.as_str()),
            ]
        );
        targets.apex_ips = vec![
            "203.0.113.7".parse().unwrap(),
            "2001:db8::7".parse().unwrap(),
        ];
        assert_eq!(
            kinds(&targets.records(&claimed("example.com"))),
            [
                ("A", "example.com", "203.0.113.7"),
                ("AAAA", "example.com", "2001:db8::7"),
                ("TXT", "_marketplace-verify.example.com", token.as_str()),
            ]
        );
        assert!(new_token()
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_ne!(new_token(), new_token());
    }
}
