//! A store's products.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::api::{Page, PageRequest};
use crate::tenancy::batch::{self, Read};
use crate::tenancy::TenantTx;
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub price: Decimal,
    pub stock: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The largest price NUMERIC(12,2) holds: 9,999,999,999.99.
fn max_price() -> Decimal {
    Decimal::new(999_999_999_999, 2)
}
pub const MAX_STOCK: i32 = 1_000_000;

/// A price: zero or more, at most two decimals, within NUMERIC(12,2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Price(Decimal);

impl Price {
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim().trim_start_matches('$');
        let invalid = |why: &str| Error::invalid("price", why);
        let plain = raw.strip_prefix('-').unwrap_or(raw);
        if plain.is_empty() || !plain.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(invalid("Enter a price like 19.99."));
        }
        let value = Decimal::from_str(raw).map_err(|_| invalid("Enter a price like 19.99."))?;
        Price::new(value)
    }

    pub fn new(value: Decimal) -> Result<Self> {
        let invalid = |why: &str| Error::invalid("price", why);
        if value.is_sign_negative() && !value.is_zero() {
            return Err(invalid("A price cannot be negative."));
        }
        if value.normalize().scale() > 2 {
            return Err(invalid("A price has at most two decimals."));
        }
        if value > max_price() {
            return Err(invalid("That price is too large."));
        }
        let mut value = value.abs();
        value.rescale(2);
        Ok(Price(value))
    }

    pub fn amount(self) -> Decimal {
        self.0
    }
}

/// A validated product form.
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub name: String,
    pub description: String,
    pub price: Price,
    pub stock: i32,
}

impl ProductInput {
    pub fn parse(name: &str, description: &str, price: &str, stock: &str) -> Result<Self> {
        // PostgreSQL text cannot hold a NUL character.
        if name.contains('\0') {
            return Err(Error::invalid(
                "name",
                "A name cannot contain a NUL character.",
            ));
        }
        if description.contains('\0') {
            return Err(Error::invalid(
                "description",
                "A description cannot contain a NUL character.",
            ));
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "A product needs a name."));
        }
        if name.chars().count() > 200 {
            return Err(Error::invalid("name", "A name is at most 200 characters."));
        }
        let description = description.trim();
        if description.chars().count() > 5000 {
            return Err(Error::invalid(
                "description",
                "A description is at most 5000 characters.",
            ));
        }
        let price = Price::parse(price)?;
        let stock: i64 = stock
            .trim()
            .parse()
            .map_err(|_| Error::invalid("stock", "Enter a whole number of items."))?;
        if stock < 0 {
            return Err(Error::invalid("stock", "Stock cannot be negative."));
        }
        if stock > i64::from(MAX_STOCK) {
            return Err(Error::invalid(
                "stock",
                format!("Stock is at most {MAX_STOCK}."),
            ));
        }
        Ok(ProductInput {
            name: name.to_owned(),
            description: description.to_owned(),
            price,
            stock: stock as i32,
        })
    }
}

/// A product statement: `$head`, the product columns, then `$tail`, as one static string.
macro_rules! product_sql {
    ($head:literal, $tail:literal) => {
        concat!(
            $head,
            " id, name, description, price, stock, is_active, created_at, updated_at ",
            $tail
        )
    };
}

/// The statement of [`list`], public so the request-flow page can show the SQL that ran.
pub const LIST_SQL: &str = product_sql!("select", "from products order by id");

/// Every product, oldest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Product>> {
    Ok(sqlx::query_as(LIST_SQL).fetch_all(tx.conn()).await?)
}

/// [`list`] as a read of a one-round-trip batch ([`crate::tenancy::read`]).
pub fn all_products() -> Read<Vec<Product>> {
    batch::rows(LIST_SQL)
}

const ACTIVE_SQL: &str = product_sql!("select", "from products where is_active order by id");

/// The products on sale, oldest first.
pub async fn list_active(tx: &mut TenantTx) -> Result<Vec<Product>> {
    Ok(sqlx::query_as(ACTIVE_SQL).fetch_all(tx.conn()).await?)
}

/// [`list_active`] as a read of a one-round-trip batch.
pub fn active_products() -> Read<Vec<Product>> {
    batch::rows(ACTIVE_SQL)
}

const FIND_SQL: &str = product_sql!("select", "from products where id = $1");

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Product>> {
    Ok(sqlx::query_as(FIND_SQL)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?)
}

/// [`find`] as a read of a one-round-trip batch.
pub fn product(id: i64) -> Read<Option<Product>> {
    batch::optional(FIND_SQL).arg(batch::Arg::Int(id))
}

pub async fn get(tx: &mut TenantTx, id: i64) -> Result<Product> {
    find(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("product"))
}

const COUNT_SQL: &str = "select count(*) from products";

pub async fn count(tx: &mut TenantTx) -> Result<i64> {
    Ok(sqlx::query_scalar(COUNT_SQL).fetch_one(tx.conn()).await?)
}

/// [`count`] as a read of a one-round-trip batch.
pub fn product_count() -> Read<i64> {
    batch::scalar(COUNT_SQL)
}

/// Active products with at most `threshold` items left, fewest first.
pub async fn low_stock(tx: &mut TenantTx, threshold: i32) -> Result<Vec<Product>> {
    Ok(sqlx::query_as(product_sql!(
        "select",
        "from products where is_active and stock <= $1 order by stock, id"
    ))
    .bind(threshold)
    .fetch_all(tx.conn())
    .await?)
}

