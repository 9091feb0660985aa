//! Logging in to a store: the throttled password check, and the session a login
//! starts — what it carries over from the visitor's anonymous visit and what it never
//! adopts.

use sqlx::PgPool;

use super::User;
use crate::password;
use crate::security::{Policy, SessionRules};
use crate::sessions::{self, NewSession, Session};
use crate::tenancy::{SchemaName, TenantTx};
use crate::throttle::Attempt;
use crate::{cart, throttle, Error, Result};

/// Who may log in through a given door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// The storefront: any active account.
    Storefront,
    /// The store admin: active staff only.
    Admin,
}

/// Logs in through `door` with throttling ([`throttle`]): the attempt is counted first,
/// in its own short transaction, and refused outright while its account at this client
/// address (or the client address itself) is being slowed down; the password is then
/// checked with no database connection held, and a success takes the attempt back.
/// Every refusal reads the same, whatever its reason, except the slow-down.
pub async fn login(
    pool: &PgPool,
    schema: &SchemaName,
    attempt: &Attempt,
    candidate: &str,
    door: Door,
    policy: &Policy,
) -> Result<User> {
    password::check_candidate(candidate)?;
    let mut tx = TenantTx::begin(pool, schema).await?;
    if let Err(err) = throttle::STORE.admit(tx.conn(), attempt, policy).await {
        tx.rollback().await?;
        return Err(err);
    }
    tx.commit().await?;

    let mut tx = TenantTx::begin_read_only(pool, schema).await?;
    let account: Option<(i64, String, bool, bool)> = sqlx::query_as(
        "select id, password_hash, is_active, is_staff from users where username = $1",
    )
    .bind(attempt.login())
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;

    let (id, may_enter) = match account {
        Some((id, hash, active, is_staff)) => (
            Some(id),
            password::check_login(Some((hash, active)), candidate).await
                && (door == Door::Storefront || is_staff),
        ),
        None => (None, password::check_login(None, candidate).await),
    };
    match id.filter(|_| may_enter) {
        Some(id) => {
            let mut tx = TenantTx::begin(pool, schema).await?;
            throttle::STORE
                .succeeded(tx.conn(), attempt, policy)
                .await?;
            let user = sqlx::query_as(user_sql!(
                "update users set last_login = now() where id = $1 and is_active returning",
                ""
            ))
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
            tx.commit().await?;
            user.ok_or_else(|| refused(door))
        }
        None => Err(refused(door)),
    }
}

fn refused(door: Door) -> Error {
    Error::Rejected(match door {
        Door::Storefront => "The email or password is incorrect.".into(),
        Door::Admin => "The username or password is incorrect, or the account is not staff.".into(),
    })
}

