//! The host resolver: cached, and hearing changes made by another process.

use super::schema;
use crate::helpers;
use marketplace::tenancy::resolver::{PublicHosts, Resolver, Site};
use marketplace::tenancy::{registry, Hostname};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::Arc;
use std::time::Duration;

#[sqlx::test(migrations = false)]
async fn resolver_caches_and_hears_changes_made_elsewhere(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = helpers::platform(options.clone(), 4).await;
    helpers::store(&pool, "techstore").await;
    let resolver = Arc::new(Resolver::new(pool.clone(), PublicHosts::default()));
    let listener = resolver.spawn_listener();
    for _ in 0..200 {
        if resolver.is_listening() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(resolver.is_listening(), "listener never connected");

    let host = Hostname::parse("techstore.localhost").unwrap();
    let first = resolver.resolve(&host).await.unwrap();
    assert!(!first.cache_hit);
    assert!(matches!(&first.site, Some(Site::Store(t)) if t.schema_name.as_str() == "techstore"));
    assert!(resolver.resolve(&host).await.unwrap().cache_hit);

    let unknown = Hostname::parse("nobody.localhost").unwrap();
    assert!(resolver.resolve(&unknown).await.unwrap().site.is_none());
    assert!(matches!(
        resolver
            .resolve(&Hostname::parse("localhost").unwrap())
            .await
            .unwrap()
            .site,
        Some(Site::Public)
    ));

    // Another process (its own pool) gives the store a new domain, the unknown one.
    let other = marketplace::db::connect_with(options, 1).await.unwrap();
    let tenant = registry::get_by_schema(&other, &schema("techstore"))
        .await
        .unwrap();
    let mut conn = other.acquire().await.unwrap();
    registry::add_domain(&mut conn, tenant.id, &unknown, false)
        .await
        .unwrap();

    // The NOTIFY reaches the listener and the negative answer is forgotten.
    let mut resolved = false;
    for _ in 0..200 {
        if let Some(Site::Store(t)) = resolver.resolve(&unknown).await.unwrap().site {
            assert_eq!(t.schema_name.as_str(), "techstore");
            resolved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(resolved, "the cache never heard of the new domain");
    listener.abort();
}

async fn is_store(resolver: &Resolver, host: &str) -> bool {
    let host = Hostname::parse(host).unwrap();
    matches!(
        resolver.resolve(&host).await.unwrap().site,
        Some(Site::Store(_))
    )
}

async fn hit(resolver: &Resolver, host: &str) -> bool {
    let host = Hostname::parse(host).unwrap();
    resolver.resolve(&host).await.unwrap().cache_hit
}

#[sqlx::test(migrations = false)]
async fn a_registry_change_forgets_only_the_hosts_it_touched(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = helpers::platform(options, 4).await;
    for s in ["s1", "s2", "s3"] {
        helpers::store(&pool, s).await;
    }
    let resolver = Arc::new(Resolver::new(pool.clone(), PublicHosts::default()));
    let listener = resolver.spawn_listener();
    while !resolver.is_listening() {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for host in ["s1.localhost", "s2.localhost", "s3.localhost"] {
        assert!(is_store(&resolver, host).await);
    }
    assert!(!is_store(&resolver, "s4.localhost").await);
    assert_eq!(resolver.cached_by_kind(), (3, 1));

    // Creating a store (through the server's resolver and heard by its listener too)
    // forgets its host's negative answer and nothing else.
    let heard = resolver.heard();
    helpers::store_with(&pool, "s4", &*resolver).await;
    // The listener hears the creation's NOTIFY too (one per row: store and domain).
    for _ in 0..400 {
        if resolver.heard() >= heard + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        resolver.heard() >= heard + 2,
        "the creation was never heard"
    );
    assert!(is_store(&resolver, "s4.localhost").await);
    for host in [
        "s1.localhost",
        "s2.localhost",
        "s3.localhost",
        "s4.localhost",
    ] {
        assert!(hit(&resolver, host).await, "{host} was forgotten");
    }

    // Suspending s2 elsewhere forgets s2's hosts only.
    let s2 = registry::get_by_schema(&pool, &schema("s2")).await.unwrap();
    registry::set_status(&pool, s2.id, marketplace::tenancy::TenantStatus::Suspended)
        .await
        .unwrap();
    let mut forgotten = false;
    for _ in 0..200 {
        if resolver.cached_by_kind().0 == 3 {
            forgotten = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(forgotten, "s2 was never forgotten");
    for host in ["s1.localhost", "s3.localhost", "s4.localhost"] {
        assert!(hit(&resolver, host).await, "{host} was forgotten");
    }
    assert!(!hit(&resolver, "s2.localhost").await);
    listener.abort();
}

#[sqlx::test(migrations = false)]
async fn the_cache_is_bounded_and_unknown_hosts_cannot_evict_stores(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = helpers::platform(options, 4).await;
    for s in ["s1", "s2", "s3"] {
        helpers::store(&pool, s).await;
    }
    let resolver = Resolver::with_capacity(pool.clone(), PublicHosts::default(), 2, 3);
    assert!(is_store(&resolver, "s1.localhost").await);
    assert!(is_store(&resolver, "s2.localhost").await);
    // s1 used again: s2 is now the least recently used and goes when s3 comes.
    assert!(hit(&resolver, "s1.localhost").await);
    assert!(is_store(&resolver, "s3.localhost").await);
    assert_eq!(resolver.cached_by_kind().0, 2);
    assert!(hit(&resolver, "s1.localhost").await);
    assert!(hit(&resolver, "s3.localhost").await);
    assert!(!hit(&resolver, "s2.localhost").await, "s2 was evicted");

    // A flood of junk hosts fills the unknown-host cache alone, at its own bound.
    for i in 0..50 {
        assert!(!is_store(&resolver, &format!("junk{i}.example")).await);
    }
    assert_eq!(resolver.cached_by_kind(), (2, 3));
    assert!(hit(&resolver, "junk49.example").await);
    assert!(!hit(&resolver, "junk0.example").await);
    for host in ["s3.localhost", "s2.localhost"] {
        assert!(hit(&resolver, host).await, "{host} was evicted by junk");
    }
}
