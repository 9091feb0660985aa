//! Isolation under concurrency: many requests for two stores at once, through a pool
//! of two connections (so every connection serves both stores again and again), and
//! every answer must belong to the store its host names. Then the same over two hundred
//! stores on two store-affine shards of one connection each (`serve`'s set-up, small).

use crate::helpers::TestApp;

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::StreamExt as _;
use marketplace::catalog::{self, ProductInput};
use marketplace::orders::{self, Checkout, LineRequest};
use marketplace::tenancy::{SchemaName, TenantTx};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const TASKS: usize = 16;
const REQUESTS_PER_TASK: usize = 80;

#[sqlx::test(migrations = false)]
async fn two_stores_sixteen_tasks_two_connections(_: PgPoolOptions, options: PgConnectOptions) {
    let app = Arc::new(TestApp::seeded_alone(options, 2).await);
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let mut checked = 0usize;
            for i in 0..REQUESTS_PER_TASK {
                let (host, schema, mine, theirs) = if (task + i) % 2 == 0 {
                    (
                        "techstore.localhost:8000",
                        "techstore",
                        ["Laptop", "Mouse"],
                        ["T-Shirt", "Jeans"],
                    )
                } else {
                    (
                        "fashion.localhost:8000",
                        "fashion",
                        ["T-Shirt", "Jeans"],
                        ["Laptop", "Mouse"],
                    )
                };
                match i % 4 {
                    0 | 1 => {
                        let reply = app.get(host, "/data/").await;
                        assert_eq!(reply.status, 200);
                        assert_eq!(reply.schema(), Some(schema));
                        let json = reply.json();
                        assert_eq!(json["tenant_info"]["schema"], schema);
                        let names: BTreeSet<_> = json["products"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| p["name"].as_str().unwrap().to_owned())
                            .collect();
                        assert!(
                            mine.iter().all(|m| names.contains(*m)),
                            "{schema}: {names:?}"
                        );
                        assert!(
                            theirs.iter().all(|t| !names.contains(*t)),
                            "{schema} saw {names:?}"
                        );
                        let number = json["orders"][0]["order_number"].as_str().unwrap();
                        assert!(
                            number.starts_with(&schema[..4].to_uppercase()),
                            "{schema}: {number}"
                        );
                    }
                    2 => {
                        let reply = app.get(host, "/db-routing/").await;
                        assert_eq!(
                            reply.json()["routing_explanation"]["current_schema"],
                            schema
                        );
                    }
                    _ => {
                        let reply = app.get(host, "/").await;
                        assert_eq!(reply.status, 200);
                        assert!(mine.iter().all(|m| reply.body.contains(m)));
                        assert!(
                            theirs.iter().all(|t| !reply.body.contains(t)),
                            "{schema} page shows another store"
                        );
                    }
                }
                checked += 1;
            }
            checked
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("a request task panicked");
    }
    assert_eq!(total, TASKS * REQUESTS_PER_TASK);
    assert!(total >= 1000);
}

#[sqlx::test(migrations = false)]
async fn concurrent_writes_land_in_their_own_store_only(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // Orders placed concurrently in both stores, on two connections, interleaved with
    // reads: each store ends with exactly its own orders and stock.
    let app = Arc::new(TestApp::seeded_alone(options, 2).await);
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let schema = SchemaName::parse(if task % 2 == 0 {
                "techstore"
            } else {
                "fashion"
            })
            .unwrap();
            for _ in 0..3 {
                let mut tx = TenantTx::begin(&app.pool, &schema).await.unwrap();
                let products = catalog::list(&mut tx).await.unwrap();
                let checkout = Checkout {
                    customer_id: None,
                    customer_name: format!("task {task}"),
                    email: "t@example.com".into(),
                    address: "here".into(),
                    lines: vec![LineRequest {
                        product_id: products[1].id,
                        quantity: 1,
                    }],
                    idempotency_key: None,
                    session_id: None,
                };
                orders::place(&mut tx, &checkout).await.unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for (host, prefix, second_product, stock_before) in [
        ("techstore.localhost", "TECH", "Mouse", 49),
        ("fashion.localhost", "FASH", "Jeans", 39),
    ] {
        let data = app.get(host, "/data/").await.json();
        let orders = data["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 1 + 3 * TASKS / 2, "{host}");
        assert!(orders
            .iter()
            .all(|o| o["order_number"].as_str().unwrap().starts_with(prefix)));
        let schema = SchemaName::parse(data["tenant_info"]["schema"].as_str().unwrap()).unwrap();
        let mut tx = TenantTx::begin(&app.pool, &schema).await.unwrap();
        let product = catalog::find_by_name(&mut tx, second_product)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            product.stock,
            stock_before - 3 * (TASKS as i32) / 2,
            "{host}"
        );
    }
}

const MANY_STORES: usize = 200;

#[sqlx::test(migrations = false)]
async fn two_hundred_stores_sixteen_tasks_two_sharded_connections(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    // Two connections in two shards of one: every store's requests land on its home
    // connection, spill to the other or wait, and each connection serves a hundred
    // stores and more, one after another and interleaved.
    let app = Arc::new(TestApp::sharded_alone(options, 2, 2).await);
    futures::stream::iter(0..MANY_STORES)
        .map(|i| {
            let app = Arc::clone(&app);
            async move {
                let tenant = app.create_store(&format!("store{i}")).await;
                let mut tx = TenantTx::begin(&app.pool, &tenant.schema_name)
                    .await
                    .unwrap();
                let input = ProductInput::parse(&own_product(i), "", "1.00", "1").unwrap();
                catalog::create(&mut tx, &input).await.unwrap();
                tx.commit().await.unwrap();
            }
        })
        .buffer_unordered(2)
        .collect::<Vec<()>>()
        .await;

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let mut checked = 0usize;
            for step in 0..MANY_STORES {
                // Each task walks the stores in its own order.
                let i = (step * 7 + task * 13) % MANY_STORES;
                let schema = format!("store{i}");
                let reply = app.get(&format!("{schema}.localhost:8000"), "/data/").await;
                assert_eq!(reply.status, 200, "{schema}");
                let json = reply.json();
                assert_eq!(json["tenant_info"]["schema"], schema.as_str());
                let names: Vec<_> = json["products"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["name"].as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(names, [own_product(i)], "{schema} saw {names:?}");
                checked += 1;
            }
            checked
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("a request task panicked");
    }
    assert_eq!(total, TASKS * MANY_STORES);
}

/// The one product store `i` holds.
fn own_product(i: usize) -> String {
    format!("Product of store {i}")
}
