//! Provisioning: a store is created whole or not at all, once, with its schema,
//! tables, domain and settings.

use super::registry_rows;
use crate::helpers;
use marketplace::tenancy::migrate::MigrationSet;
use marketplace::tenancy::provision::{self, NewTenant};
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::TenantTx;
use marketplace::Error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = false)]
async fn provisioning_creates_schema_tables_domain_and_settings(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = helpers::platform(options, 4).await;
    let tenant = helpers::store(&pool, "techstore").await;
    assert_eq!(tenant.schema_name.as_str(), "techstore");
    assert_eq!(tenant.primary_domain.as_str(), "techstore.localhost");

    assert!(helpers::schemas(&pool)
        .await
        .contains(&"techstore".to_string()));
    assert_eq!(
        helpers::tables(&pool, "techstore").await,
        [
            "api_keys",
            "cart_items",
            "carts",
            "idempotency_keys",
            "login_throttle",
            "order_items",
            "orders",
            "plan_limits",
            "products",
            "schema_migrations",
            "sessions",
            "store_settings",
            "theme_assets",
            "theme_draft",
            "theme_previews",
            "theme_versions",
            "usage_counters",
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
    let pool = helpers::platform(options, 4).await;
    let before = helpers::schemas(&pool).await;
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
        helpers::schemas(&pool).await,
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
    let pool = helpers::platform(options, 4).await;
    helpers::store(&pool, "techstore").await;
    let hosts = PublicHosts::default();
    let before = (helpers::schemas(&pool).await, registry_rows(&pool).await);

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
        (helpers::schemas(&pool).await, registry_rows(&pool).await),
        before
    );
}

#[sqlx::test(migrations = false)]
async fn concurrent_creates_of_one_schema_make_exactly_one_store(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = helpers::platform(options, 8).await;
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
