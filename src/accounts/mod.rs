//! A store's own user accounts: its staff (who may use the store admin) and its
//! customers. Accounts belong to one store's schema; the same email may hold separate
//! accounts in two stores, and nothing in one store knows of the other's.
//!
//! * this module — the account rows and their management by the store's superusers;
//! * [`login()`] and [`start_session`] (`login.rs`) — logging in, and what
//!   a login carries over from the visitor's anonymous visit;
//! * [`NewCustomer`] and [`register`] (`register.rs`) — the storefront's sign-up form.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{Page, PageRequest};
use crate::email::Email;
use crate::password::Hashed;
use crate::tenancy::TenantTx;
use crate::{Error, Result};

/// A login name: 1–150 of letters, digits and `_ . @ + -` (Django's rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let ok = !raw.is_empty()
            && raw.len() <= 150
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.@+-".contains(c));
        if !ok {
            return Err(Error::invalid(
                "username",
                "Use 1 to 150 letters, digits and the characters _ . @ + -",
            ));
        }
        Ok(Username(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What kind of account to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Customer,
    Staff,
    Superuser,
}

/// A validated new account. Its password is hashed before any transaction opens
/// ([`crate::password::hash`]), so no connection waits on argon2.
pub struct NewUser {
    pub username: Username,
    pub email: Email,
    pub full_name: String,
    pub password: Hashed,
    pub role: Role,
}

macro_rules! user_sql {
    ($head:literal, $tail:literal) => {
        concat!(
            $head,
            " id, username, email, full_name, is_staff, is_superuser, is_active, last_login, created_at ",
            $tail
        )
    };
}

// Declared after `user_sql!`, which they use.
mod login;
mod register;

pub use login::{authenticate, login, start_session, Door};
pub use register::{register, FullName, NewCustomer};

/// Creates an account. A taken username is a [`Error::Conflict`]; a staff account
/// beyond the store's plan is refused ([`crate::billing::limits`]).
pub async fn create(tx: &mut TenantTx, new: NewUser) -> Result<User> {
    if new.role != Role::Customer {
        crate::billing::limits::ensure_staff_seat(tx).await?;
    }
    let username = new.username.clone();
    sqlx::query_as(user_sql!(
        "insert into users (username, email, full_name, password_hash, is_staff, is_superuser) \
         values ($1, $2, $3, $4, $5, $6) returning",
        ""
    ))
    .bind(new.username.as_str())
    .bind(new.email.as_str())
    .bind(new.full_name.trim())
    .bind(new.password.as_str())
    .bind(new.role != Role::Customer)
    .bind(new.role == Role::Superuser)
    .fetch_one(tx.conn())
    .await
    .map_err(Error::on_unique(
        "users_username_key",
        "username",
        move || {
            format!(
                "The username '{}' is already taken in this store.",
                username.as_str()
            )
        },
    ))
}

const COUNT_SQL: &str = "select count(*) from users";

pub async fn count(tx: &mut TenantTx) -> Result<i64> {
    Ok(sqlx::query_scalar(COUNT_SQL).fetch_one(tx.conn()).await?)
}

/// [`count`] as a read of a one-round-trip batch ([`crate::tenancy::read`]).
pub fn user_count() -> crate::tenancy::Read<i64> {
    crate::tenancy::batch::scalar(COUNT_SQL)
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<User>> {
    Ok(
        sqlx::query_as(user_sql!("select", "from users order by id"))
            .fetch_all(tx.conn())
            .await?,
    )
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<User>> {
    Ok(
        sqlx::query_as(user_sql!("select", "from users where id = $1"))
            .bind(id)
            .fetch_optional(tx.conn())
            .await?,
    )
}

pub async fn find_by_username(tx: &mut TenantTx, username: &str) -> Result<Option<User>> {
    Ok(
        sqlx::query_as(user_sql!("select", "from users where username = $1"))
            .bind(username)
            .fetch_optional(tx.conn())
            .await?,
    )
}

/// A page of the store's customers (accounts that are not staff), in id order.
pub async fn customers(tx: &mut TenantTx, request: &PageRequest) -> Result<Page<User>> {
    let rows = sqlx::query_as(user_sql!(
        "select",
        "from users where not is_staff and id > $1 order by id limit $2"
    ))
    .bind(request.after_id())
    .bind(request.fetch())
    .fetch_all(tx.conn())
    .await?;
    Ok(request.page(rows, |u: &User| u.id))
}

/// A customer by id; staff accounts are not customers and are not found here.
pub async fn customer(tx: &mut TenantTx, id: i64) -> Result<User> {
    sqlx::query_as(user_sql!(
        "select",
        "from users where id = $1 and not is_staff"
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| Error::not_found("customer"))
}

impl User {
    /// Store superusers manage the store's users; plain staff manage its catalogue
    /// and orders only.
    pub fn manages_users(&self) -> bool {
        self.is_active && self.is_staff && self.is_superuser
    }
}

fn only_superusers() -> Error {
    Error::Forbidden("Only a store superuser can manage users.".into())
}

/// Creates a staff account (`role` staff or superuser) on behalf of `actor`, who must
/// be a superuser.
pub async fn create_by(tx: &mut TenantTx, actor: &User, new: NewUser) -> Result<User> {
    if !actor.manages_users() {
        return Err(only_superusers());
    }
    create(tx, new).await
}

/// Activates or deactivates an account on behalf of `actor`. Only superusers may; no
/// one deactivates themself; the last active superuser stays active. A deactivated
/// account's sessions end with it.
pub async fn set_active_by(tx: &mut TenantTx, actor: &User, id: i64, active: bool) -> Result<User> {
    if !actor.manages_users() {
        return Err(only_superusers());
    }
    if id == actor.id && !active {
        return Err(Error::Rejected("You cannot deactivate yourself.".into()));
    }
    if active {
        use crate::billing::limits::{ensure_not_held, Held};
        ensure_not_held(tx, Held::User, id).await?;
    }
    if !active {
        // Lock every active superuser, so two superusers deactivating each other at
        // once cannot both succeed.
        let superusers: Vec<i64> = sqlx::query_scalar(
            "select id from users where is_superuser and is_active order by id for update",
        )
        .fetch_all(tx.conn())
        .await?;
        if superusers.contains(&id) && superusers.len() <= 1 {
            return Err(Error::Rejected(
                "The last active superuser cannot be deactivated.".into(),
            ));
        }
    }
    let user = set_active(tx, id, active).await?;
    if !active {
        crate::sessions::delete_for_user(tx, id, None).await?;
    }
    Ok(user)
}

/// Sets a new password on behalf of `actor`: a user may change their own, a superuser
/// anyone's. Every session of the account ends, except `keep` (the session of a user
/// changing their own password).
pub async fn change_password_by(
    tx: &mut TenantTx,
    actor: &User,
    id: i64,
    new_password: &Hashed,
    keep: Option<i64>,
) -> Result<()> {
    if id != actor.id && !actor.manages_users() {
        return Err(Error::Forbidden(
            "Only a store superuser can reset another user's password.".into(),
        ));
    }
    set_password(tx, id, new_password).await?;
    let keep = if id == actor.id { keep } else { None };
    crate::sessions::delete_for_user(tx, id, keep).await?;
    Ok(())
}

/// Sets `active` without any rule: for the CLI and for [`set_active_by`].
pub async fn set_active(tx: &mut TenantTx, id: i64, active: bool) -> Result<User> {
    sqlx::query_as(user_sql!(
        "update users set is_active = $2, updated_at = now() where id = $1 returning",
        ""
    ))
    .bind(id)
    .bind(active)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| Error::not_found("user"))
}

pub async fn set_password(tx: &mut TenantTx, id: i64, new_password: &Hashed) -> Result<()> {
    let updated =
        sqlx::query("update users set password_hash = $2, updated_at = now() where id = $1")
            .bind(id)
            .bind(new_password.as_str())
            .execute(tx.conn())
            .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::not_found("user"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("admin").is_ok());
        assert!(Username::parse("a.b+c@d-e_f").is_ok());
        for bad in ["", "with space", "semi;colon", "ünï", &"u".repeat(151)] {
            assert_eq!(
                Username::parse(bad).unwrap_err().field(),
                Some("username"),
                "{bad:?}"
            );
        }
    }
}
