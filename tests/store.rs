//! A store's own resources against a real PostgreSQL: carts, checkout (with the
//! last-unit race and the double submit run concurrently), sessions and accounts.

mod common;

use marketplace::accounts::{self, NewUser, Role, Username};
use marketplace::cart::{self, Owner};
use marketplace::catalog::{self, ProductInput};
use marketplace::email::Email;
use marketplace::orders::{self, Checkout, OrderStatus};
use marketplace::password::Password;
use marketplace::security::Policy;
use marketplace::sessions;
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::{SchemaName, TenantTx};
use marketplace::Error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

fn techstore() -> SchemaName {
    SchemaName::parse("techstore").unwrap()
}

fn fashion() -> SchemaName {
    SchemaName::parse("fashion").unwrap()
}

async fn seeded(options: PgConnectOptions, connections: u32) -> PgPool {
    let pool = common::platform(options, connections).await;
    marketplace::seed::create_test_data(&pool, &PublicHosts::default(), Some("seed-password"))
        .await
        .unwrap();
    pool
}

async fn product(pool: &PgPool, schema: &SchemaName, name: &str, price: &str, stock: i32) -> i64 {
    let mut tx = TenantTx::begin(pool, schema).await.unwrap();
    let id = catalog::create(
        &mut tx,
        &ProductInput::parse(name, "", price, &stock.to_string()).unwrap(),
    )
    .await
    .unwrap()
    .id;
    tx.commit().await.unwrap();
    id
}

async fn new_session(pool: &PgPool, schema: &SchemaName) -> (i64, String) {
    let mut tx = TenantTx::begin(pool, schema).await.unwrap();
    let new = sessions::create(&mut tx, None, Policy::default().customer_sessions)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (new.session.id, new.token)
}

fn checkout(session_id: i64, lines: Vec<orders::LineRequest>, key: Option<&str>) -> Checkout {
    Checkout {
        customer_id: None,
        customer_name: "Ada".into(),
        email: "ada@example.com".into(),
        address: "1 Loop Road".into(),
        lines,
        idempotency_key: key.map(str::to_owned),
        session_id: Some(session_id),
    }
}

#[sqlx::test(migrations = false)]
async fn cart_quantities_are_bounded_by_stock_and_99(_: PgPoolOptions, options: PgConnectOptions) {
    let pool = seeded(options, 4).await;
    let scarce = product(&pool, &techstore(), "Scarce", "10", 2).await;
    let plenty = product(&pool, &techstore(), "Plenty", "1", 500).await;
    let (session, _) = new_session(&pool, &techstore()).await;
    let owner = Owner::Session(session);
    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();

    cart::add(&mut tx, owner, scarce, 2).await.unwrap();
    let err = cart::add(&mut tx, owner, scarce, 1).await.unwrap_err();
    assert!(
        matches!(&err, Error::Rejected(m) if m == "Only 2 of Scarce left."),
        "{err}"
    );
    assert!(
        cart::set_quantity(&mut tx, owner, plenty, 100)
            .await
            .unwrap_err()
            .field()
            == Some("quantity")
    );
    cart::set_quantity(&mut tx, owner, plenty, 99)
        .await
        .unwrap();
    assert!(cart::add(&mut tx, owner, plenty, 1).await.is_err());
    assert!(cart::add(&mut tx, owner, plenty, 0).await.is_err());
    assert!(cart::set_quantity(&mut tx, owner, plenty, -1)
        .await
        .is_err());
    assert!(matches!(
        cart::add(&mut tx, owner, 999_999, 1).await.unwrap_err(),
        Error::NotFound(_)
    ));

    let cart = cart::get(&mut tx, owner).await.unwrap();
    assert_eq!(cart.item_count(), 101);
    assert_eq!(cart.subtotal().to_string(), "119.00");
    cart::set_quantity(&mut tx, owner, plenty, 0).await.unwrap();
    assert_eq!(cart::count(&mut tx, owner).await.unwrap(), 2);

    catalog::set_active(&mut tx, scarce, false).await.unwrap();
    assert!(matches!(
        cart::set_quantity(&mut tx, owner, scarce, 1)
            .await
            .unwrap_err(),
        Error::Rejected(_)
    ));
}

