//! A plan's limits inside the store: the store's own copy (`plan_limits`, one row) and
//! its metered usage (`usage_counters`), both in the store's schema because the store's
//! role cannot read `public` ([`crate::tenancy::roles`]).
//!
//! Every limit is enforced in the transaction that does the write, so it holds under
//! concurrency: a staff account or a product is created only after `plan_limits` is
//! locked `for update`, so two admins racing for the last seat are serialised and the
//! second one counts the first one's row; an order bumps its month's counter with an
//! upsert (`… on conflict do update set count = count + 1 returning count`) and is
//! refused, counter included, when that goes past the limit.
//!
//! A downgrade never deletes ([`write`]): staff accounts beyond the new limit are
//! suspended — superusers first kept, then the oldest — and products beyond it are
//! taken off sale — the oldest kept. An upgrade brings them back by the same rule.

use serde::{Deserialize, Serialize};

use super::plans::{Limit, Plan};
use crate::tenancy::TenantTx;
use crate::{Error, Result};

/// The store's plan as its own transactions see it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct StoreLimits {
    plan_name: String,
    max_products: Option<i32>,
    max_staff: Option<i32>,
    max_orders_per_month: Option<i32>,
}

/// One usage bar: how many, out of how many (`None`: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub used: i64,
    pub limit: Option<i64>,
}

/// What the store uses of its plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreUsage {
    pub products: Usage,
    pub staff: Usage,
    pub orders_this_month: Usage,
    /// Staff accounts suspended and products taken off sale by a downgrade.
    pub suspended_staff: i64,
    pub hidden_products: i64,
}

/// Writes `plan`'s limits into the store and applies the downgrade (or upgrade) rule to
/// its staff and products. Runs in billing's transaction, in the store's role.
pub(crate) async fn write(tx: &mut TenantTx, plan: &Plan) -> Result<()> {
    write_row(tx, plan).await?;
    apply_rules(tx, plan).await
}

/// Writes the limits of a store being created (nothing to suspend yet): one statement.
pub(crate) async fn write_fresh(tx: &mut TenantTx, plan: &Plan) -> Result<()> {
    write_row(tx, plan).await
}

async fn write_row(tx: &mut TenantTx, plan: &Plan) -> Result<()> {
    sqlx::query(
        "insert into plan_limits (id, plan_name, max_products, max_staff, max_orders_per_month, \
         custom_branding) values (true, $1, $2, $3, $4, $5) on conflict (id) do update set \
         plan_name = $1, max_products = $2, max_staff = $3, max_orders_per_month = $4, \
         custom_branding = $5, updated_at = now()",
    )
    .bind(&plan.name)
    .bind(plan.max_products)
    .bind(plan.max_staff)
    .bind(plan.max_orders_per_month)
    .bind(plan.custom_branding)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The downgrade rule (and its undoing on upgrade) for staff and products.
async fn apply_rules(tx: &mut TenantTx, plan: &Plan) -> Result<()> {
    // Staff: ranked superusers first, then oldest; those past the limit are suspended.
    let suspended: Vec<i64> = sqlx::query_scalar(
        "with ranked as (select id, row_number() over (order by is_superuser desc, id) as n \
                         from users where is_staff) \
         update users u set suspended_by_plan = true, is_active = false, updated_at = now() \
         from ranked r where u.id = r.id and $1::int is not null and r.n > $1 \
           and not u.suspended_by_plan and u.is_active returning u.id",
    )
    .bind(plan.max_staff)
    .fetch_all(tx.conn())
    .await?;
    for id in suspended {
        crate::sessions::delete_for_user(tx, id, None).await?;
    }
    sqlx::query(
        "with ranked as (select id, row_number() over (order by is_superuser desc, id) as n \
                         from users where is_staff) \
         update users u set suspended_by_plan = false, is_active = true, updated_at = now() \
         from ranked r where u.id = r.id and u.suspended_by_plan and ($1::int is null or r.n <= $1)",
    )
    .bind(plan.max_staff)
    .execute(tx.conn())
    .await?;

    // Products: the oldest stay on sale; those past the limit are taken off it.
    sqlx::query(
        "with ranked as (select id, row_number() over (order by id) as n from products) \
         update products p set hidden_by_plan = true, is_active = false, updated_at = now() \
         from ranked r where p.id = r.id and $1::int is not null and r.n > $1 \
           and p.is_active and not p.hidden_by_plan",
    )
    .bind(plan.max_products)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "with ranked as (select id, row_number() over (order by id) as n from products) \
         update products p set hidden_by_plan = false, is_active = true, updated_at = now() \
         from ranked r where p.id = r.id and p.hidden_by_plan and ($1::int is null or r.n <= $1)",
    )
    .bind(plan.max_products)
    .execute(tx.conn())
    .await?;
    Ok(())
}

async fn locked_limits(tx: &mut TenantTx) -> Result<Option<StoreLimits>> {
    Ok(sqlx::query_as(
        "select plan_name, max_products, max_staff, max_orders_per_month from plan_limits for update",
    )
    .fetch_optional(tx.conn())
    .await?)
}

/// Refuses a new staff account when the plan's staff accounts are all taken. Locks the
/// store's limits until the caller's transaction ends.
pub(crate) async fn ensure_staff_seat(tx: &mut TenantTx) -> Result<()> {
    ensure_room(
        tx,
        Limit::Staff,
        "select count(*) from users where is_staff and not suspended_by_plan",
    )
    .await
}

/// Refuses a new product when the plan's products are all used (same lock).
pub(crate) async fn ensure_product_room(tx: &mut TenantTx) -> Result<()> {
    ensure_room(
        tx,
        Limit::Products,
        "select count(*) from products where not hidden_by_plan",
    )
    .await
}

