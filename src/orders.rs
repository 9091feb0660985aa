//! A store's orders and their lines.
//!
//! Placing an order is one transaction: prices come from the database, stock is taken
//! with a conditional `UPDATE` (so two buyers racing for the last unit cannot both get
//! it), the number comes from the store's own sequence, and a repeated submission with
//! the same idempotency key returns the order it already placed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::tenancy::TenantTx;
use crate::{Error, Result};

mod status;

pub use status::OrderStatus;

pub const MAX_QUANTITY: i32 = 99;

/// The most different products one order (and one cart) holds.
pub const MAX_LINES: usize = 100;

/// The most an order may total: 1,000,000,000,000.00. With prices at most
/// 9,999,999,999.99 and 99 of a product, a line never exceeds it on its own; the
/// `orders.total` column (numeric(18,2)) holds it with room to spare.
pub fn max_total() -> Decimal {
    Decimal::new(100_000_000_000_000, 2)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub order_number: String,
    pub customer_id: Option<i64>,
    pub customer_name: String,
    pub email: String,
    pub address: String,
    pub status: OrderStatus,
    pub total: Decimal,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderLine {
    pub product_id: Option<i64>,
    pub product_name: String,
    pub unit_price: Decimal,
    pub quantity: i32,
}

impl OrderLine {
    pub fn line_total(&self) -> Decimal {
        self.unit_price * Decimal::from(self.quantity)
    }
}

/// One product and how many of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRequest {
    pub product_id: i64,
    pub quantity: i32,
}

/// Who is ordering and what. Prices are not part of it: they are read at placing time.
#[derive(Debug, Clone)]
pub struct Checkout {
    pub customer_id: Option<i64>,
    pub customer_name: String,
    pub email: String,
    pub address: String,
    pub lines: Vec<LineRequest>,
    /// A token the checkout form carries; the same token never places two orders.
    pub idempotency_key: Option<String>,
    /// The session placing the order (lets a guest see the confirmation).
    pub session_id: Option<i64>,
}

macro_rules! order_sql {
    ($head:literal, $tail:literal) => {
        concat!(
            $head,
            " id, order_number, customer_id, customer_name, email, address, status, total, created_at, updated_at ",
            $tail
        )
    };
}

/// The statement of [`list`], public so the request-flow page can show the SQL that ran.
pub const LIST_SQL: &str = order_sql!("select", "from orders order by id");

/// Every order, oldest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Order>> {
    Ok(sqlx::query_as(LIST_SQL).fetch_all(tx.conn()).await?)
}

/// [`list`] as a read of a one-round-trip batch ([`crate::tenancy::read`]).
pub fn all_orders() -> crate::tenancy::Read<Vec<Order>> {
    crate::tenancy::batch::rows(LIST_SQL)
}

/// Orders with the given status, newest first (all when `None`).
pub async fn list_by_status(tx: &mut TenantTx, status: Option<OrderStatus>) -> Result<Vec<Order>> {
    Ok(sqlx::query_as(order_sql!(
        "select",
        "from orders where ($1::text is null or status = $1) order by id desc"
    ))
    .bind(status)
    .fetch_all(tx.conn())
    .await?)
}

/// A customer's orders, newest first.
pub async fn list_for_customer(tx: &mut TenantTx, customer_id: i64) -> Result<Vec<Order>> {
    Ok(sqlx::query_as(order_sql!(
        "select",
        "from orders where customer_id = $1 order by id desc"
    ))
    .bind(customer_id)
    .fetch_all(tx.conn())
    .await?)
}

pub async fn count(tx: &mut TenantTx) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from orders")
        .fetch_one(tx.conn())
        .await?)
}

/// Revenue of orders that were not cancelled.
pub async fn revenue(tx: &mut TenantTx) -> Result<Decimal> {
    Ok(sqlx::query_scalar(
        // Unbounded numeric: a sum of many orders never overflows.
        "select coalesce(sum(total), 0) from orders where status <> 'cancelled'",
    )
    .fetch_one(tx.conn())
    .await?)
}

pub async fn find_by_number(tx: &mut TenantTx, number: &str) -> Result<Option<Order>> {
    Ok(
        sqlx::query_as(order_sql!("select", "from orders where order_number = $1"))
            .bind(number)
            .fetch_optional(tx.conn())
            .await?,
    )
}

