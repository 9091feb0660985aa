//! Placing an order: one transaction that prices every line from the database, takes
//! stock with a conditional `UPDATE`, numbers the order and records the form's one-time
//! key (see the parent module's documentation).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{max_total, Checkout, LineRequest, Order, OrderLine, MAX_LINES, MAX_QUANTITY};
use crate::tenancy::TenantTx;
use crate::{Error, Result};

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
    // Counted (and refused past the plan's monthly orders) in this very transaction.
    crate::billing::limits::count_order(tx).await?;
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
