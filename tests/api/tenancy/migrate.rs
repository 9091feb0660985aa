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
