//! Login throttling: after [`MAX_FAILURES`] failed logins in a row for one username,
//! further attempts are refused for [`LOCKOUT_MINUTES`], right password or not. Stores
//! keep their ledger in their own schema (`login_failures`), the platform in
//! `public.platform_login_failures`; the rules are the same.

use sqlx::PgConnection;

use crate::{Error, Result};

pub const MAX_FAILURES: i32 = 5;
pub const LOCKOUT_MINUTES: i32 = 15;

/// The three statements of one ledger table.
pub(crate) struct Ledger {
    locked: &'static str,
    failed: &'static str,
    cleared: &'static str,
}

macro_rules! ledger {
    ($table:literal) => {
        Ledger {
            locked: concat!(
                "select exists(select 1 from ", $table, " where username = $1 and failures >= $2 ",
                "and last_failed_at > now() - make_interval(mins => $3))"
            ),
            failed: concat!(
                "insert into ", $table, " as f (username, failures) values ($1, 1) ",
                "on conflict (username) do update set last_failed_at = now(), failures = ",
                "case when f.last_failed_at > now() - make_interval(mins => $2) then f.failures + 1 else 1 end"
            ),
            cleared: concat!("delete from ", $table, " where username = $1"),
        }
    };
}

/// A store's ledger (runs inside the store's transaction).
pub(crate) const STORE: Ledger = ledger!("login_failures");
/// The platform's ledger.
pub(crate) const PLATFORM: Ledger = ledger!("public.platform_login_failures");

impl Ledger {
    /// Refuses the attempt outright while the username is locked out.
    pub(crate) async fn check(&self, conn: &mut PgConnection, username: &str) -> Result<()> {
        let locked: bool = sqlx::query_scalar(self.locked)
            .bind(username)
            .bind(MAX_FAILURES)
            .bind(LOCKOUT_MINUTES)
            .fetch_one(&mut *conn)
            .await?;
        if locked {
            return Err(Error::Rejected(format!(
                "Too many failed logins for this account. Try again in {LOCKOUT_MINUTES} minutes."
            )));
        }
        Ok(())
    }

    pub(crate) async fn record_failure(
        &self,
        conn: &mut PgConnection,
        username: &str,
    ) -> Result<()> {
        sqlx::query(self.failed)
            .bind(username)
            .bind(LOCKOUT_MINUTES)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub(crate) async fn clear(&self, conn: &mut PgConnection, username: &str) -> Result<()> {
        sqlx::query(self.cleared)
            .bind(username)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