/// Locks the store's limits, then refuses one more of `what` when `count_sql` already
/// counts the plan's limit.
async fn ensure_room(tx: &mut TenantTx, what: Limit, count_sql: &'static str) -> Result<()> {
    let Some(limits) = locked_limits(tx).await? else {
        return Ok(());
    };
    let max = match what {
        Limit::Staff => limits.max_staff,
        Limit::Products => limits.max_products,
        Limit::OrdersPerMonth => limits.max_orders_per_month,
        // Domains live in `public`: see `ensure_domain_room`.
        Limit::Domains => None,
    };
    let Some(max) = max else {
        return Ok(());
    };
    let used: i64 = sqlx::query_scalar(count_sql).fetch_one(tx.conn()).await?;
    if used >= i64::from(max) {
        return Err(what.reached(&limits.plan_name, max.into()));
    }
    Ok(())
}

/// Counts one more order this month, refusing it past the plan's monthly orders.
pub(crate) async fn count_order(tx: &mut TenantTx) -> Result<()> {
    let count: i64 = sqlx::query_scalar(
        "insert into usage_counters (metric, period_start, count) \
         values ('orders', date_trunc('month', now() at time zone 'utc')::date, 1) \
         on conflict (metric, period_start) do update set count = usage_counters.count + 1 \
         returning count",
    )
    .fetch_one(tx.conn())
    .await?;
    let limits: Option<(String, Option<i32>)> =
        sqlx::query_as("select plan_name, max_orders_per_month from plan_limits")
            .fetch_optional(tx.conn())
            .await?;
    if let Some((plan_name, Some(max))) = limits {
        if count > i64::from(max) {
            return Err(Limit::OrdersPerMonth.reached(&plan_name, max.into()));
        }
    }
    Ok(())
}

/// Refuses a logo or favicon upload on a plan without custom branding. A logo uploaded
/// before a downgrade stays as it is.
pub(crate) async fn ensure_custom_branding(tx: &mut TenantTx) -> Result<()> {
    let limits: Option<(String, bool)> =
        sqlx::query_as("select plan_name, custom_branding from plan_limits")
            .fetch_optional(tx.conn())
            .await?;
    match limits {
        Some((plan_name, false)) => Err(Error::Rejected(format!(
            "The {plan_name} plan does not include your own logo and favicon. \
             Upgrade your plan in Admin → Plan to upload them."
        ))),
        _ => Ok(()),
    }
}

/// Refuses to switch back on what a downgrade switched off.
pub(crate) async fn ensure_not_held(tx: &mut TenantTx, table: Held, id: i64) -> Result<()> {
    let sql = match table {
        Held::User => "select suspended_by_plan from users where id = $1",
        Held::Product => "select hidden_by_plan from products where id = $1",
    };
    let held: Option<bool> = sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    if held == Some(true) {
        let what = match table {
            Held::User => {
                "This account is suspended because the store's plan has fewer staff accounts"
            }
            Held::Product => {
                "This product is off sale because the store's plan allows fewer products"
            }
        };
        return Err(Error::Rejected(format!(
            "{what}. Upgrade your plan in Admin → Plan to bring it back."
        )));
    }
    Ok(())
}

/// What [`ensure_not_held`] looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Held {
    User,
    Product,
}

/// The store's usage against its limits (the Plan page's bars).
pub async fn usage(tx: &mut TenantTx) -> Result<StoreUsage> {
    let limits: Option<StoreLimits> = sqlx::query_as(
        "select plan_name, max_products, max_staff, max_orders_per_month from plan_limits",
    )
    .fetch_optional(tx.conn())
    .await?;
    let (products, staff, orders, suspended_staff, hidden_products): (i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "select (select count(*) from products where not hidden_by_plan), \
                    (select count(*) from users where is_staff and not suspended_by_plan), \
                    coalesce((select count from usage_counters where metric = 'orders' \
                      and period_start = date_trunc('month', now() at time zone 'utc')::date), 0), \
                    (select count(*) from users where suspended_by_plan), \
                    (select count(*) from products where hidden_by_plan)",
        )
        .fetch_one(tx.conn())
        .await?;
    let limit =
        |pick: fn(&StoreLimits) -> Option<i32>| limits.as_ref().and_then(pick).map(i64::from);
    Ok(StoreUsage {
        products: Usage {
            used: products,
            limit: limit(|l| l.max_products),
        },
        staff: Usage {
            used: staff,
            limit: limit(|l| l.max_staff),
        },
        orders_this_month: Usage {
            used: orders,
            limit: limit(|l| l.max_orders_per_month),
        },
        suspended_staff,
        hidden_products,
    })
}

/// Refuses one more domain past the store's plan. Domains live in `public`, so this runs
/// on the platform's connection: the store's subscription row is locked `for update`
/// until the caller's transaction ends, which serialises two claims racing for the last
/// domain. Failed claims do not count.
pub(crate) async fn ensure_domain_room(
    conn: &mut sqlx::PgConnection,
    tenant_id: i64,
) -> Result<()> {
    let plan: Option<(String, Option<i32>)> = sqlx::query_as(
        "select p.name, p.max_domains from public.subscriptions s \
         join public.plans p on p.code = s.plan_code where s.tenant_id = $1 for update of s",
    )
    .bind(tenant_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((plan_name, Some(max))) = plan else {
        return Ok(());
    };
    let used: i64 = sqlx::query_scalar(
        "select count(*) from public.domains where tenant_id = $1 and status <> 'failed'",
    )
    .bind(tenant_id)
    .fetch_one(&mut *conn)
    .await?;
    if used >= i64::from(max) {
        return Err(Limit::Domains.reached(&plan_name, max.into()));
    }
    Ok(())
}
