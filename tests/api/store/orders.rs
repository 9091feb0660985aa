//! Orders: priced from the database, stock taken exactly once under races and
//! double submits, the status workflow, order numbers.

use super::{checkout, fashion, new_session, product, seeded, techstore};
use marketplace::cart::{self, Owner};
use marketplace::catalog::{self, ProductInput};
use marketplace::orders::{self, OrderStatus};
use marketplace::tenancy::TenantTx;
use marketplace::Error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = false)]
async fn placing_an_order_prices_from_the_database_and_takes_stock(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = seeded(options, 4).await;
    let (session, _) = new_session(&pool, &techstore()).await;
    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
    let mouse = catalog::find_by_name(&mut tx, "Mouse")
        .await
        .unwrap()
        .unwrap();
    cart::add(&mut tx, Owner::Session(session), mouse.id, 2)
        .await
        .unwrap();
    // The price changes after it went into the cart: the order uses today's price.
    catalog::update(
        &mut tx,
        mouse.id,
        &ProductInput::parse("Mouse", "", "25.00", &mouse.stock.to_string()).unwrap(),
    )
    .await
    .unwrap();
    let lines = cart::get(&mut tx, Owner::Session(session))
        .await
        .unwrap()
        .requests();
    let order = orders::place(&mut tx, &checkout(session, lines, None))
        .await
        .unwrap()
        .into_order();
    tx.commit().await.unwrap();

    assert_eq!(
        order.order_number, "TECH002",
        "numbered after the seed's TECH001"
    );
    assert_eq!(order.total.to_string(), "50.00");
    assert_eq!(order.status, OrderStatus::Pending);
    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
    assert_eq!(
        catalog::get(&mut tx, mouse.id).await.unwrap().stock,
        mouse.stock - 2
    );
    let lines = orders::lines(&mut tx, order.id).await.unwrap();
    assert_eq!(
        (
            lines[0].product_name.as_str(),
            lines[0].quantity,
            lines[0].unit_price.to_string().as_str()
        ),
        ("Mouse", 2, "25.00")
    );
    // Visible to its session, invisible to another session and to nobody.
    assert!(
        orders::find_for_buyer(&mut tx, "TECH002", Some(session), None)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        orders::find_for_buyer(&mut tx, "TECH002", Some(session + 1), None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(orders::find_for_buyer(&mut tx, "TECH002", None, None)
        .await
        .unwrap()
        .is_none());
    assert!(
        orders::find_for_buyer(&mut tx, "TECH001", Some(session), None)
            .await
            .unwrap()
            .is_none()
    );

    // The other store's numbering is its own.
    let (fsession, _) = new_session(&pool, &fashion()).await;
    let mut ftx = TenantTx::begin(&pool, &fashion()).await.unwrap();
    let jeans = catalog::find_by_name(&mut ftx, "Jeans")
        .await
        .unwrap()
        .unwrap();
    let forder = orders::place(
        &mut ftx,
        &checkout(
            fsession,
            vec![orders::LineRequest {
                product_id: jeans.id,
                quantity: 1,
            }],
            None,
        ),
    )
    .await
    .unwrap()
    .into_order();
    assert_eq!(forder.order_number, "FASH002");
}

#[sqlx::test(migrations = false)]
async fn two_buyers_race_for_the_last_unit_and_exactly_one_gets_it(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = seeded(options, 8).await;
    for round in 0..5 {
        let last = product(&pool, &techstore(), &format!("Last one {round}"), "5", 1).await;
        let buyers = (0..4).map(|_| {
            let pool = pool.clone();
            async move {
                let (session, _) = new_session(&pool, &techstore()).await;
                let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
                let placed = orders::place(
                    &mut tx,
                    &checkout(
                        session,
                        vec![orders::LineRequest {
                            product_id: last,
                            quantity: 1,
                        }],
                        None,
                    ),
                )
                .await;
                if placed.is_ok() {
                    tx.commit().await.unwrap();
                }
                placed
            }
        });
        let results = futures::future::join_all(buyers).await;
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {results:?}"
        );
        for err in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(
                matches!(err, Error::Rejected(m) if m.contains("out of stock")),
                "{err}"
            );
        }
        let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
        assert_eq!(catalog::get(&mut tx, last).await.unwrap().stock, 0);
    }
}

#[sqlx::test(migrations = false)]
async fn a_double_submit_places_one_order(_: PgPoolOptions, options: PgConnectOptions) {
    let pool = seeded(options, 8).await;
    let (session, _) = new_session(&pool, &techstore()).await;
    let key = "checkout-form-token-0123456789";
    let submits = (0..3).map(|_| {
        let pool = pool.clone();
        async move {
            let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
            let order = orders::place(
                &mut tx,
                &checkout(
                    session,
                    vec![orders::LineRequest {
                        product_id: 2,
                        quantity: 1,
                    }],
                    Some(key),
                ),
            )
            .await
            .unwrap()
            .into_order();
            tx.commit().await.unwrap();
            order.order_number
        }
    });
    let numbers = futures::future::join_all(submits).await;
    assert!(numbers.iter().all(|n| n == &numbers[0]), "{numbers:?}");
    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
    assert_eq!(
        orders::count(&mut tx).await.unwrap(),
        2,
        "the seed's order and exactly one more"
    );
    assert_eq!(
        catalog::get(&mut tx, 2).await.unwrap().stock,
        48,
        "stock taken once"
    );
}

#[sqlx::test(migrations = false)]
async fn cancelling_returns_stock_and_the_workflow_is_enforced(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = seeded(options, 4).await;
    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
    let laptop_before = catalog::get(&mut tx, 1).await.unwrap().stock;
    assert!(
        orders::set_status(&mut tx, "TECH001", OrderStatus::Shipped)
            .await
            .is_err(),
        "pending cannot ship"
    );
    orders::set_status(&mut tx, "TECH001", OrderStatus::Paid)
        .await
        .unwrap();
    orders::set_status(&mut tx, "TECH001", OrderStatus::Cancelled)
        .await
        .unwrap();
    assert_eq!(
        catalog::get(&mut tx, 1).await.unwrap().stock,
        laptop_before + 1
    );
    assert!(
        orders::set_status(&mut tx, "TECH001", OrderStatus::Paid)
            .await
            .is_err(),
        "cancelled is final"
    );
    assert!(matches!(
        orders::set_status(&mut tx, "NOPE1", OrderStatus::Paid)
            .await
            .unwrap_err(),
        Error::NotFound(_)
    ));
}

#[sqlx::test(migrations = false)]
async fn order_numbers_keep_every_digit_past_999(_: PgPoolOptions, options: PgConnectOptions) {
    let pool = seeded(options, 4).await;
    sqlx::query("select setval('techstore.order_number_seq', 998)")
        .execute(&pool)
        .await
        .unwrap();
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let (session, _) = new_session(&pool, &techstore()).await;
        let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
        let line = orders::LineRequest {
            product_id: 2,
            quantity: 1,
        };
        let order = orders::place(&mut tx, &checkout(session, vec![line], None))
            .await
            .unwrap()
            .into_order();
        tx.commit().await.unwrap();
        numbers.push(order.order_number);
    }
    assert_eq!(numbers, ["TECH999", "TECH1000", "TECH1001"]);
}
