//! Batches against a real PostgreSQL: the same rows as the prepared reads, in the right
//! store, under the store's role; no connection left inside a failed or abandoned
//! batch's transaction; concurrent batches of two stores never see each other's rows.

use std::collections::HashSet;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use super::*;
use crate::cart::{self, Owner};
use crate::tenancy::{migrate, TenantTx};
use crate::{accounts, catalog, orders, seed, sessions, settings};

/// The demo's two stores, seeded, on a pool of `max` connections.
async fn demo(options: PgConnectOptions, max: u32) -> (PgPool, SchemaName, SchemaName) {
    let pool = crate::db::connect_with(options, max).await.unwrap();
    migrate::migrate_public(&pool).await.unwrap();
    seed::create_test_data(&pool, &Default::default(), Some("batch-test-password"))
        .await
        .unwrap();
    let tech = SchemaName::parse("techstore").unwrap();
    let fashion = SchemaName::parse("fashion").unwrap();
    (pool, tech, fashion)
}

/// What the prepared statements of a `TenantTx` read.
async fn prepared(
    pool: &PgPool,
    schema: &SchemaName,
) -> (Vec<catalog::Product>, Vec<orders::Order>) {
    let mut tx = TenantTx::begin_read_only(pool, schema).await.unwrap();
    let products = catalog::list(&mut tx).await.unwrap();
    let orders = orders::list(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    (products, orders)
}

#[test]
fn arguments_are_rendered_as_digits_and_hex_only() {
    let sql = "select $1, $2, '$' as cost";
    let schema = SchemaName::parse("techstore").unwrap();
    let read = one::<(i64,)>(sql)
        .arg(Arg::Int(-5))
        .arg(Arg::Bytes(vec![0x00, 0xab, 0x10]));
    let text = Message::new(&schema, &read).text(None);
    let execute = format!(
        "execute {}((-5), decode('00ab10', 'hex'));\n",
        statement_name(sql)
    );
    assert!(text.contains(&execute), "{text}");
    // The statement itself is prepared as written, placeholders and all, and only on
    // a connection that lacks it.
    let message = Message::new(&schema, &one::<(i64,)>(sql));
    let prepare = format!("prepare {} as {sql};\n", statement_name(sql));
    assert!(message.text(Some(&HashSet::new())).contains(&prepare));
    assert!(!message.text(None).contains("prepare"));
    let have = HashSet::from([statement_name(sql)]);
    assert!(!message.text(Some(&have)).contains("prepare"));
}

#[sqlx::test(migrations = false)]
async fn a_connection_prepares_each_statement_once_and_again_when_it_lost_it(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // One connection, so every read below runs on it.
    let (pool, tech, fashion) = demo(options, 1).await;
    let count_prepared = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from pg_catalog.pg_prepared_statements \
             where starts_with(name, 'mkt_read_')",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    assert_eq!(count_prepared(pool.clone()).await, 0);
    let reads = || (catalog::all_products(), orders::all_orders());
    let expected_tech = prepared(&pool, &tech).await;
    let expected_fashion = prepared(&pool, &fashion).await;
    assert_eq!(read(&pool, &tech, reads()).await.unwrap(), expected_tech);
    assert_eq!(count_prepared(pool.clone()).await, 2);
    // Prepared in techstore, run in fashion: fashion's rows (planned again under its
    // search_path), and nothing prepared twice.
    assert_eq!(
        read(&pool, &fashion, reads()).await.unwrap(),
        expected_fashion
    );
    assert_eq!(read(&pool, &tech, reads()).await.unwrap(), expected_tech);
    assert_eq!(count_prepared(pool.clone()).await, 2);
    // A connection that lost one (or never had it) prepares it again, in the store.
    let products = statement_name(catalog::LIST_SQL);
    sqlx::raw_sql(&format!("deallocate {products}"))
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(count_prepared(pool.clone()).await, 1);
    assert_eq!(
        read(&pool, &fashion, reads()).await.unwrap(),
        expected_fashion
    );
    assert_eq!(count_prepared(pool.clone()).await, 2);
    pooled_connection_is_neutral(&pool).await;
}

#[sqlx::test(migrations = false)]
async fn a_batch_reads_the_same_rows_as_the_prepared_statements_in_its_own_store(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let (pool, tech, fashion) = demo(options, 4).await;
    for schema in [&tech, &fashion] {
        let (products, orders) = read(
            &pool,
            schema,
            (catalog::all_products(), orders::all_orders()),
        )
        .await
        .unwrap();
        let expected = prepared(&pool, schema).await;
        assert!(!products.is_empty() && !orders.is_empty());
        // Text-format results decode to exactly the binary ones (prices, timestamps…).
        assert_eq!((products, orders), expected, "{schema}");
    }
    let (tech_products, _) = prepared(&pool, &tech).await;
    let (fashion_products, _) = prepared(&pool, &fashion).await;
    assert_ne!(tech_products, fashion_products);

    // Counts, one row, an integer argument, a read that asks nothing.
    let first = tech_products[0].id;
    let (count, store, found, missing, nothing) = read(
        &pool,
        &tech,
        (
            catalog::product_count(),
            settings::current(),
            catalog::product(first),
            catalog::product(-1),
            Read::ready(7),
        ),
    )
    .await
    .unwrap();
    assert_eq!(count, tech_products.len() as i64);
    assert_eq!(store.display_name, "TechStore");
    assert_eq!(found.as_ref(), Some(&tech_products[0]));
    assert_eq!((missing, nothing), (None, 7));

    // Inside the batch: the store's role and search_path, read-only, every statement in
    // one transaction.
    let (began, user, path, read_only, still) = read(
        &pool,
        &tech,
        (
            scalar::<String>("select transaction_timestamp()::text"),
            scalar::<String>("select current_user::text"),
            scalar::<String>("select current_setting('search_path')"),
            scalar::<String>("select current_setting('transaction_read_only')"),
            // Later than the first statement, in the same transaction: the same start.
            scalar::<String>("select transaction_timestamp()::text from pg_sleep(0.02)"),
        ),
    )
    .await
    .unwrap();
    assert_eq!(user, "mkt_techstore");
    assert!(path.starts_with("techstore"), "{path}");
    assert_eq!(read_only, "on");
    assert_eq!(began, still);

    // A write slipped into a batch is refused, and nothing of it stays.
    let before = prepared(&pool, &tech).await.0.len();
    let err = read(
        &pool,
        &tech,
        (
            scalar::<i64>(
                "insert into products (name, description, price, stock) \
                 values ('Slipped in', '', 1, 1) returning id",
            ),
            catalog::product_count(),
        ),
    )
    .await
    .expect_err("a write in a read-only batch");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(prepared(&pool, &tech).await.0.len(), before);

    // Another store's table, named outright, is refused by PostgreSQL.
    let err = read(
        &pool,
        &tech,
        scalar::<i64>("select count(*) from fashion.products"),
    )
    .await
    .expect_err("another store's table");
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[sqlx::test(migrations = false)]
async fn the_visitor_read_agrees_with_the_session_cart_and_account_reads(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let (pool, tech, fashion) = demo(options, 4).await;
    let rules = crate::security::Policy::default().customer_sessions;
    let mut tx = TenantTx::begin(&pool, &tech).await.unwrap();
    let admin = accounts::find_by_username(&mut tx, "admin")
        .await
        .unwrap()
        .unwrap();
    let product = catalog::list(&mut tx).await.unwrap()[0].id;
    let customer = sessions::create(&mut tx, Some(admin.id), rules)
        .await
        .unwrap();
    cart::add(&mut tx, Owner::User(admin.id), product, 2)
        .await
        .unwrap();
    let guest = sessions::create(&mut tx, None, rules).await.unwrap();
    cart::add(&mut tx, Owner::Session(guest.session.id), product, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let (logged_in, anonymous, unknown, absent) = read(
        &pool,
        &tech,
        (
            sessions::visitor(Some(&customer.token)),
            sessions::visitor(Some(&guest.token)),
            sessions::visitor(Some("no-such-token")),
            sessions::visitor(None),
        ),
    )
    .await
    .unwrap();
    let logged_in = logged_in.unwrap();
    let name = if admin.full_name.is_empty() {
        admin.username.clone()
    } else {
        admin.full_name.clone()
    };
    assert_eq!(logged_in.session_id, customer.session.id);
    assert_eq!(
        (logged_in.user_id, logged_in.cart_items, logged_in.customer),
        (Some(admin.id), 2, Some(name))
    );
    let anonymous = anonymous.unwrap();
    assert_eq!(
        (anonymous.user_id, anonymous.cart_items, anonymous.customer),
        (None, 1, None)
    );
    assert_eq!((unknown, absent), (None, None));

    // A token of techstore finds nothing in fashion.
    let elsewhere = read(&pool, &fashion, sessions::visitor(Some(&customer.token)))
        .await
        .unwrap();
    assert_eq!(elsewhere, None);
}

/// What a pooled connection is like outside any store transaction.
async fn pooled_connection_is_neutral(pool: &PgPool) {
    // Inside a batch's transaction this would fail (aborted) or answer the store's
    // path, the store's role and read-only.
    let (path, user, read_only): (String, String, String) = sqlx::query_as(
        "select current_setting('search_path'), current_user::text, \
         current_setting('transaction_read_only')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(path, crate::db::NEUTRAL_SEARCH_PATH);
    assert!(!user.starts_with("mkt_"), "{user}");
    assert_eq!(read_only, "off");
}

#[sqlx::test(migrations = false)]
async fn a_failed_or_abandoned_batch_leaves_no_connection_inside_its_transaction(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // One connection: whatever the failed batch left is what the next query gets.
    let (pool, tech, _) = demo(options, 1).await;
    for _ in 0..3 {
        let err = read(
            &pool,
            &tech,
            (
                catalog::all_products(),
                scalar::<i64>("select no_such_column from products"),
                orders::all_orders(),
            ),
        )
        .await
        .expect_err("a failing statement");
        assert!(err.to_string().contains("no_such_column"), "{err}");
        pooled_connection_is_neutral(&pool).await;
        let (products, _) = read(&pool, &tech, (catalog::all_products(), Read::ready(())))
            .await
            .unwrap();
        assert!(!products.is_empty());
    }

    // A batch dropped while PostgreSQL is still working on it (a cancelled request).
    let slow = read(
        &pool,
        &tech,
        (
            scalar::<String>("select pg_sleep(1)::text"),
            catalog::all_products(),
        ),
    );
    assert!(tokio::time::timeout(Duration::from_millis(200), slow)
        .await
        .is_err());
    pooled_connection_is_neutral(&pool).await;
    let mut tx = TenantTx::begin_read_only(&pool, &tech).await.unwrap();
    assert!(!catalog::list(&mut tx).await.unwrap().is_empty());
    tx.commit().await.unwrap();
}

#[sqlx::test(migrations = false)]
async fn concurrent_batches_of_two_stores_never_see_each_others_rows(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let (pool, tech, fashion) = demo(options, 4).await;
    let expected_tech = prepared(&pool, &tech).await;
    let expected_fashion = prepared(&pool, &fashion).await;
    let runs = (0..64).map(|i| {
        let pool = pool.clone();
        let (schema, expected) = if i % 2 == 0 {
            (tech.clone(), expected_tech.clone())
        } else {
            (fashion.clone(), expected_fashion.clone())
        };
        tokio::spawn(async move {
            for _ in 0..5 {
                let got = read(
                    &pool,
                    &schema,
                    (catalog::all_products(), orders::all_orders()),
                )
                .await
                .unwrap();
                assert_eq!(got, expected, "{schema}");
            }
        })
    });
    for run in futures::future::join_all(runs).await {
        run.unwrap();
    }
    pooled_connection_is_neutral(&pool).await;
}
