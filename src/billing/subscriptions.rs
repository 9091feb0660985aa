//! One subscription per store (`public.subscriptions`) and its invoices, and the one
//! road every change takes: [`Change::begin`] locks the row `for update`, the caller moves
//! it through the state machine ([`super::state`]), and [`Change::finish`] writes it,
//! its invoices, the store's status (a lapsed store is `paused`) and the store's own
//! copy of its limits ([`super::limits::write`]) in the same transaction — a store is
//! never on one plan in `public` and another in its schema.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use super::plans::{self, Plan};
use super::state::{Period, State};
use crate::tenancy::{SchemaName, ServedHosts, TenantTx};
use crate::{Error, Result};

/// A store's subscription.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Subscription {
    pub tenant_id: i64,
    pub plan_code: String,
    pub state: State,
    pub trial_end: Option<DateTime<Utc>>,
    pub current_period_start: DateTime<Utc>,
    pub current_period_end: DateTime<Utc>,
    pub cancel_at_period_end: bool,
    pub past_due_since: Option<DateTime<Utc>>,
    pub comped: bool,
    pub provider: String,
    pub provider_customer_id: Option<String>,
    pub provider_subscription_id: Option<String>,
    pub last_event_at: Option<DateTime<Utc>>,
    pub limits_synced: bool,
}

const COLUMNS: &str = "tenant_id, plan_code, state, trial_end, current_period_start, \
     current_period_end, cancel_at_period_end, past_due_since, comped, provider, \
     provider_customer_id, provider_subscription_id, last_event_at, limits_synced";

impl Subscription {
    /// The parts the state machine moves.
    pub fn period(&self) -> Period {
        Period {
            state: self.state,
            trial_end: self.trial_end,
            start: self.current_period_start,
            end: self.current_period_end,
            cancel_at_period_end: self.cancel_at_period_end,
            past_due_since: self.past_due_since,
            comped: self.comped,
        }
    }

    pub fn set_period(&mut self, p: Period) {
        self.state = p.state;
        self.trial_end = p.trial_end;
        self.current_period_start = p.start;
        self.current_period_end = p.end;
        self.cancel_at_period_end = p.cancel_at_period_end;
        self.past_due_since = p.past_due_since;
        self.comped = p.comped;
    }

    /// Whether charging for it costs anything (not a trial, not comped).
    pub fn billable(&self) -> bool {
        !self.comped && matches!(self.state, State::Active | State::PastDue)
    }
}

/// A bill for a period (or a plan change's proration; negative is a credit).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Invoice {
    pub id: i64,
    pub plan_code: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub amount: Decimal,
    pub description: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// An invoice about to be written.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub amount: Decimal,
    pub description: String,
    pub paid: bool,
}

/// The store's subscription, if it has one.
pub async fn get(pool: &PgPool, tenant_id: i64) -> Result<Option<Subscription>> {
    let sql = format!("select {COLUMNS} from public.subscriptions where tenant_id = $1");
    Ok(sqlx::query_as(&sql)
        .bind(tenant_id)
        .fetch_optional(pool)
        .await?)
}

/// The store's invoices, newest first.
pub async fn invoices(pool: &PgPool, tenant_id: i64) -> Result<Vec<Invoice>> {
    Ok(sqlx::query_as(
        "select id, plan_code, period_start, period_end, amount, description, status, created_at \
         from public.invoices where tenant_id = $1 order by id desc limit 50",
    )
    .bind(tenant_id)
    .fetch_all(pool)
    .await?)
}

/// Starts a new store's trial of the default plan and returns the plan, in one round trip
/// (provisioning's transaction: a store costs as few round trips as it can; the store's
/// copy of the limits is written by the caller once it is in the store's role).
pub(crate) async fn start_trial(
    conn: &mut PgConnection,
    tenant_id: i64,
    now: DateTime<Utc>,
) -> Result<Plan> {
    let trial = Period::trial(now);
    let sql = format!(
        "with p as (select {cols} from public.plans where is_default), \
              s as (insert into public.subscriptions (tenant_id, plan_code, state, trial_end, \
                    current_period_start, current_period_end) \
                    select $1, code, 'trialing', $2, $3, $4 from p) \
         select {cols} from p",
        cols = plans::COLUMNS
    );
    sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(trial.trial_end)
        .bind(trial.start)
        .bind(trial.end)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("the default plan"))
}

/// A subscription locked for a change, with the transaction holding the lock.
pub struct Change {
    tx: Transaction<'static, Postgres>,
    schema: SchemaName,
    pub before: Subscription,
    pub after: Subscription,
    /// The plan of `before`.
    pub plan: Plan,
    pub invoices: Vec<NewInvoice>,
    /// Write the store's limits even when the plan did not change.
    pub sync_limits: bool,
}

impl Change {
    /// Locks the store's subscription (NotFound without one).
    pub async fn begin(pool: &PgPool, tenant_id: i64) -> Result<Change> {
        let mut tx = pool.begin().await?;
        let sql =
            format!("select {COLUMNS} from public.subscriptions where tenant_id = $1 for update");
        let before: Subscription = sqlx::query_as(&sql)
            .bind(tenant_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::not_found("this store's subscription"))?;
        let schema: String =
            sqlx::query_scalar("select schema_name from public.tenants where id = $1")
                .bind(tenant_id)
                .fetch_one(&mut *tx)
                .await?;
        let plan = plans::get(&mut tx, &before.plan_code).await?;
        Ok(Change {
            tx,
            schema: SchemaName::try_from(schema)?,
            after: before.clone(),
            sync_limits: !before.limits_synced,
            before,
            plan,
            invoices: Vec::new(),
        })
    }

