//! A store's orders and their lines.
//!
//! Placing an order is one transaction: prices come from the database, stock is taken
//! with a conditional `UPDATE` (so two buyers racing for the last unit cannot both get
//! it), the number comes from the store's own sequence, and a repeated submission with
//! the same idempotency key returns the order it already placed.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::api::{Page, PageRequest};
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
mod place;
pub use place::{place, Placed};

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

const COUNT_SQL: &str = "select count(*) from orders";

pub async fn count(tx: &mut TenantTx) -> Result<i64> {
    Ok(sqlx::query_scalar(COUNT_SQL).fetch_one(tx.conn()).await?)
}

/// [`count`] as a read of a one-round-trip batch ([`crate::tenancy::read`]).
pub fn order_count() -> crate::tenancy::Read<i64> {
    crate::tenancy::batch::scalar(COUNT_SQL)
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

/// Which orders a listing shows: of one status, created in a time range (from
/// `created_from` inclusive to `created_to` exclusive); `None` leaves a side open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

/// A page of the orders `filter` lets through, in id order (the REST API's listing).
pub async fn page(
    tx: &mut TenantTx,
    filter: &OrderFilter,
    request: &PageRequest,
) -> Result<Page<Order>> {
    let rows = sqlx::query_as(order_sql!(
        "select",
        "from orders where id > $1 and ($3::text is null or status = $3) \
         and ($4::timestamptz is null or created_at >= $4) \
         and ($5::timestamptz is null or created_at < $5) order by id limit $2"
    ))
    .bind(request.after_id())
    .bind(request.fetch())
    .bind(filter.status)
    .bind(filter.created_from)
    .bind(filter.created_to)
    .fetch_all(tx.conn())
    .await?;
    Ok(request.page(rows, |o: &Order| o.id))
}
