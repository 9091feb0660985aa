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
async fn domain_changes_are_checked_and_seen_at_once(_: PgPoolOptions, options: PgConnectOptions) {
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
    // Its row is gone, yet the host still serves the store: techstore.localhost is
    // also the store's platform subdomain (platform domain `localhost`).
    let rows = domains(&pool, serves(&resolver, "shop.localhost").await.unwrap().id).await;
    assert!(rows
        .unwrap()
        .iter()
        .all(|d| d.domain != host("techstore.localhost")));
    assert!(serves(&resolver, "techstore.localhost").await.is_some());
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
