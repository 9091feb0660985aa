//! Proving a claim: the TXT record `_marketplace-verify.<host>` looked up with a real
//! DNS resolver, and what each answer does to the domain (django-tenants has no such
//! step; Shopify, Vercel and Cloudflare for SaaS all have this one).
//!
//! * A pending claim whose record holds its token is verified — unless another store
//!   verified the host first, then it fails with that reason; once verified, the other
//!   stores' pending claims of the host fail the same way.
//! * A pending claim whose record is missing is looked at again later, one minute after
//!   the first try, the wait doubling up to an hour; 72 hours after the claim it fails.
//! * A verified domain is re-checked every few hours. If its record is gone it is
//!   flagged (`lost_at`) and kept served: a store is not taken offline because a DNS
//!   record was tidied away, and the admins show the flag until it is back.
//! * A DNS failure (timeout, SERVFAIL) proves nothing either way: only the next check
//!   is scheduled.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use sqlx::PgPool;

use super::domains::{self, txt_name, DnsTargets};
use super::names::Hostname;
use super::registry::{Domain, DomainStatus};
use super::resolver::ServedHosts;
use crate::{Error, Result};

/// The first wait before a pending claim is checked again; it doubles with each miss.
pub const FIRST_RETRY: Duration = Duration::from_secs(60);
/// The longest wait between two checks of a pending claim.
pub const LONGEST_RETRY: Duration = Duration::from_secs(3600);
/// How long a claim may stay pending before it fails.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(72 * 3600);
/// How often a verified domain's record is looked at again.
pub const RECHECK_EVERY: Duration = Duration::from_secs(6 * 3600);

/// What a TXT lookup saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A TXT record at the name holds the token.
    Token,
    /// The name has no TXT record holding the token (none at all, or other values).
    Missing,
    /// The lookup itself failed: nothing is known.
    Unknown(String),
}

/// Looks TXT records up with hickory's resolver, answers never cached (a "Check now"
/// right after the owner created the record must see it).
#[derive(Clone)]
pub struct DnsChecker {
    resolver: TokioResolver,
}

impl DnsChecker {
    /// Asks the name servers of the system's `/etc/resolv.conf`; when it cannot be read,
    /// every lookup is [`Seen::Unknown`] (nothing is ever verified by mistake).
    pub fn system() -> Self {
        let (config, _) = hickory_resolver::system_conf::read_system_conf().unwrap_or_else(|_| {
            (
                ResolverConfig::from_parts(None, vec![], vec![]),
                ResolverOpts::default(),
            )
        });
        DnsChecker::with_config(config)
    }

    /// Asks only the name server at `server` (UDP and TCP), e.g. `127.0.0.1:5353`.
    pub fn with_server(server: SocketAddr) -> Self {
        let servers = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
        DnsChecker::with_config(ResolverConfig::from_parts(None, vec![], servers))
    }

    fn with_config(config: ResolverConfig) -> Self {
        let mut options = ResolverOpts::default();
        options.cache_size = 0;
        options.timeout = Duration::from_secs(3);
        options.attempts = 2;
        let resolver =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                .with_options(options)
                .build();
        DnsChecker { resolver }
    }

    /// Whether the TXT record proving a claim of `domain` holds `token`.
    pub async fn look(&self, domain: &Hostname, token: &str) -> Seen {
        // Fully qualified: the system's search domains must never be appended.
        let name = format!("{}.", txt_name(domain));
        match self.resolver.txt_lookup(name).await {
            Ok(found) => {
                let holds = found.iter().any(|txt| {
                    let value: Vec<u8> = txt.txt_data().iter().flatten().copied().collect();
                    value.trim_ascii() == token.as_bytes()
                });
                if holds {
                    Seen::Token
                } else {
                    Seen::Missing
                }
            }
            Err(err) if err.is_no_records_found() || err.is_nx_domain() => Seen::Missing,
            Err(err) => Seen::Unknown(err.to_string()),
        }
    }
}

/// Everything the admins and the job need to verify domains: the DNS resolver the
/// checks ask, and the targets the records to create point at.
#[derive(Clone)]
pub struct Verifier {
    pub dns: DnsChecker,
    pub targets: DnsTargets,
}

impl Verifier {
    /// The system's resolver and the default targets under `platform_domain`.
    pub fn system(platform_domain: &Hostname) -> Self {
        Verifier {
            dns: DnsChecker::system(),
            targets: DnsTargets::for_platform(platform_domain),
        }
    }
}