/// Checks a username and password. `None` for an unknown user, a wrong password or an
/// inactive account alike; the time taken does not tell which.
pub async fn authenticate(
    tx: &mut TenantTx,
    username: &str,
    candidate: &str,
) -> Result<Option<User>> {
    let row: Option<(i64, String, bool)> =
        sqlx::query_as("select id, password_hash, is_active from users where username = $1")
            .bind(username.trim())
            .fetch_optional(tx.conn())
            .await?;
    let Some(id) = password::check_account(row, candidate).await else {
        return Ok(None);
    };
    Ok(sqlx::query_as(user_sql!(
        "update users set last_login = now() where id = $1 returning",
        ""
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?)
}

/// Starts `user`'s session in this store once they proved who they are (a login, a
/// registration), living by `rules` (`Policy::sessions_for` the user's kind: staff
/// sessions are short). `previous` is the visitor's session before, if any. The rules
/// of a login:
///
/// * the token is always fresh: a token seen before login is worthless after it;
/// * the previous session ends;
/// * its cart, if it was anonymous, merges into the user's cart;
/// * nothing else is adopted: orders placed as a guest stay the guest's, and a
///   previous user's cart stays that user's.
pub async fn start_session(
    tx: &mut TenantTx,
    previous: Option<&Session>,
    user: &User,
    rules: SessionRules,
) -> Result<NewSession> {
    let fresh = sessions::create(tx, Some(user.id), rules).await?;
    if let Some(previous) = previous {
        if previous.user_id.is_none() {
            cart::merge_into_user(tx, previous.id, user.id).await?;
        }
        sessions::delete(tx, previous.id).await?;
    }
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    //! The login rules on a real store: what a login carries over, what it never adopts.
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

    use super::*;
    use crate::accounts::{register, NewCustomer};
    use crate::cart::Owner;
    use crate::catalog::{self, ProductInput};
    use crate::checkout::{self, CheckoutInput};
    use crate::orders;
    use crate::tenancy::testing::{platform, store};

    async fn customer(tx: &mut TenantTx, name: &str, email: &str) -> User {
        let new = NewCustomer::parse(name, email, "long enough pw")
            .unwrap()
            .hash()
            .await;
        register(tx, new).await.unwrap()
    }

    #[sqlx::test(migrations = false)]
    async fn a_login_merges_the_anonymous_cart_and_adopts_nothing_else(
        _: PgPoolOptions,
        options: PgConnectOptions,
    ) {
        let pool = platform(options).await;
        let schema = store(&pool, "techstore").await;
        let rules = Policy::default().customer_sessions;
        let mut tx = TenantTx::begin(&pool, &schema).await.unwrap();
        let ada = customer(&mut tx, "Ada", "ada@example.com").await;
        let lamp = ProductInput::parse("Lamp", "", "10.00", "10").unwrap();
        let lamp = catalog::create(&mut tx, &lamp).await.unwrap();

        // As a guest: an order placed, then the cart filled again.
        let guest = sessions::create(&mut tx, None, rules).await.unwrap();
        let as_guest = Owner::Session(guest.session.id);
        cart::add(&mut tx, as_guest, lamp.id, 1).await.unwrap();
        let input = CheckoutInput::parse("Guest", "g@example.com", "1 Road", "abcdefghijklmnop");
        let order = checkout::place(&mut tx, Some(&guest.session), input.unwrap())
            .await
            .unwrap()
            .into_order();
        cart::add(&mut tx, as_guest, lamp.id, 2).await.unwrap();

        let fresh = start_session(&mut tx, Some(&guest.session), &ada, rules)
            .await
            .unwrap();
        assert_ne!(fresh.token, guest.token, "a fresh token");
        assert_eq!(fresh.session.user_id, Some(ada.id));
        let old = sessions::find(&mut tx, &guest.token).await.unwrap();
        assert!(old.is_none(), "the guest session ended");
        let ada_cart = cart::count(&mut tx, Owner::User(ada.id)).await.unwrap();
        assert_eq!(ada_cart, 2, "the guest cart came along");
        let adas_orders = orders::list_for_customer(&mut tx, ada.id).await.unwrap();
        assert!(adas_orders.is_empty(), "guest orders stay the guest's");
        let kept = orders::find_by_number(&mut tx, &order.order_number)
            .await
            .unwrap()
            .expect("the guest order is kept");
        assert_eq!(kept.customer_id, None);

        // Logging in as someone else from Ada's session takes nothing of hers.
        let bob = customer(&mut tx, "Bob", "bob@example.com").await;
        let bobs = start_session(&mut tx, Some(&fresh.session), &bob, rules)
            .await
            .unwrap();
        assert_eq!(cart::count(&mut tx, Owner::User(bob.id)).await.unwrap(), 0);
        assert_eq!(cart::count(&mut tx, Owner::User(ada.id)).await.unwrap(), 2);
        assert!(sessions::find(&mut tx, &fresh.token)
            .await
            .unwrap()
            .is_none());
        let found = sessions::find(&mut tx, &bobs.token).await.unwrap();
        assert_eq!(found.and_then(|s| s.user_id), Some(bob.id));
        tx.rollback().await.unwrap();
    }
}
