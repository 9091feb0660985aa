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
