//! Plan limits, enforced in the transaction that writes: racing at the limit, the
//! refusal's words, downgrades that suspend without deleting and upgrades that restore.
//! How each road shows the refusal is in `refusals.rs`.

use marketplace::accounts::{self, NewUser, Role, Username};
use marketplace::catalog::{self, ProductInput};
use marketplace::email::Email;
use marketplace::orders::{self, Checkout, LineRequest};
use marketplace::password::{self, Hashed, Password};
use marketplace::tenancy::{domains, Hostname, Tenant, TenantTx};
use marketplace::Error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::BillingApp;

fn staff(name: &str, password: &Hashed, role: Role) -> NewUser {
    NewUser {
        username: Username::parse(name).unwrap(),
        email: Email::parse(&format!("{name}@shop.example")).unwrap(),
        full_name: String::new(),
        password: password.clone(),
        role,
    }
}

async fn create_staff(
    b: &BillingApp,
    tenant: &Tenant,
    name: &str,
    password: &Hashed,
    role: Role,
) -> marketplace::Result<i64> {
    let mut tx = TenantTx::begin(&b.app.state.stores, &tenant.schema_name).await?;
    let user = accounts::create(&mut tx, staff(name, password, role)).await?;
    tx.commit().await?;
    Ok(user.id)
}

async fn create_product(b: &BillingApp, tenant: &Tenant, name: &str) -> marketplace::Result<i64> {
    let mut tx = TenantTx::begin(&b.app.state.stores, &tenant.schema_name).await?;
    let input = ProductInput::parse(name, "", "10.00", "50")?;
    let product = catalog::create(&mut tx, &input).await?;
    tx.commit().await?;
    Ok(product.id)
}

async fn place_order(b: &BillingApp, tenant: &Tenant, product_id: i64) -> marketplace::Result<()> {
    let mut tx = TenantTx::begin(&b.app.state.stores, &tenant.schema_name).await?;
    let checkout = Checkout {
        customer_id: None,
        customer_name: "Ann".into(),
        email: "ann@example.com".into(),
        address: "1 Road".into(),
        lines: vec![LineRequest {
            product_id,
            quantity: 1,
        }],
        idempotency_key: None,
        session_id: None,
    };
    orders::place(&mut tx, &checkout).await?;
    tx.commit().await
}

pub(super) fn refused_by_plan(result: marketplace::Result<impl std::fmt::Debug>, words: &str) {
    match result {
        Err(Error::Rejected(message)) => {
            assert!(message.contains(words), "{message}");
            assert!(message.contains("Admin → Plan"), "{message}");
        }
        other => panic!("expected a refusal naming {words}, got {other:?}"),
    }
}

#[sqlx::test(migrations = false)]
async fn two_admins_racing_for_the_last_staff_seat_exactly_one_wins(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = b.app.create_store("shop").await;
    b.change_plan(&shop, "starter").await.unwrap();
    let pw = password::hash(Password::parse("staff password").unwrap()).await;
    create_staff(&b, &shop, "owner", &pw, Role::Superuser)
        .await
        .unwrap();
    for n in 1..=3 {
        create_staff(&b, &shop, &format!("clerk{n}"), &pw, Role::Staff)
            .await
            .unwrap();
    }
    // Customers are not staff: they never count.
    create_staff(&b, &shop, "shopper", &pw, Role::Customer)
        .await
        .unwrap();
    let (first, second) = tokio::join!(
        create_staff(&b, &shop, "racer_a", &pw, Role::Staff),
        create_staff(&b, &shop, "racer_b", &pw, Role::Staff),
    );
    assert_eq!(
        [first.is_ok(), second.is_ok()]
            .iter()
            .filter(|ok| **ok)
            .count(),
        1,
        "{first:?} {second:?}"
    );
    let loser = if first.is_ok() { second } else { first };
    refused_by_plan(loser, "Starter plan allows 5 staff accounts");
    let staff = b
        .app
        .count("select count(*) from shop.users where is_staff")
        .await;
    assert_eq!(staff, 5);
}

