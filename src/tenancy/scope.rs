//! The tenant-scoped transaction, [`TenantTx`]: the only handle store queries run on.
//!
//! django-tenants switches schemas with a session-level `SET search_path` on a shared
//! connection; when that connection is pooled, one store's path can outlive the request
//! and serve the next store's request (django-tenants #545, #732, #1262). Here the path
//! is set with `SET LOCAL` inside the transaction, so PostgreSQL itself discards it at
//! `COMMIT` or `ROLLBACK`. If a handle is dropped early (an error, a cancelled request)
//! sqlx rolls the transaction back before the connection is reused, and outside a
//! transaction pooled connections have a neutral `search_path` ([`crate::db`]).
//!
//! Inside the transaction the store's own database role is entered too (`SET LOCAL
//! ROLE`, [`super::roles`]): PostgreSQL then refuses every other store's tables, whatever
//! a statement names.
//!
//! `BEGIN` and the `SET LOCAL`s travel in one simple-protocol message, so entering a
//! store costs one round trip; the statements that follow are prepared once per connection
//! and shared by every store (PostgreSQL re-plans a prepared statement when the
//! `search_path` it was planned under changes).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::Executor as _;
use sqlx::{PgConnection, Postgres, Transaction};

use super::connections::{acquire_checked, StoreConnections};
use super::names::SchemaName;
use crate::Result;

/// A transaction inside one store's schema. Commit it to keep its writes; drop it to
/// roll them back.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    schema: SchemaName,
    /// The `BEGIN` this transaction was opened with, when it was sent together with the
    /// `SET LOCAL` (`None` for an adopted transaction).
    begin: Option<&'static str>,
    /// How long `BEGIN; SET LOCAL search_path` took (shown on the request-flow page).
    switch_time: Duration,
}

impl TenantTx {
    /// Opens a read-write transaction in `schema`, on a connection `pool` chooses for
    /// it (a plain `PgPool`, or the server's store-affine
    /// [`super::connections::ShardedPool`]).
    pub async fn begin(pool: &impl StoreConnections, schema: &SchemaName) -> Result<Self> {
        Self::begin_as(pool, schema, "begin").await
    }

    /// Opens a read-only transaction in `schema`: any write in it fails in PostgreSQL.
    pub async fn begin_read_only(
        pool: &impl StoreConnections,
        schema: &SchemaName,
    ) -> Result<Self> {
        Self::begin_as(pool, schema, "begin read only").await
    }

    async fn begin_as(
        pool: &impl StoreConnections,
        schema: &SchemaName,
        begin: &'static str,
    ) -> Result<Self> {
        let started = Instant::now();
        let switch = || Some(switch_sql(Some(begin), schema).into());
        let conn = pool.acquire_for(schema).await?;
        // What sqlx's own `Pool::begin_with` does with the connection it acquires. A
        // pooled connection is not checked when it was in use a moment ago
        // ([`crate::db::CHECK_IDLE_AFTER`]): if it broke since (the database restarted),
        // nothing has happened in this transaction yet, so it begins once more on a
        // checked connection.
        let tx = match Transaction::begin(conn.into_inner(), switch()).await {
            Err(err) if super::batch::is_broken_connection(&err) => {
                let conn = acquire_checked(pool, schema).await?;
                Transaction::begin(conn.into_inner(), switch()).await?
            }
            other => other?,
        };
        Ok(TenantTx {
            tx,
            schema: schema.clone(),
            begin: Some(begin),
            switch_time: started.elapsed(),
        })
    }

    /// Wraps a transaction that provisioning has already pointed at `schema`.
    pub(crate) async fn adopt(
        mut tx: Transaction<'static, Postgres>,
        schema: &SchemaName,
    ) -> Result<Self> {
        let started = Instant::now();
        let enter = switch_sql(None, schema);
        (&mut *tx).execute(sqlx::raw_sql(&enter)).await?;
        Ok(TenantTx {
            tx,
            schema: schema.clone(),
            begin: None,
            switch_time: started.elapsed(),
        })
    }

    pub fn schema(&self) -> &SchemaName {
        &self.schema
    }

    /// Back to the login role for the rest of the transaction (provisioning: the
    /// registry's deferred constraint checks run at commit, and a store role may not
    /// read the registry).
    pub(crate) async fn leave_store_role(&mut self) -> Result<()> {
        (&mut *self.tx).execute("set local role none").await?;
        Ok(())
    }

    /// Whether PostgreSQL refuses writes in this transaction.
    pub fn is_read_only(&self) -> bool {
        self.begin == Some("begin read only")
    }