#[sqlx::test(migrations = false)]
async fn sessions_and_carts_belong_to_one_store(_: PgPoolOptions, options: PgConnectOptions) {
    let pool = seeded(options, 4).await;
    let (session, token) = new_session(&pool, &techstore()).await;
    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
    assert_eq!(
        sessions::find(&mut tx, &token).await.unwrap().map(|s| s.id),
        Some(session)
    );
    cart::add(&mut tx, Owner::Session(session), 1, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The same token presented to another store finds nothing there.
    let mut other = TenantTx::begin(&pool, &fashion()).await.unwrap();
    assert!(sessions::find(&mut other, &token).await.unwrap().is_none());
    assert_eq!(
        cart::count(&mut other, Owner::Session(session))
            .await
            .unwrap(),
        0
    );
    assert!(sessions::find(&mut other, "").await.unwrap().is_none());
    assert!(sessions::find(&mut other, &"x".repeat(500))
        .await
        .unwrap()
        .is_none());
}

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
async fn accounts_belong_to_one_store_and_carts_follow_their_owner(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = seeded(options, 4).await;
    let register = |schema: SchemaName, password: &'static str| {
        let pool = pool.clone();
        async move {
            let mut tx = TenantTx::begin(&pool, &schema).await.unwrap();
            let user = accounts::create(
                &mut tx,
                NewUser {
                    username: Username::parse("ada@example.com").unwrap(),
                    email: Email::parse("ada@example.com").unwrap(),
                    full_name: "Ada".into(),
                    password: marketplace::password::hash(Password::parse(password).unwrap()).await,
                    role: Role::Customer,
                },
            )
            .await;
            tx.commit().await.unwrap();
            user
        }
    };
    let tech_user = register(techstore(), "tech password").await.unwrap();
    let fashion_user = register(fashion(), "fashion password").await.unwrap();
    assert!(!tech_user.is_staff && !fashion_user.is_staff);
    assert!(matches!(
        register(techstore(), "again password").await.unwrap_err(),
        Error::Conflict { .. }
    ));

    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
    assert!(
        accounts::authenticate(&mut tx, "ada@example.com", "tech password")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        accounts::authenticate(&mut tx, "ada@example.com", "fashion password")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        accounts::authenticate(&mut tx, "nobody@example.com", "tech password")
            .await
            .unwrap()
            .is_none()
    );

    // An anonymous cart joins the customer's cart at login.
    let anon = sessions::create(&mut tx, None, Policy::default().customer_sessions)
        .await
        .unwrap()
        .session;
    cart::add(&mut tx, Owner::Session(anon.id), 2, 3)
        .await
        .unwrap();
    cart::add(&mut tx, Owner::User(tech_user.id), 2, 2)
        .await
        .unwrap();
    cart::merge_into_user(&mut tx, anon.id, tech_user.id)
        .await
        .unwrap();
    assert_eq!(
        cart::count(&mut tx, Owner::User(tech_user.id))
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        cart::count(&mut tx, Owner::Session(anon.id)).await.unwrap(),
        0
    );

    // An expired anonymous session is swept away by the sweeper, cart and all.
    let stale = sessions::create(&mut tx, None, Policy::default().customer_sessions)
        .await
        .unwrap();
    cart::add(&mut tx, Owner::Session(stale.session.id), 1, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    sqlx::query(
        "update techstore.sessions set expires_at = now() - interval '1 day' where id = $1",
    )
    .bind(stale.session.id)
    .execute(&pool)
    .await
    .unwrap();
    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();
    assert!(
        sessions::find(&mut tx, &stale.token)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    tx.commit().await.unwrap();
    marketplace::sweep::Sweeper::new()
        .tick(&pool, &Policy::default())
        .await
        .unwrap();
    let left: (i64, i64) = sqlx::query_as(
        "select (select count(*) from techstore.sessions where id = $1), \
                (select count(*) from techstore.carts where session_id = $1)",
    )
    .bind(stale.session.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, (0, 0), "swept, cart and all");
    let mut tx = TenantTx::begin(&pool, &techstore()).await.unwrap();

    accounts::set_active(&mut tx, tech_user.id, false)
        .await
        .unwrap();
    let logged_in = sessions::create(
        &mut tx,
        Some(tech_user.id),
        Policy::default().customer_sessions,
    )
    .await
    .unwrap();
    assert!(
        sessions::find(&mut tx, &logged_in.token)
            .await
            .unwrap()
            .is_none(),
        "inactive users' sessions are dead"
    );
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
