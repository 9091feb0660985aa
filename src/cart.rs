//! Shopping carts of one store. A cart belongs to an anonymous session or, once its
//! owner logs in, to the customer (so it follows them to any device). Quantities stay
//! within 1..=99 and within the product's stock at the time of adding; checkout checks
//! stock again, atomically.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::orders::{LineRequest, MAX_QUANTITY};
use crate::sessions::Session;
use crate::tenancy::TenantTx;
use crate::{Error, Result};

/// Whose cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Session(i64),
    User(i64),
}

impl Owner {
    /// Whose cart a session shops with: the customer's once logged in (so it follows
    /// them to any device), else the anonymous session's own.
    pub fn of(session: &Session) -> Owner {
        match session.user_id {
            Some(user_id) => Owner::User(user_id),
            None => Owner::Session(session.id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CartLine {
    pub product_id: i64,
    pub name: String,
    pub unit_price: Decimal,
    pub quantity: i32,
    pub stock: i32,
    pub is_active: bool,
}

impl CartLine {
    pub fn line_total(&self) -> Decimal {
        self.unit_price * Decimal::from(self.quantity)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

impl Cart {
    pub fn subtotal(&self) -> Decimal {
        self.lines.iter().map(CartLine::line_total).sum()
    }

    pub fn item_count(&self) -> i64 {
        self.lines.iter().map(|l| i64::from(l.quantity)).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The lines as an order asks for them.
    pub fn requests(&self) -> Vec<LineRequest> {
        self.lines
            .iter()
            .map(|l| LineRequest {
                product_id: l.product_id,
                quantity: l.quantity,
            })
            .collect()
    }
}

/// The owner's cart id, creating the cart when there is none.
async fn ensure(tx: &mut TenantTx, owner: Owner) -> Result<i64> {
    let sql = match owner {
        Owner::Session(_) => {
            "insert into carts (session_id) values ($1) \
             on conflict (session_id) do update set updated_at = now() returning id"
        }
        Owner::User(_) => {
            "insert into carts (user_id) values ($1) \
             on conflict (user_id) do update set updated_at = now() returning id"
        }
    };
    let (Owner::Session(id) | Owner::User(id)) = owner;
    Ok(sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(tx.conn())
        .await?)
}

async fn find(tx: &mut TenantTx, owner: Owner) -> Result<Option<i64>> {
    let sql = match owner {
        Owner::Session(_) => "select id from carts where session_id = $1",
        Owner::User(_) => "select id from carts where user_id = $1",
    };
    let (Owner::Session(id) | Owner::User(id)) = owner;
    Ok(sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?)
}

/// The owner's cart with current names, prices and stock (empty if there is none).
pub async fn get(tx: &mut TenantTx, owner: Owner) -> Result<Cart> {
    let Some(cart_id) = find(tx, owner).await? else {
        return Ok(Cart { lines: Vec::new() });
    };
    let lines = sqlx::query_as(
        "select p.id as product_id, p.name, p.price as unit_price, i.quantity, p.stock, p.is_active \
         from cart_items i join products p on p.id = i.product_id \
         where i.cart_id = $1 order by i.created_at, p.id",
    )
    .bind(cart_id)
    .fetch_all(tx.conn())
    .await?;
    Ok(Cart { lines })
}

/// Number of items in the owner's cart.
pub async fn count(tx: &mut TenantTx, owner: Owner) -> Result<i64> {
    let sql = match owner {
        Owner::Session(_) => {
            "select coalesce(sum(i.quantity), 0)::bigint from cart_items i join carts c on c.id = i.cart_id \
             where c.session_id = $1"
        }
        Owner::User(_) => {
            "select coalesce(sum(i.quantity), 0)::bigint from cart_items i join carts c on c.id = i.cart_id \
             where c.user_id = $1"
        }
    };
    let (Owner::Session(id) | Owner::User(id)) = owner;
    Ok(sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(tx.conn())
        .await?)
}

/// Checks that `quantity` of a product may sit in a cart.
async fn check_available(tx: &mut TenantTx, product_id: i64, quantity: i32) -> Result<()> {
    let product: Option<(String, i32, bool)> =
        sqlx::query_as("select name, stock, is_active from products where id = $1")
            .bind(product_id)
            .fetch_optional(tx.conn())
            .await?;
    let Some((name, stock, active)) = product else {
        return Err(Error::not_found("product"));
    };
    if !active {
        return Err(Error::Rejected(format!("{name} is no longer sold.")));
    }
    if quantity > MAX_QUANTITY {
        return Err(Error::invalid(
            "quantity",
            format!("At most {MAX_QUANTITY} of one product."),
        ));
    }
    if quantity > stock {
        return Err(Error::Rejected(if stock == 0 {
            format!("{name} is out of stock.")
        } else {
            format!("Only {stock} of {name} left.")
        }));
    }
    Ok(())
}

/// Adds `quantity` of a product to the owner's cart.
pub async fn add(tx: &mut TenantTx, owner: Owner, product_id: i64, quantity: i32) -> Result<()> {
    if quantity < 1 {
        return Err(Error::invalid("quantity", "Add at least one."));
    }
    let cart_id = ensure(tx, owner).await?;
    let current: i32 = sqlx::query_scalar(
        "select coalesce((select quantity from cart_items where cart_id = $1 and product_id = $2 for update), 0)",
    )
    .bind(cart_id)
    .bind(product_id)
    .fetch_one(tx.conn())
    .await?;
    let wanted = current.saturating_add(quantity);
    check_available(tx, product_id, wanted).await?;
    if current == 0 {
        let lines: i64 = sqlx::query_scalar("select count(*) from cart_items where cart_id = $1")
            .bind(cart_id)
            .fetch_one(tx.conn())
            .await?;
        if lines >= crate::orders::MAX_LINES as i64 {
            return Err(Error::Rejected(format!(
                "A cart holds at most {} different products.",
                crate::orders::MAX_LINES
            )));
        }
    }
    upsert(tx, cart_id, product_id, wanted).await
}

async fn upsert(tx: &mut TenantTx, cart_id: i64, product_id: i64, quantity: i32) -> Result<()> {
    sqlx::query(
        "insert into cart_items (cart_id, product_id, quantity) values ($1, $2, $3) \
         on conflict (cart_id, product_id) do update set quantity = excluded.quantity, updated_at = now()",
    )
    .bind(cart_id)
    .bind(product_id)
    .bind(quantity)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Sets a line's quantity; zero removes the line.
pub async fn set_quantity(
    tx: &mut TenantTx,
    owner: Owner,
    product_id: i64,
    quantity: i32,
) -> Result<()> {
    if quantity < 0 {
        return Err(Error::invalid("quantity", "A quantity cannot be negative."));
    }
    if quantity == 0 {
        return remove(tx, owner, product_id).await;
    }
    check_available(tx, product_id, quantity).await?;
    let cart_id = ensure(tx, owner).await?;
    upsert(tx, cart_id, product_id, quantity).await
}

pub async fn remove(tx: &mut TenantTx, owner: Owner, product_id: i64) -> Result<()> {
    if let Some(cart_id) = find(tx, owner).await? {
        sqlx::query("delete from cart_items where cart_id = $1 and product_id = $2")
            .bind(cart_id)
            .bind(product_id)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Empties the owner's cart (after checkout).
pub async fn clear(tx: &mut TenantTx, owner: Owner) -> Result<()> {
    if let Some(cart_id) = find(tx, owner).await? {
        sqlx::query("delete from cart_items where cart_id = $1")
            .bind(cart_id)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Moves an anonymous session's cart into a customer's cart at login. Quantities of the
/// same product add up, capped by 99 and by stock.
pub async fn merge_into_user(tx: &mut TenantTx, session_id: i64, user_id: i64) -> Result<()> {
    let Some(from) = find(tx, Owner::Session(session_id)).await? else {
        return Ok(());
    };
    let to = ensure(tx, Owner::User(user_id)).await?;
    sqlx::query(
        "insert into cart_items (cart_id, product_id, quantity) \
         select $2, i.product_id, least(i.quantity, $3, p.stock) \
         from cart_items i join products p on p.id = i.product_id \
         where i.cart_id = $1 and p.stock > 0 and p.is_active \
         on conflict (cart_id, product_id) do update set \
           quantity = least(cart_items.quantity + excluded.quantity, $3, \
                            (select stock from products where id = excluded.product_id)), \
           updated_at = now()",
    )
    .bind(from)
    .bind(to)
    .bind(MAX_QUANTITY)
    .execute(tx.conn())
    .await?;
    sqlx::query("delete from carts where id = $1")
        .bind(from)
        .execute(tx.conn())
        .await?;
    Ok(())
}