/// Creates a product; refused past the store's plan ([`crate::billing::limits`]).
pub async fn create(tx: &mut TenantTx, input: &ProductInput) -> Result<Product> {
    crate::billing::limits::ensure_product_room(tx).await?;
    Ok(sqlx::query_as(product_sql!(
        "insert into products (name, description, price, stock) values ($1, $2, $3, $4) returning",
        ""
    ))
    .bind(&input.name)
    .bind(&input.description)
    .bind(input.price.amount())
    .bind(input.stock)
    .fetch_one(tx.conn())
    .await?)
}

pub async fn update(tx: &mut TenantTx, id: i64, input: &ProductInput) -> Result<Product> {
    sqlx::query_as(product_sql!(
        "update products set name = $2, description = $3, price = $4, stock = $5, updated_at = now() \
         where id = $1 returning",
        ""
    ))
    .bind(id)
    .bind(&input.name)
    .bind(&input.description)
    .bind(input.price.amount())
    .bind(input.stock)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| Error::not_found("product"))
}

/// Takes a product off sale (or back on); its order history stays intact. One a
/// downgrade took off sale stays off until the plan allows it again.
pub async fn set_active(tx: &mut TenantTx, id: i64, active: bool) -> Result<Product> {
    if active {
        use crate::billing::limits::{ensure_not_held, Held};
        ensure_not_held(tx, Held::Product, id).await?;
    }
    sqlx::query_as(product_sql!(
        "update products set is_active = $2, updated_at = now() where id = $1 returning",
        ""
    ))
    .bind(id)
    .bind(active)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| Error::not_found("product"))
}

/// Deletes a product. Past orders keep their lines (name and price are copied there).
pub async fn delete(tx: &mut TenantTx, id: i64) -> Result<()> {
    let deleted = sqlx::query("delete from products where id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::not_found("product"));
    }
    Ok(())
}

/// Finds a product by exact name (seeding uses it to stay idempotent).
pub async fn find_by_name(tx: &mut TenantTx, name: &str) -> Result<Option<Product>> {
    Ok(sqlx::query_as(product_sql!(
        "select",
        "from products where name = $1 order by id limit 1"
    ))
    .bind(name)
    .fetch_optional(tx.conn())
    .await?)
}

/// A page of products in id order, on sale or not (the REST API's listing).
pub async fn page(tx: &mut TenantTx, request: &PageRequest) -> Result<Page<Product>> {
    let rows = sqlx::query_as(product_sql!(
        "select",
        "from products where id > $1 order by id limit $2"
    ))
    .bind(request.after_id())
    .bind(request.fetch())
    .fetch_all(tx.conn())
    .await?;
    Ok(request.page(rows, |p: &Product| p.id))
}

/// Adds `delta` items to a product's stock (takes them away when negative), in one
/// statement so that concurrent adjustments add up. A result below zero or above
/// [`MAX_STOCK`] is refused as an invalid `delta`.
pub async fn adjust_stock(tx: &mut TenantTx, id: i64, delta: i32) -> Result<Product> {
    let updated = sqlx::query_as(product_sql!(
        "update products set stock = stock + $2, updated_at = now() \
         where id = $1 and stock::bigint + $2 between 0 and $3 returning",
        ""
    ))
    .bind(id)
    .bind(delta)
    .bind(MAX_STOCK)
    .fetch_optional(tx.conn())
    .await?;
    match updated {
        Some(product) => Ok(product),
        None => {
            let current = get(tx, id).await?;
            Err(Error::invalid(
                "delta",
                format!(
                    "Stock is {} and must stay between 0 and {MAX_STOCK}.",
                    current.stock
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices() {
        assert_eq!(
            Price::parse("999.99").unwrap().amount().to_string(),
            "999.99"
        );
        assert_eq!(Price::parse("20").unwrap().amount().to_string(), "20.00");
        assert_eq!(Price::parse("$5.5").unwrap().amount().to_string(), "5.50");
        assert_eq!(Price::parse("0").unwrap().amount().to_string(), "0.00");
        assert_eq!(
            Price::parse("9999999999.99").unwrap().amount().to_string(),
            "9999999999.99"
        );
        for bad in [
            "-1",
            "-0.01",
            "abc",
            "",
            "1.999",
            "10000000000",
            "1e3",
            "NaN",
        ] {
            let err = Price::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("price"), "{bad:?}");
        }
    }

    #[test]
    fn product_forms() {
        let ok = ProductInput::parse(" Mouse ", "A mouse", "29.99", "50").unwrap();
        assert_eq!((ok.name.as_str(), ok.stock), ("Mouse", 50));
        fn field(n: &str, d: &str, p: &str, s: &str) -> Option<&'static str> {
            ProductInput::parse(n, d, p, s).unwrap_err().field()
        }
        assert_eq!(field("", "", "1", "1"), Some("name"));
        assert_eq!(field(&"n".repeat(201), "", "1", "1"), Some("name"));
        assert_eq!(field("x", &"d".repeat(5001), "1", "1"), Some("description"));
        assert_eq!(field("x", "", "-3", "1"), Some("price"));
        assert_eq!(field("x", "", "1", "-1"), Some("stock"));
        assert_eq!(field("x", "", "1", "1.5"), Some("stock"));
        assert_eq!(field("x", "", "1", "99999999999"), Some("stock"));
        assert_eq!(field("a\0b", "", "1", "1"), Some("name"));
        assert_eq!(field("x", "\0", "1", "1"), Some("description"));
    }
}
