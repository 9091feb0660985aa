//! Carts: quantities bounded by stock and 99, sessions and carts of one store only.

use super::{fashion, new_session, product, seeded, techstore};
use marketplace::cart::{self, Owner};
use marketplace::catalog::{self};
use marketplace::sessions;
use marketplace::tenancy::TenantTx;
use marketplace::Error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

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
