//! Per-schema migrations: idempotent, edits refused, one failing store reported
//! without stopping the others, a vanished schema never migrated into public.

use super::schema;
use crate::helpers;
use marketplace::tenancy::migrate::{self, MigrationSet};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = false)]
async fn migrations_are_idempotent_and_edits_are_refused(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = helpers::platform(options, 4).await;
    assert!(
        migrate::migrate_public(&pool).await.unwrap().is_empty(),
        "public already migrated"
    );
    helpers::store(&pool, "alpha").await;
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
    helpers::store(&pool, "beta").await;
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
    let pool = helpers::platform(options, 6).await;
    for s in ["a1", "a2", "a3", "a4"] {
        helpers::store(&pool, s).await;
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
    let pool = helpers::platform(options, 4).await;
    helpers::store(&pool, "gone").await;
    sqlx::raw_sql("drop schema gone cascade")
        .execute(&pool)
        .await
        .unwrap();
    let public_before = helpers::tables(&pool, "public").await;
    let err = migrate::migrate_tenant(&pool, &schema("gone"), &MigrationSet::tenant())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert_eq!(helpers::tables(&pool, "public").await, public_before);
}

async fn versions(pool: &sqlx::PgPool) -> Vec<(String, Option<i64>)> {
    sqlx::query_as("select schema_name, schema_version from public.tenants order by schema_name")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_run_that_failed_midway_resumes_with_only_the_stores_left(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = helpers::platform(options, 6).await;
    for s in ["b1", "b2", "b3", "b4", "b5"] {
        helpers::store(&pool, s).await;
    }
    let current = MigrationSet::tenant();
    // A new store records its version in the registry as it is created.
    assert!(versions(&pool)
        .await
        .iter()
        .all(|(_, v)| *v == Some(current.latest())));
    let nothing = migrate::migrate_tenants(&pool, &current, None, 2, |_, _| {})
        .await
        .unwrap();
    assert!(nothing.is_empty(), "up-to-date stores are not visited");

    // b3, in the middle, already has the table the next migration adds.
    sqlx::raw_sql("create table b3.wishlist (x int)")
        .execute(&pool)
        .await
        .unwrap();
    let next = current.latest() + 1;
    let v2 = current.with_steps(&[(next, "wishlist", "create table wishlist (id bigint)")]);
    let first = migrate::migrate_tenants(&pool, &v2, None, 2, |_, _| {})
        .await
        .unwrap();
    assert_eq!(first.len(), 5);
    let failed: Vec<_> = first.iter().filter(|o| o.result.is_err()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].schema.as_str(), "b3");
    let expected = |b3: i64| -> Vec<(String, Option<i64>)> {
        ["b1", "b2", "b3", "b4", "b5"]
            .iter()
            .map(|s| (s.to_string(), Some(if *s == "b3" { b3 } else { next })))
            .collect()
    };
    assert_eq!(versions(&pool).await, expected(next - 1));

    // Fixed by hand, the rerun visits b3 alone and brings it level.
    sqlx::raw_sql("drop table b3.wishlist")
        .execute(&pool)
        .await
        .unwrap();
    let mut totals = Vec::new();
    let second = migrate::migrate_tenants(&pool, &v2, None, 2, |total, _| totals.push(total))
        .await
        .unwrap();
    assert_eq!(totals, [1]);
    assert_eq!(second[0].schema.as_str(), "b3");
    assert_eq!(second[0].result.as_ref().unwrap(), &vec![next]);
    assert_eq!(versions(&pool).await, expected(next));
    let ledger: i64 = sqlx::query_scalar("select max(version) from b3.schema_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(ledger, next);

    // A store whose recorded version is unknown (from before the column) is checked
    // against its ledger and recorded, without applying anything twice.
    sqlx::raw_sql("update public.tenants set schema_version = null where schema_name = 'b1'")
        .execute(&pool)
        .await
        .unwrap();
    let third = migrate::migrate_tenants(&pool, &v2, None, 2, |_, _| {})
        .await
        .unwrap();
    assert_eq!(third.len(), 1);
    assert!(third[0].result.as_ref().unwrap().is_empty());
    assert_eq!(versions(&pool).await, expected(next));
}

/// Public migrations 1–5 as they were, a store registered by hand, then the rest: an
/// upgrade of a database that already has stores (fresh test databases have none when
/// their migrations run, so they never see a migration trip over existing rows).
#[sqlx::test(migrations = false)]
async fn public_migrations_upgrade_a_registry_that_has_stores(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = PgPoolOptions::new().connect_with(options).await.unwrap();
    let before = [
        include_str!("../../../migrations/public/0001_tenancy.sql"),
        include_str!("../../../migrations/public/0002_platform_sessions.sql"),
        include_str!("../../../migrations/public/0003_security.sql"),
        include_str!("../../../migrations/public/0004_scale.sql"),
        include_str!("../../../migrations/public/0005_registry_search.sql"),
    ];
    for sql in before {
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    }
    sqlx::raw_sql(
        "insert into tenants (name, schema_name, owner_email) values ('Old Shop', 'oldshop', 'o@example.com');
         insert into domains (domain, tenant_id, is_primary) select 'oldshop.example.com', id, true from tenants;",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql(include_str!("../../../migrations/public/0006_domains.sql"))
        .execute(&mut *tx)
        .await
        .expect("0006 applies over existing stores");
    tx.commit().await.unwrap();
    let (status, token_len): (String, i32) = sqlx::query_as(
        "select status, length(token) from domains where domain = 'oldshop.example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), token_len), ("verified", 32));
}
