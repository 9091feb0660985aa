//! The core call behind `/data/` — `catalog::list` and `orders::list` — run in one
//! store's read-only transaction and timed: the schema switch, the query, the commit.
//! Both the request's own path and the side-by-side routing use it, so the page shows
//! the very call the JSON route makes.

use std::time::Instant;

use marketplace::catalog::{self, Product};
use marketplace::orders::{self, Order};
use marketplace::tenancy::{SchemaName, TenantTx};
use marketplace::Result;
use sqlx::PgPool;

use super::Span;
use crate::flow::RowLabel;

/// The core call behind `/data/` in one store's read-only transaction, timed.
pub(super) struct StoreRead {
    /// `BEGIN; SET LOCAL search_path`.
    pub switch: Span,
    pub switch_sql: String,
    pub search_path: String,
    /// `catalog::list` and `orders::list`.
    pub query: Span,
    pub statements: Vec<String>,
    pub products: Vec<Product>,
    pub orders: Vec<Order>,
    pub committed: Instant,
}

impl StoreRead {
    pub async fn run(pool: &PgPool, schema: &SchemaName) -> Result<Self> {
        let switch_start = Instant::now();
        let mut tx = TenantTx::begin_read_only(pool, schema).await?;
        // `switch_time` is measured inside `begin`, after `switch_start`.
        let switch = (switch_start, switch_start + tx.switch_time());
        let search_path = tx.search_path().await?;
        let query_start = Instant::now();
        let products = catalog::list(&mut tx).await?;
        let orders = orders::list(&mut tx).await?;
        let query = (query_start, Instant::now());
        let switch_sql = tx.switch_statement();
        tx.commit().await?;
        Ok(StoreRead {
            switch,
            switch_sql,
            search_path,
            query,
            statements: vec![catalog::LIST_SQL.to_owned(), orders::LIST_SQL.to_owned()],
            products,
            orders,
            committed: Instant::now(),
        })
    }
}

/// A product as the routing panel lists it: by its name.
impl From<&Product> for RowLabel {
    fn from(product: &Product) -> Self {
        RowLabel {
            id: product.id,
            label: product.name.clone(),
        }
    }
}

/// An order as the routing panel lists it: by its number.
impl From<&Order> for RowLabel {
    fn from(order: &Order) -> Self {
        RowLabel {
            id: order.id,
            label: order.order_number.clone(),
        }
    }
}