/// The wait before the next check of a pending claim after `attempts` misses.
pub fn retry_after(attempts: i32) -> Duration {
    let doublings = attempts.clamp(0, 16) as u32;
    FIRST_RETRY
        .saturating_mul(1 << doublings)
        .min(LONGEST_RETRY)
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// Looks `domain`'s record up and records the outcome (the job and "Check now" alike).
/// A failed claim checked again starts over as a fresh pending claim; a domain the
/// platform vouched for (verified, never scheduled) is left as it is. Returns the
/// domain as it is now; `hosts`' cache forgets the store when the host began serving.
pub async fn check(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    dns: &DnsChecker,
    domain: &Domain,
) -> Result<Domain> {
    if domain.status == DomainStatus::Verified && domain.next_check_at.is_none() {
        // A name the platform vouched for (provisioning, the platform domain): it was
        // never proven by a record, so a missing record means nothing.
        return Ok(domain.clone());
    }
    if domain.status == DomainStatus::Failed {
        sqlx::query(
            "update public.domains set status = 'pending', attempts = 0, claimed_at = now(), \
             failure_reason = null, updated_at = now() where id = $1 and status = 'failed'",
        )
        .bind(domain.id)
        .execute(pool)
        .await?;
    }
    let seen = dns.look(&domain.domain, &domain.token).await;
    let now = Utc::now();
    let current = domains::get(pool, domain.tenant_id, &domain.domain).await?;
    match (current.status, seen) {
        (DomainStatus::Verified, Seen::Token) => {
            let next = now + delta(RECHECK_EVERY);
            bookkeep(pool, &current, next, None, false).await?;
            reset_attempts(pool, current.id).await?
        }
        (DomainStatus::Verified, Seen::Missing) => {
            let why = format!("The TXT record {} is missing.", txt_name(&current.domain));
            bookkeep(pool, &current, now + delta(LONGEST_RETRY), Some(why), true).await?
        }
        (DomainStatus::Verified, Seen::Unknown(why)) => {
            let next = now + delta(retry_after(current.attempts));
            bookkeep(pool, &current, next, Some(why), current.lost_at.is_some()).await?
        }
        (_, Seen::Token) => verify(pool, hosts, &current).await?,
        (_, seen) => {
            let why = match seen {
                Seen::Unknown(why) => format!("The DNS lookup failed: {why}"),
                _ => format!(
                    "No TXT record {} holding the token was found yet.",
                    txt_name(&current.domain)
                ),
            };
            if now - current.claimed_at >= delta(GIVE_UP_AFTER) {
                fail(pool, current.id, &format!("Gave up after 72 hours. {why}")).await?;
            } else {
                let next = now + delta(retry_after(current.attempts));
                bookkeep(pool, &current, next, Some(why), false).await?;
            }
        }
    }
    domains::get(pool, domain.tenant_id, &domain.domain).await
}

/// "Check now" in either admin: [`check`] one of the store `tenant_id`'s domains.
pub async fn check_now(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    dns: &DnsChecker,
    tenant_id: i64,
    domain: &Hostname,
) -> Result<Domain> {
    let row = domains::get(pool, tenant_id, domain).await?;
    check(pool, hosts, dns, &row).await
}

/// Records a check that changed nothing served: when it ran, when the next one runs,
/// what it saw, and whether a verified record is missing.
async fn bookkeep(
    pool: &PgPool,
    domain: &Domain,
    next: DateTime<Utc>,
    note: Option<String>,
    lost: bool,
) -> Result<()> {
    sqlx::query(
        "update public.domains set attempts = attempts + 1, last_checked_at = now(), \
         next_check_at = $2, failure_reason = $3, \
         lost_at = case when $4 then coalesce(lost_at, now()) end, updated_at = now() \
         where id = $1",
    )
    .bind(domain.id)
    .bind(next)
    .bind(note)
    .bind(lost)
    .execute(pool)
    .await?;
    Ok(())
}

async fn reset_attempts(pool: &PgPool, id: i64) -> Result<()> {
    sqlx::query("update public.domains set attempts = 0 where id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

async fn fail(pool: &PgPool, id: i64, reason: &str) -> Result<()> {
    sqlx::query(
        "update public.domains set status = 'failed', failure_reason = $2, next_check_at = null, \
         last_checked_at = now(), updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// Makes a proven claim served, unless another store got there first; then fails the
/// other stores' pending claims of the same host.
async fn verify(pool: &PgPool, hosts: &impl ServedHosts, domain: &Domain) -> Result<()> {
    let first = "Another store verified this domain first.";
    let mut tx = pool.begin().await?;
    let verified = sqlx::query(
        "update public.domains set status = 'verified', verified_at = now(), attempts = 0, \
         lost_at = null, failure_reason = null, last_checked_at = now(), \
         next_check_at = now() + make_interval(secs => $2), updated_at = now() \
         where id = $1",
    )
    .bind(domain.id)
    .bind(RECHECK_EVERY.as_secs_f64())
    .execute(&mut *tx)
    .await;
    match verified {
        Err(err) if Error::constraint(&err) == Some("domains_domain_key") => {
            drop(tx);
            return fail(pool, domain.id, first).await;
        }
        other => {
            other?;
        }
    }
    sqlx::query(
        "update public.domains set status = 'failed', failure_reason = $3, next_check_at = null, \
         updated_at = now() where domain = $1 and tenant_id <> $2 and status = 'pending'",
    )
    .bind(domain.domain.as_str())
    .bind(domain.tenant_id)
    .bind(first)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    hosts.forget(domain.tenant_id, Some(&domain.domain));
    Ok(())
}

/// What one round of the verification job did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub checked: usize,
    pub failed: usize,
}

/// Checks up to `limit` domains whose next check is due, oldest due first: one round of
/// the background job `serve` runs. A domain whose check fails is logged and counted;
/// the others go on.
pub async fn check_due(
    pool: &PgPool,
    hosts: &impl ServedHosts,
    dns: &DnsChecker,
    limit: i64,
) -> Result<Round> {
    let sql = format!(
        "select {} from public.domains where next_check_at <= now() \
         order by next_check_at limit $1",
        super::registry::DOMAIN_COLUMNS
    );
    let due: Vec<Domain> = sqlx::query_as(&sql).bind(limit).fetch_all(pool).await?;
    let mut round = Round::default();
    for domain in &due {
        match check(pool, hosts, dns, domain).await {
            Ok(_) => round.checked += 1,
            Err(err) => {
                tracing::warn!(domain = %domain.domain, error = %err, "domain check failed");
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_a_minute_to_an_hour() {
        let minutes = |n| retry_after(n).as_secs() / 60;
        assert_eq!(
            (0..8).map(minutes).collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 32, 60, 60]
        );
        assert_eq!(minutes(1000), 60);
    }
}
