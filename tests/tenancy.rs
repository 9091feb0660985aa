//! Tenancy against a real PostgreSQL: provisioning all-or-nothing, per-schema
//! migrations, the scoped transaction and the host resolver.

mod common;

use std::sync::Arc;
use std::time::Duration;

use marketplace::tenancy::migrate::{self, MigrationSet};
use marketplace::tenancy::provision::{self, NewTenant};
use marketplace::tenancy::resolver::{PublicHosts, Resolver, Site};
use marketplace::tenancy::{registry, Hostname, SchemaName, TenantTx};
use marketplace::{catalog, Error};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

fn schema(s: &str) -> SchemaName {
    SchemaName::parse(s).unwrap()
}

async fn registry_rows(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as(
        "select (select count(*) from public.tenants), (select count(*) from public.domains)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn provisioning_creates_schema_tables_domain_and_settings(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = common::platform(options, 4).await;
    let tenant = common::store(&pool, "techstore").await;
    assert_eq!(tenant.schema_name.as_str(), "techstore");
    assert_eq!(tenant.primary_domain.as_str(), "techstore.localhost");

    assert!(common::schemas(&pool)
        .await
        .contains(&"techstore".to_string()));
    assert_eq!(
        common::tables(&pool, "techstore").await,
        [
            "cart_items",
            "carts",
            "login_throttle",
            "order_items",
            "orders",
            "products",
            "schema_migrations",
            "sessions",
            "store_settings",
            "users"
        ]
    );
    let mut tx = TenantTx::begin(&pool, &tenant.schema_name).await.unwrap();
    let settings = marketplace::settings::get(&mut tx).await.unwrap();
    assert_eq!(
        (
            settings.display_name.as_str(),
            settings.order_prefix.as_str()
        ),
        ("Store techstore", "TECH")
    );
    let applied: i64 = sqlx::query_scalar("select count(*) from techstore.schema_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied as usize, MigrationSet::tenant().len());
}

#[sqlx::test(migrations = false)]
async fn a_failure_after_the_schema_exists_leaves_nothing_behind(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = common::platform(options, 4).await;
    let before = common::schemas(&pool).await;
    // The first migration creates a table, the second fails: by then the schema, the
    // registry row and the domain all exist inside the transaction.
    let broken = MigrationSet::from_steps(&[
        (1, "ok", "create table things (id int primary key)"),
        (2, "broken", "insert into things values (1); select 1/0"),
    ]);
    let new = NewTenant::parse("Doomed", "a@doomed.example", "doomed", "doomed.localhost").unwrap();
    let err = provision::create_with(&pool, &new, &PublicHosts::default(), &broken)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Migration(_)), "{err}");
    assert!(err.to_string().contains("division by zero"), "{err}");

    assert_eq!(
        common::schemas(&pool).await,
        before,
        "no schema left behind"
    );
    assert_eq!(
        registry_rows(&pool).await,
        (0, 0),
        "no tenant or domain row left behind"
    );
    // And the name is free for a correct attempt.
    provision::create(&pool, &new, &PublicHosts::default())
        .await
        .unwrap();
}

#[sqlx::test(migrations = false)]
async fn taken_schema_or_domain_is_a_conflict_that_changes_nothing(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = common::platform(options, 4).await;
    common::store(&pool, "techstore").await;
    let hosts = PublicHosts::default();
    let before = (common::schemas(&pool).await, registry_rows(&pool).await);

    let same_schema =
        NewTenant::parse("Other", "o@x.example", "techstore", "other.localhost").unwrap();
    let err = provision::create(&pool, &same_schema, &hosts)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { message: m, .. } if m.contains("schema 'techstore'")),
        "{err}"
    );

    // The domain clash is found after the new schema's row was inserted: rolled back too.
    let same_domain =
        NewTenant::parse("Other", "o@x.example", "other", "TechStore.localhost").unwrap();
    let err = provision::create(&pool, &same_domain, &hosts)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { message: m, .. } if m.contains("techstore.localhost")),
        "{err}"
    );

    // A schema that exists in PostgreSQL without being a store is never adopted.
    sqlx::raw_sql("create schema stray")
        .execute(&pool)
        .await
        .unwrap();
    let stray = NewTenant::parse("Stray", "s@x.example", "stray", "stray.localhost").unwrap();
    let err = provision::create(&pool, &stray, &hosts).await.unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { message: m, .. } if m.contains("already exists in the database")),
        "{err}"
    );
    sqlx::raw_sql("drop schema stray")
        .execute(&pool)
        .await
        .unwrap();

    let public = NewTenant::parse("Public", "p@x.example", "pubby", "localhost").unwrap();
    assert_eq!(
        provision::create(&pool, &public, &hosts)
            .await
            .unwrap_err()
            .field(),
        Some("domain")
    );

    assert_eq!(
        (common::schemas(&pool).await, registry_rows(&pool).await),
        before
    );
}

