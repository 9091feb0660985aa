//! The tenant-scoped transaction: its search_path never leaks to the pool, read-only
//! means read-only, and no public table shadows a store's.

use crate::helpers;
use marketplace::catalog;
use marketplace::tenancy::TenantTx;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = false)]
async fn search_path_is_transaction_local_and_never_leaks_to_the_pool(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // One connection: whatever a store transaction leaves on it, the next user sees.
    let pool = helpers::platform(options, 1).await;
    let tenant = helpers::store(&pool, "techstore").await;

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
    let pool = helpers::platform(options, 2).await;
    let tenant = helpers::store(&pool, "techstore").await;
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
    let pool = helpers::platform(options, 2).await;
    helpers::store(&pool, "techstore").await;
    let public = helpers::tables(&pool, "public").await;
    let store = helpers::tables(&pool, "techstore").await;
    let shared: Vec<_> = public.iter().filter(|t| store.contains(t)).collect();
    assert!(
        shared.is_empty(),
        "tables in both public and a store: {shared:?}"
    );
}