/// An order as its buyer may see it: placed by this session or by this customer.
/// Anyone else gets `None`, exactly as for an order that does not exist.
pub async fn find_for_buyer(
    tx: &mut TenantTx,
    number: &str,
    session_id: Option<i64>,
    customer_id: Option<i64>,
) -> Result<Option<Order>> {
    Ok(sqlx::query_as(order_sql!(
        "select",
        "from orders where order_number = $1 \
         and ((session_id is not null and session_id = $2) or (customer_id is not null and customer_id = $3))"
    ))
    .bind(number)
    .bind(session_id)
    .bind(customer_id)
    .fetch_optional(tx.conn())
    .await?)
}

pub async fn lines(tx: &mut TenantTx, order_id: i64) -> Result<Vec<OrderLine>> {
    Ok(sqlx::query_as(
        "select product_id, product_name, unit_price, quantity from order_items where order_id = $1 order by id",
    )
    .bind(order_id)
    .fetch_all(tx.conn())
    .await?)
}

/// Merges repeated products and checks quantities; the result is sorted by product id,
/// the order rows are locked in (so concurrent checkouts cannot deadlock).
fn normalise(lines: &[LineRequest]) -> Result<Vec<LineRequest>> {
    if lines.is_empty() {
        return Err(Error::Rejected("The cart is empty.".into()));
    }
    if lines.len() > MAX_LINES {
        return Err(Error::Rejected(format!(
            "An order holds at most {MAX_LINES} different products."
        )));
    }
    let mut merged: BTreeMap<i64, i32> = BTreeMap::new();
    for line in lines {
        if line.quantity < 1 {
            return Err(Error::invalid("quantity", "A quantity is at least 1."));
        }
        let total = merged.entry(line.product_id).or_default();
        *total = total.saturating_add(line.quantity);
        if *total > MAX_QUANTITY {
            return Err(Error::invalid(
                "quantity",
                format!("At most {MAX_QUANTITY} of one product per order."),
            ));
        }
    }
    Ok(merged
        .into_iter()
        .map(|(product_id, quantity)| LineRequest {
            product_id,
            quantity,
        })
        .collect())
}

/// What [`place`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    /// A new order: stock taken, the cart may be emptied.
    New(Order),
    /// The same buyer sent the same checkout form again: the order it already placed,
    /// nothing changed.
    Replayed(Order),
}

impl Placed {
    pub fn into_order(self) -> Order {
        match self {
            Placed::New(order) | Placed::Replayed(order) => order,
        }
    }

    pub fn order(&self) -> &Order {
        match self {
            Placed::New(order) | Placed::Replayed(order) => order,
        }
    }
}

/// Places an order: takes stock, prices every line from the database, numbers it.
/// Fails without changing anything when any line cannot be fulfilled.
///
/// A checkout form's one-time key belongs to the buyer who first used it (their session
/// or, once logged in, their customer account): the same buyer sending it again gets the
/// order it placed ([`Placed::Replayed`]); anyone else is refused and nothing changes.
pub async fn place(tx: &mut TenantTx, checkout: &Checkout) -> Result<Placed> {
    if let Some(key) = &checkout.idempotency_key {
        // Serialise submissions of the same form; the second one finds the first's order.
        sqlx::query("select pg_advisory_xact_lock(hashtext('order:' || $1))")
            .bind(key)
            .execute(tx.conn())
            .await?;
        let existing: Option<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
            "select id, session_id, customer_id from orders where idempotency_key = $1",
        )
        .bind(key)
        .fetch_optional(tx.conn())
        .await?;
        if let Some((id, session_id, customer_id)) = existing {
            let same_session = session_id.is_some() && session_id == checkout.session_id;
            let same_customer = customer_id.is_some() && customer_id == checkout.customer_id;
            if !(same_session || same_customer) {
                return Err(Error::Rejected(
                    "This checkout form has already been used. Please reload the checkout page."
                        .into(),
                ));
            }
            let order = sqlx::query_as(order_sql!("select", "from orders where id = $1"))
                .bind(id)
                .fetch_one(tx.conn())
                .await?;
            return Ok(Placed::Replayed(order));
        }
    }
    let lines = normalise(&checkout.lines)?;
    let mut priced: Vec<OrderLine> = Vec::with_capacity(lines.len());
    for line in &lines {
        let taken: Option<(String, Decimal)> = sqlx::query_as(
            "update products set stock = stock - $2, updated_at = now() \
             where id = $1 and is_active and stock >= $2 returning name, price",
        )
        .bind(line.product_id)
        .bind(line.quantity)
        .fetch_optional(tx.conn())
        .await?;
        match taken {
            Some((product_name, unit_price)) => priced.push(OrderLine {
                product_id: Some(line.product_id),
                product_name,
                unit_price,
                quantity: line.quantity,
            }),
            None => return Err(unavailable(tx, line).await?),
        }
    }
    let total = priced
        .iter()
        .try_fold(Decimal::ZERO, |sum, line| {
            line.unit_price
                .checked_mul(Decimal::from(line.quantity))
                .and_then(|line_total| sum.checked_add(line_total))
        })
        .filter(|total| *total <= max_total())
        .ok_or_else(|| {
            Error::Rejected(
                "An order can total at most 1,000,000,000,000.00. Please split it into smaller orders."
                    .into(),
            )
        })?;
    let order: Order = sqlx::query_as(order_sql!(
        // At least three digits (TECH001), and every digit past 999: PostgreSQL's lpad
        // cuts longer strings down, which made order 1710 collide with order 171.
        "insert into orders (order_number, customer_id, customer_name, email, address, total, idempotency_key, session_id) \
         select s.order_prefix || case when q.n < 1000 then lpad(q.n::text, 3, '0') else q.n::text end, \
         $1, $2, $3, $4, $5, $6, $7 \
         from store_settings s, (select nextval('order_number_seq') as n) q returning",
        ""
    ))
    .bind(checkout.customer_id)
    .bind(&checkout.customer_name)
    .bind(&checkout.email)
    .bind(&checkout.address)
    .bind(total)
    .bind(&checkout.idempotency_key)
    .bind(checkout.session_id)
    .fetch_one(tx.conn())
    .await?;
    sqlx::query(
        "insert into order_items (order_id, product_id, product_name, unit_price, quantity) \
         select $1, * from unnest($2::bigint[], $3::text[], $4::numeric[], $5::int[])",
    )
    .bind(order.id)
    .bind(priced.iter().map(|l| l.product_id).collect::<Vec<_>>())
    .bind(
        priced
            .iter()
            .map(|l| l.product_name.clone())
            .collect::<Vec<_>>(),
    )
    .bind(priced.iter().map(|l| l.unit_price).collect::<Vec<_>>())
    .bind(priced.iter().map(|l| l.quantity).collect::<Vec<_>>())
    .execute(tx.conn())
    .await?;
    Ok(Placed::New(order))
}