    /// The transaction's connection, for reads in the middle of a change.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Writes the change; forgets the store's hosts in `hosts` when its storefront opened
    /// or closed. Returns the subscription as written.
    pub async fn finish(mut self, hosts: &impl ServedHosts) -> Result<Subscription> {
        let a = &self.after;
        let sql = format!(
            "update public.subscriptions set plan_code = $2, state = $3, trial_end = $4, \
             current_period_start = $5, current_period_end = $6, cancel_at_period_end = $7, \
             past_due_since = $8, comped = $9, provider_customer_id = $10, \
             provider_subscription_id = $11, last_event_at = $12, provider = $13, limits_synced = true, \
             updated_at = now() where tenant_id = $1 returning {COLUMNS}"
        );
        let written: Subscription = sqlx::query_as(&sql)
            .bind(a.tenant_id)
            .bind(&a.plan_code)
            .bind(a.state)
            .bind(a.trial_end)
            .bind(a.current_period_start)
            .bind(a.current_period_end)
            .bind(a.cancel_at_period_end)
            .bind(a.past_due_since)
            .bind(a.comped)
            .bind(&a.provider_customer_id)
            .bind(&a.provider_subscription_id)
            .bind(a.last_event_at)
            .bind(&a.provider)
            .fetch_one(&mut *self.tx)
            .await?;
        for invoice in &self.invoices {
            sqlx::query(
                "insert into public.invoices (tenant_id, plan_code, period_start, period_end, \
                 amount, description, status) values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(a.tenant_id)
            .bind(&a.plan_code)
            .bind(a.current_period_start)
            .bind(a.current_period_end)
            .bind(invoice.amount)
            .bind(&invoice.description)
            .bind(if invoice.paid { "paid" } else { "open" })
            .execute(&mut *self.tx)
            .await?;
        }
        if a.state == State::Active && self.before.state != State::Active {
            // Whatever was open is settled by the payment that made it active.
            sqlx::query("update public.invoices set status = 'paid' where tenant_id = $1 and status = 'open'")
                .bind(a.tenant_id)
                .execute(&mut *self.tx)
                .await?;
        }
        let (from, to) = if a.state.storefront_open() {
            ("paused", "active")
        } else {
            ("active", "paused")
        };
        // Only billing's own pause is lifted, never a suspension by platform staff.
        let status_changed = sqlx::query(
            "update public.tenants set status = $3, updated_at = now() where id = $1 and status = $2",
        )
        .bind(a.tenant_id)
        .bind(from)
        .bind(to)
        .execute(&mut *self.tx)
        .await?
        .rows_affected()
            > 0;
        let plan_changed = a.plan_code != self.before.plan_code;
        if plan_changed || self.sync_limits {
            let plan = plans::get(&mut self.tx, &a.plan_code).await?;
            let mut store = TenantTx::adopt(self.tx, &self.schema).await?;
            super::limits::write(&mut store, &plan).await?;
            store.leave_store_role().await?;
            store.commit().await?;
        } else {
            self.tx.commit().await?;
        }
        if status_changed {
            hosts.forget(a.tenant_id, None);
        }
        Ok(written)
    }
}

/// A row of the platform admin's subscription list.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Listed {
    pub tenant_id: i64,
    pub store_name: String,
    pub schema_name: String,
    pub plan_name: String,
    pub monthly_price: Decimal,
    pub state: State,
    pub comped: bool,
    pub cancel_at_period_end: bool,
    pub current_period_end: DateTime<Utc>,
    pub trial_end: Option<DateTime<Utc>>,
}

/// Subscriptions, in one state or all, by store; at most `limit`.
pub async fn list(pool: &PgPool, state: Option<State>, limit: i64) -> Result<Vec<Listed>> {
    Ok(sqlx::query_as(
        "select s.tenant_id, t.name as store_name, t.schema_name, p.name as plan_name, \
                p.monthly_price, s.state, s.comped, s.cancel_at_period_end, \
                s.current_period_end, s.trial_end \
         from public.subscriptions s join public.tenants t on t.id = s.tenant_id \
              join public.plans p on p.code = s.plan_code \
         where $1::text is null or s.state = $1 order by t.name, t.id limit $2",
    )
    .bind(state.map(State::as_str))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Monthly recurring revenue: the monthly price of every paying subscription (active or
/// past due, not comped; trials pay nothing yet).
pub async fn mrr(pool: &PgPool) -> Result<Decimal> {
    Ok(sqlx::query_scalar(
        "select coalesce(sum(p.monthly_price), 0)::numeric(12, 2) from public.subscriptions s \
         join public.plans p on p.code = s.plan_code \
         where s.state in ('active', 'past_due') and not s.comped",
    )
    .fetch_one(pool)
    .await?)
}

/// How many subscriptions are in each state.
pub async fn counts(pool: &PgPool) -> Result<Vec<(State, i64)>> {
    Ok(sqlx::query_as(
        "select state, count(*) from public.subscriptions group by state order by state",
    )
    .fetch_all(pool)
    .await?)
}