#[sqlx::test(migrations = false)]
async fn concurrent_creates_of_one_schema_make_exactly_one_store(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = common::platform(options, 8).await;
    let attempts = (0..6).map(|i| {
        let pool = pool.clone();
        async move {
            let new =
                NewTenant::parse("Race", "r@x.example", "race", &format!("race{i}.localhost"))
                    .unwrap();
            provision::create(&pool, &new, &PublicHosts::default()).await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| matches!(e, Error::Conflict { .. })));
    assert_eq!(registry_rows(&pool).await, (1, 1));
}

#[sqlx::test(migrations = false)]
async fn migrations_are_idempotent_and_edits_are_refused(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = common::platform(options, 4).await;
    assert!(
        migrate::migrate_public(&pool).await.unwrap().is_empty(),
        "public already migrated"
    );
    common::store(&pool, "alpha").await;
    let set = MigrationSet::tenant();
    assert!(migrate::migrate_tenant(&pool, &schema("alpha"), &set)
        .await
        .unwrap()
        .is_empty());

    let v1 = MigrationSet::from_steps(&[(1, "one", "create table t1 (id int)")]);
    let edited = MigrationSet::from_steps(&[(1, "one", "create table t1 (id bigint)")]);
    sqlx::raw_sql("create schema scratch")
        .execute(&pool)
        .await
        .unwrap();
    // A scratch schema registered as a store so the migrator will visit it.
    common::store(&pool, "beta").await;
    sqlx::raw_sql("drop schema beta cascade; create schema beta")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        migrate::migrate_tenant(&pool, &schema("beta"), &v1)
            .await
            .unwrap(),
        vec![1]
    );
    assert!(migrate::migrate_tenant(&pool, &schema("beta"), &v1)
        .await
        .unwrap()
        .is_empty());
    let err = migrate::migrate_tenant(&pool, &schema("beta"), &edited)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("changed after it was applied"),
        "{err}"
    );
}

#[sqlx::test(migrations = false)]
async fn one_failing_schema_is_reported_and_left_unchanged_while_others_migrate(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = common::platform(options, 6).await;
    for s in ["a1", "a2", "a3", "a4"] {
        common::store(&pool, s).await;
    }
    // The next migration adds a table; a2 already has one of that name, so it fails there.
    sqlx::raw_sql("create table a2.loyalty (x int)")
        .execute(&pool)
        .await
        .unwrap();
    let current = MigrationSet::tenant();
    let next = current.latest() + 1;
    let v2 = current.with_steps(&[(
        next,
        "loyalty",
        "create table loyalty (id bigint primary key); alter table products add column points int",
    )]);

    let mut seen = 0;
    let outcomes = migrate::migrate_tenants(&pool, &v2, None, 3, |total, _| {
        seen += 1;
        assert_eq!(total, 4);
    })
    .await
    .unwrap();
    assert_eq!(seen, 4);
    for outcome in &outcomes {
        match outcome.schema.as_str() {
            "a2" => assert!(outcome.result.is_err(), "a2 must fail"),
            _ => assert_eq!(
                outcome.result.as_ref().unwrap(),
                &vec![next],
                "{}",
                outcome.schema
            ),
        }
    }
    // a2 is exactly as before: no new version, no new column.
    let a2_latest: i64 = sqlx::query_scalar("select max(version) from a2.schema_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(a2_latest, next - 1);
    let points: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.columns where table_schema = 'a2' and column_name = 'points'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(points, 0);
}

#[sqlx::test(migrations = false)]
async fn a_registered_store_whose_schema_vanished_is_not_migrated_into_public(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = common::platform(options, 4).await;
    common::store(&pool, "gone").await;
    sqlx::raw_sql("drop schema gone cascade")
        .execute(&pool)
        .await
        .unwrap();
    let public_before = common::tables(&pool, "public").await;
    let err = migrate::migrate_tenant(&pool, &schema("gone"), &MigrationSet::tenant())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert_eq!(common::tables(&pool, "public").await, public_before);
}

#[sqlx::test(migrations = false)]
async fn search_path_is_transaction_local_and_never_leaks_to_the_pool(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // One connection: whatever a store transaction leaves on it, the next user sees.
    let pool = common::platform(options, 1).await;
    let tenant = common::store(&pool, "techstore").await;

    let mut tx = TenantTx::begin(&pool, &tenant.schema_name).await.unwrap();
    assert_eq!(tx.search_path().await.unwrap(), "techstore, public");
    assert_eq!(tx.current_schema().await.unwrap(), "techstore");
    tx.commit().await.unwrap();
    let path: String = sqlx::query_scalar("select current_setting('search_path')")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(path, "pg_catalog");

    // Dropped without commit (an error or a cancelled request): rolled back, path gone.
    let mut tx = TenantTx::begin(&pool, &tenant.schema_name).await.unwrap();
    assert_eq!(catalog::count(&mut tx).await.unwrap(), 0);
    drop(tx);
    let path: String = sqlx::query_scalar("select current_setting('search_path')")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(path, "pg_catalog");

    // Outside a store transaction an unqualified store table does not resolve at all.
    let err = sqlx::query("select count(*) from products")
        .fetch_one(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[sqlx::test(migrations = false)]
async fn read_only_store_transactions_refuse_writes(_: PgPoolOptions, options: PgConnectOptions) {
    let pool = common::platform(options, 2).await;
    let tenant = common::store(&pool, "techstore").await;
    let mut tx = TenantTx::begin_read_only(&pool, &tenant.schema_name)
        .await
        .unwrap();
    let input = catalog::ProductInput::parse("X", "", "1", "1").unwrap();
    let err = catalog::create(&mut tx, &input).await.unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
}

#[sqlx::test(migrations = false)]
async fn no_public_table_shares_a_name_with_a_store_table(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // Store requests search "<store>, public": a store table missing from a store's schema
    // must never resolve to a public table of the same name.
    let pool = common::platform(options, 2).await;
    common::store(&pool, "techstore").await;
    let public = common::tables(&pool, "public").await;
    let store = common::tables(&pool, "techstore").await;
    let shared: Vec<_> = public.iter().filter(|t| store.contains(t)).collect();
    assert!(
        shared.is_empty(),
        "tables in both public and a store: {shared:?}"
    );
}

#[sqlx::test(migrations = false)]
async fn resolver_caches_and_hears_changes_made_elsewhere(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = common::platform(options.clone(), 4).await;
    common::store(&pool, "techstore").await;
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
