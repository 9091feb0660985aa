//! Customer accounts belong to one store, and carts follow their owner.

use super::{fashion, seeded, techstore};
use marketplace::accounts::{self, NewUser, Role, Username};
use marketplace::cart::{self, Owner};
use marketplace::email::Email;
use marketplace::password::Password;
use marketplace::security::Policy;
use marketplace::sessions;
use marketplace::tenancy::{SchemaName, TenantTx};
use marketplace::Error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

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