#[sqlx::test(migrations = false)]
async fn racing_products_and_orders_at_their_limits_exactly_one_wins(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    b.add_tiny_plan().await;
    let shop = b.app.create_store("shop").await;
    b.change_plan(&shop, "tiny").await.unwrap();
    let (a, c) = tokio::join!(
        create_product(&b, &shop, "A"),
        create_product(&b, &shop, "B")
    );
    assert!(a.is_ok() != c.is_ok(), "{a:?} {c:?}");
    let product = a.as_ref().or(c.as_ref()).copied().unwrap();
    refused_by_plan(if a.is_ok() { c } else { a }, "Tiny plan allows 1 product");

    let (x, y) = tokio::join!(
        place_order(&b, &shop, product),
        place_order(&b, &shop, product)
    );
    assert!(x.is_ok() != y.is_ok(), "{x:?} {y:?}");
    refused_by_plan(
        if x.is_ok() { y } else { x },
        "Tiny plan allows 1 order a month",
    );
    assert_eq!(b.app.count("select count(*) from shop.orders").await, 1);
    // The refused order took no stock and left the counter exact.
    assert_eq!(
        b.app.count("select stock::bigint from shop.products").await,
        49
    );
    assert_eq!(
        b.app.count("select count from shop.usage_counters").await,
        1
    );

    // Domains: the primary one is all the tiny plan allows.
    let host = Hostname::parse("shop.example.com").unwrap();
    let resolver = &*b.app.state.resolver;
    refused_by_plan(
        domains::claim(&b.app.pool, resolver, shop.id, &host).await,
        "Tiny plan allows 1 domain",
    );
    b.change_plan(&shop, "growth").await.unwrap();
    domains::claim(&b.app.pool, resolver, shop.id, &host)
        .await
        .unwrap();
    place_order(&b, &shop, product).await.unwrap();
    create_product(&b, &shop, "C").await.unwrap();
}

#[sqlx::test(migrations = false)]
async fn a_downgrade_suspends_the_newest_staff_and_products_and_an_upgrade_restores_them(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::new(options).await;
    let shop = b.app.create_store("shop").await;
    let pw = password::hash(Password::parse("staff password").unwrap()).await;
    let mut users = Vec::new();
    // Staff first, the superuser last: superusers are kept whatever their age.
    for n in 1..=6 {
        users.push(
            create_staff(&b, &shop, &format!("clerk{n}"), &pw, Role::Staff)
                .await
                .unwrap(),
        );
    }
    let owner = create_staff(&b, &shop, "owner", &pw, Role::Superuser)
        .await
        .unwrap();
    let mut products = Vec::new();
    for n in 1..=52 {
        products.push(create_product(&b, &shop, &format!("P{n}")).await.unwrap());
    }
    // The owner took the oldest product off sale themself; an upgrade must not change that.
    let mut tx = TenantTx::begin(&b.app.state.stores, &shop.schema_name)
        .await
        .unwrap();
    catalog::set_active(&mut tx, products[0], false)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    b.change_plan(&shop, "starter").await.unwrap();
    let active = b
        .app
        .count("select count(*) from shop.users where is_active")
        .await;
    assert_eq!(active, 5);
    let held = b
        .app
        .count("select count(*) from shop.users where suspended_by_plan")
        .await;
    assert_eq!(held, 2);
    let mut tx = TenantTx::begin(&b.app.state.stores, &shop.schema_name)
        .await
        .unwrap();
    let owner_row = accounts::find(&mut tx, owner).await.unwrap().unwrap();
    assert!(owner_row.is_active, "the superuser is kept");
    for id in &users[..4] {
        assert!(
            accounts::find(&mut tx, *id)
                .await
                .unwrap()
                .unwrap()
                .is_active
        );
    }
    for id in &users[4..] {
        assert!(
            !accounts::find(&mut tx, *id)
                .await
                .unwrap()
                .unwrap()
                .is_active,
            "the newest staff are suspended"
        );
    }
    // Nobody switches a suspended account back on, nor a held product.
    refused_by_plan(
        accounts::set_active_by(&mut tx, &owner_row, users[5], true).await,
        "suspended",
    );
    let hidden = catalog::get(&mut tx, products[51]).await.unwrap();
    assert!(!hidden.is_active, "the newest products are off sale");
    assert!(catalog::get(&mut tx, products[49]).await.unwrap().is_active);
    refused_by_plan(
        catalog::set_active(&mut tx, products[51], true).await,
        "off sale",
    );
    tx.rollback().await.unwrap();
    refused_by_plan(
        create_staff(&b, &shop, "late", &pw, Role::Staff).await,
        "Starter plan allows 5 staff accounts",
    );
    refused_by_plan(
        create_product(&b, &shop, "Late").await,
        "Starter plan allows 50 products",
    );
    let nothing_deleted = b.app.count("select count(*) from shop.products").await;
    assert_eq!(nothing_deleted, 52);

    b.change_plan(&shop, "growth").await.unwrap();
    let mut tx = TenantTx::begin(&b.app.state.stores, &shop.schema_name)
        .await
        .unwrap();
    for id in &users {
        assert!(
            accounts::find(&mut tx, *id)
                .await
                .unwrap()
                .unwrap()
                .is_active,
            "restored"
        );
    }
    assert!(
        catalog::get(&mut tx, products[51]).await.unwrap().is_active,
        "back on sale"
    );
    assert!(
        !catalog::get(&mut tx, products[0]).await.unwrap().is_active,
        "the owner's choice stays"
    );
    tx.rollback().await.unwrap();
    create_staff(&b, &shop, "late", &pw, Role::Staff)
        .await
        .unwrap();
}