/// The error for a line whose stock could not be taken, in the buyer's words.
async fn unavailable(tx: &mut TenantTx, line: &LineRequest) -> Result<Error> {
    let product: Option<(String, i32, bool)> =
        sqlx::query_as("select name, stock, is_active from products where id = $1")
            .bind(line.product_id)
            .fetch_optional(tx.conn())
            .await?;
    Ok(match product {
        None | Some((_, _, false)) => {
            Error::Rejected("A product in the cart is no longer sold.".into())
        }
        Some((name, 0, _)) => Error::Rejected(format!("{name} is out of stock.")),
        Some((name, stock, _)) => Error::Rejected(format!("Only {stock} of {name} left.")),
    })
}

/// Moves an order to `to` if its workflow allows it ([`OrderStatus::can_become`]);
/// cancelling puts its items back in stock.
pub async fn set_status(tx: &mut TenantTx, order_number: &str, to: OrderStatus) -> Result<Order> {
    let current: Option<(i64, OrderStatus)> =
        sqlx::query_as("select id, status from orders where order_number = $1 for update")
            .bind(order_number)
            .fetch_optional(tx.conn())
            .await?;
    let Some((order_id, from)) = current else {
        return Err(Error::not_found(format!("order {order_number}")));
    };
    if !from.can_become(to) {
        return Err(Error::Rejected(format!(
            "An order that is {} cannot become {}.",
            from.as_str(),
            to.as_str()
        )));
    }
    if to == OrderStatus::Cancelled {
        sqlx::query(
            "update products p set stock = p.stock + i.quantity, updated_at = now() \
             from (select product_id, sum(quantity)::int as quantity from order_items \
                   where order_id = $1 and product_id is not null group by product_id) i \
             where p.id = i.product_id",
        )
        .bind(order_id)
        .execute(tx.conn())
        .await?;
    }
    Ok(sqlx::query_as(order_sql!(
        "update orders set status = $2, updated_at = now() where id = $1 returning",
        ""
    ))
    .bind(order_id)
    .bind(to)
    .fetch_one(tx.conn())
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_merges_sorts_and_bounds() {
        let l = |product_id, quantity| LineRequest {
            product_id,
            quantity,
        };
        assert_eq!(
            normalise(&[l(2, 1), l(1, 2), l(2, 3)]).unwrap(),
            vec![l(1, 2), l(2, 4)]
        );
        assert!(normalise(&[]).is_err());
        assert!(normalise(&[l(1, 0)]).is_err());
        assert!(normalise(&[l(1, 50), l(1, 50)]).is_err());
        assert!(normalise(&[l(1, 99)]).is_ok());
    }
}