    /// The time spent entering the schema.
    pub fn switch_time(&self) -> Duration {
        self.switch_time
    }

    /// The SQL that entered the schema, exactly as PostgreSQL received it.
    pub fn switch_statement(&self) -> String {
        switch_sql(self.begin, &self.schema)
    }

    /// The connection, for the core's resource modules only.
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// The `search_path` PostgreSQL reports inside this transaction.
    pub async fn search_path(&mut self) -> Result<String> {
        Ok(sqlx::query_scalar("select current_setting('search_path')")
            .fetch_one(self.conn())
            .await?)
    }

    /// The first schema of the effective search path (`current_schema()`).
    pub async fn current_schema(&mut self) -> Result<String> {
        Ok(sqlx::query_scalar("select current_schema()::text")
            .fetch_one(self.conn())
            .await?)
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Whether store transactions enter their store's role (on unless switched off).
static STORE_ROLES: AtomicBool = AtomicBool::new(true);

/// Switches entering the store's role in every store transaction on or off, for the
/// whole process. On by default; off only to measure what it costs (`scripts/bench`).
pub fn set_store_roles(enabled: bool) {
    STORE_ROLES.store(enabled, Ordering::Relaxed);
}

/// The statement that enters `schema`: `SET LOCAL search_path` and `SET LOCAL ROLE`,
/// preceded by `begin` when they travel in one message (`None`: a transaction adopted
/// from provisioning, whose grants are already in place).
pub(super) fn switch_sql(begin: Option<&str>, schema: &SchemaName) -> String {
    let path = schema.request_search_path();
    let enter = if STORE_ROLES.load(Ordering::Relaxed) {
        format!(
            "set local search_path to {path}; set local role {}",
            super::roles::role_of(schema)
        )
    } else {
        format!("set local search_path to {path}")
    };
    match begin {
        Some(begin) => format!("{begin}; {enter}"),
        None => enter,
    }
}

#[cfg(test)]
mod tests {
    //! The store role under the `search_path`: a statement that names another store's
    //! table outright, run inside a store's transaction, is refused by PostgreSQL.
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

    use super::*;
    use crate::tenancy::testing::{platform, store};

    #[sqlx::test(migrations = false)]
    async fn another_stores_tables_are_refused_inside_a_store_transaction(
        _: PgPoolOptions,
        options: PgConnectOptions,
    ) {
        let pool = platform(options).await;
        let tech = store(&pool, "techstore").await;
        store(&pool, "fashion").await;

        let mut tx = TenantTx::begin(&pool, &tech).await.unwrap();
        let own: i64 = sqlx::query_scalar("select count(*) from products")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        assert_eq!(own, 0);
        let role: String = sqlx::query_scalar("select current_user::text")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        assert_eq!(role, "mkt_techstore");
        tx.rollback().await.unwrap();

        // A deliberately wrong query: another store's table named outright.
        for wrong in [
            "select count(*) from fashion.products",
            "select count(*) from public.tenants",
        ] {
            let mut tx = TenantTx::begin(&pool, &tech).await.unwrap();
            let err = sqlx::query_scalar::<_, i64>(wrong)
                .fetch_one(tx.conn())
                .await
                .expect_err(wrong);
            let code = match &err {
                sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
                _ => None,
            };
            assert_eq!(code.as_deref(), Some("42501"), "{wrong}: {err}");
        }
        let mut tx = TenantTx::begin(&pool, &tech).await.unwrap();
        let err =
            sqlx::query("insert into fashion.products (name, price, stock) values ('x', 1, 1)")
                .execute(tx.conn())
                .await
                .expect_err("a write into another store");
        assert!(err.to_string().contains("permission denied"), "{err}");
        drop(tx);

        // The pool's login role keeps no rights of its own on the store's tables; the
        // store's role has them.
        let rights = |grantee: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "select count(*) from pg_catalog.pg_class c \
                     cross join lateral aclexplode(c.relacl) a \
                     where c.relnamespace = 'techstore'::regnamespace and c.relkind = 'r' \
                     and a.grantee = (select oid from pg_catalog.pg_roles where rolname = \
                       case when $1 = 'login' then current_user::text else $1 end) \
                     and a.privilege_type in ('SELECT', 'INSERT', 'UPDATE', 'DELETE')",
                )
                .bind(grantee)
                .fetch_one(&pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(rights("login").await, 0);
        assert!(
            rights("mkt_techstore").await >= 4 * 8,
            "every table but the ledger"
        );

        // The role ends with the transaction: the pooled connection is itself again.
        let user: String = sqlx::query_scalar("select current_user::text")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_ne!(user, "mkt_techstore");
    }
}
