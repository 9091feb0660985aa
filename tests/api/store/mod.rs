//! A store's own resources against a real PostgreSQL: carts, checkout (with the
//! last-unit race and the double submit run concurrently), sessions and accounts.

mod accounts;
mod cart;
mod orders;
mod theme;

use marketplace::catalog::{self, ProductInput};
use marketplace::orders::{Checkout, LineRequest};
use marketplace::security::Policy;
use marketplace::sessions;
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::{SchemaName, TenantTx};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use crate::helpers;

pub(super) fn techstore() -> SchemaName {
    SchemaName::parse("techstore").unwrap()
}

pub(super) fn fashion() -> SchemaName {
    SchemaName::parse("fashion").unwrap()
}

pub(super) async fn seeded(options: PgConnectOptions, connections: u32) -> PgPool {
    let pool = helpers::platform(options, connections).await;
    marketplace::seed::create_test_data(&pool, &PublicHosts::default(), Some("seed-password"))
        .await
        .unwrap();
    pool
}

pub(super) async fn product(
    pool: &PgPool,
    schema: &SchemaName,
    name: &str,
    price: &str,
    stock: i32,
) -> i64 {
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

pub(super) async fn new_session(pool: &PgPool, schema: &SchemaName) -> (i64, String) {
    let mut tx = TenantTx::begin(pool, schema).await.unwrap();
    let new = sessions::create(&mut tx, None, Policy::default().customer_sessions)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (new.session.id, new.token)
}

pub(super) fn checkout(session_id: i64, lines: Vec<LineRequest>, key: Option<&str>) -> Checkout {
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
