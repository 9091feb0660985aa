//! The plans the platform sells (`public.plans`): a monthly price and what a store on it
//! may have. A limit of `None` is unlimited. The three seeded plans (Starter, Growth,
//! Scale) follow Shopify's shape: 5 / 15 / unlimited staff accounts.

use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgConnection;

use crate::{Error, Result};

/// One plan and its limits.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Plan {
    pub code: String,
    pub name: String,
    pub monthly_price: Decimal,
    pub max_products: Option<i32>,
    pub max_staff: Option<i32>,
    pub max_orders_per_month: Option<i32>,
    /// Every domain of the store counts, its platform name included.
    pub max_domains: Option<i32>,
    /// Whether the store may upload its own logo and favicon.
    pub custom_branding: bool,
    /// Cheapest first.
    pub rank: i32,
    pub is_default: bool,
}

/// Something a plan limits, as the refusal and the usage bars name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Limit {
    Products,
    Staff,
    OrdersPerMonth,
    Domains,
}

impl Limit {
    /// The words for "N of these", e.g. "staff accounts" ("staff account" for one).
    pub fn noun(self, count: i64) -> &'static str {
        match (self, count == 1) {
            (Limit::Products, false) => "products",
            (Limit::Products, true) => "product",
            (Limit::Staff, false) => "staff accounts",
            (Limit::Staff, true) => "staff account",
            (Limit::OrdersPerMonth, false) => "orders a month",
            (Limit::OrdersPerMonth, true) => "order a month",
            (Limit::Domains, false) => "domains",
            (Limit::Domains, true) => "domain",
        }
    }

    /// The refusal when a store at its limit tries to add one more: names the limit, the
    /// plan and where to upgrade.
    pub fn reached(self, plan_name: &str, max: i64) -> Error {
        Error::Rejected(format!(
            "The {plan_name} plan allows {max} {}, and this store has reached that limit. \
             Upgrade your plan in Admin → Plan to add more.",
            self.noun(max)
        ))
    }
}

impl Plan {
    /// This plan's limit on `what`.
    pub fn limit(&self, what: Limit) -> Option<i32> {
        match what {
            Limit::Products => self.max_products,
            Limit::Staff => self.max_staff,
            Limit::OrdersPerMonth => self.max_orders_per_month,
            Limit::Domains => self.max_domains,
        }
    }
}

pub(crate) const COLUMNS: &str = "code, name, monthly_price, max_products, max_staff, \
     max_orders_per_month, max_domains, custom_branding, rank, is_default";

/// Every plan, cheapest first.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<Plan>> {
    let sql = format!("select {COLUMNS} from public.plans order by rank");
    Ok(sqlx::query_as(&sql).fetch_all(conn).await?)
}

/// The plan `code`, or a validation error naming the field `plan`.
pub async fn get(conn: &mut PgConnection, code: &str) -> Result<Plan> {
    let sql = format!("select {COLUMNS} from public.plans where code = $1");
    sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::invalid("plan", format!("There is no plan '{code}'.")))
}

/// The plan a new store's trial runs on.
pub async fn default_plan(conn: &mut PgConnection) -> Result<Plan> {
    let sql = format!("select {COLUMNS} from public.plans where is_default");
    sqlx::query_as(&sql)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("the default plan"))
}
