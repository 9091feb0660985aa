//! Store reads in one round trip: [`read`] sends `BEGIN READ ONLY`, the store switch of
//! [`super::scope`], every statement of a batch and `COMMIT` as one simple-protocol
//! message, and hands each statement's rows to its own decoder.
//!
//! Round trips, not query work, bound a store read: a [`super::TenantTx`] pays one for
//! the switch, one per prepared statement and one for `COMMIT`. A batch pays one in all,
//! at the price of text-format results (which sqlx decodes with the same `FromRow`
//! types) and of statements that cannot take bound parameters. So a [`Read`] is built
//! only by the core's resource modules, from their own static statements — the very text
//! their prepared functions run — and its only arguments are integers and byte strings,
//! which this module renders itself (digits; hex), never text.
//!
//! Isolation is the [`super::TenantTx`]'s: the batch runs inside the store's transaction
//! with a transaction-local `search_path` and the store's own role. A connection whose
//! batch failed or was abandoned half-way may still be inside that transaction, so it is
//! closed instead of returned to the pool.

use std::vec;

use futures::TryStreamExt as _;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::{Either, FromRow, Postgres};

use super::connections::StoreConnections;
use super::names::SchemaName;
use crate::Result;

/// A value rendered into a batch statement in place of `$n`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Int(i64),
    Bytes(Vec<u8>),
}

impl Arg {
    fn render(&self, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            // In parentheses, so that a minus sign can never meet another one (`--`).
            Arg::Int(value) => write!(out, "({value})").expect("writing to a String"),
            Arg::Bytes(bytes) => {
                out.push_str("decode('");
                for byte in bytes {
                    write!(out, "{byte:02x}").expect("writing to a String");
                }
                out.push_str("', 'hex')");
            }
        }
    }
}

type Decode<T> = Box<dyn FnOnce(Vec<PgRow>) -> Result<T> + Send>;

/// One statement of a batch and how to turn its rows into a `T`.
pub struct Read<T> {
    /// `None`: nothing to ask the database; the decoder gets no rows.
    sql: Option<&'static str>,
    args: Vec<Arg>,
    decode: Decode<T>,
}

impl<T: 'static> Read<T> {
    fn new(sql: &'static str, decode: Decode<T>) -> Self {
        Read {
            sql: Some(sql),
            args: Vec::new(),
            decode,
        }
    }

    /// A value known without asking the database (no statement is sent).
    pub fn ready(value: T) -> Self
    where
        T: Send,
    {
        Read {
            sql: None,
            args: Vec::new(),
            decode: Box::new(move |_| Ok(value)),
        }
    }

    /// Renders `arg` in place of the statement's next placeholder (`$1`, then `$2`…).
    pub(crate) fn arg(mut self, arg: Arg) -> Self {
        self.args.push(arg);
        self
    }

    /// The same read, its value passed through `f`.
    pub fn map<U: 'static>(self, f: impl FnOnce(T) -> U + Send + 'static) -> Read<U> {
        let decode = self.decode;
        Read {
            sql: self.sql,
            args: self.args,
            decode: Box::new(move |rows| decode(rows).map(f)),
        }
    }

    /// The statement as sent: `$n` replaced by the rendered arguments.
    fn render(&self, out: &mut String) {
        let Some(sql) = self.sql else { return };
        let mut rest = sql;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let digits = rest[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let index: usize = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
            match index.checked_sub(1).and_then(|i| self.args.get(i)) {
                Some(arg) => arg.render(out),
                // Not a placeholder of ours: left for PostgreSQL to judge.
                None => out.push_str(&rest[at..at + 1 + digits]),
            }
            rest = &rest[at + 1 + digits..];
        }
        out.push_str(rest);
        out.push_str(";\n");
    }
}

/// Every row of `sql`, as `R`.
pub(crate) fn rows<R>(sql: &'static str) -> Read<Vec<R>>
where
    R: for<'r> FromRow<'r, PgRow> + Send + 'static,
{
    Read::new(
        sql,
        Box::new(|rows| {
            rows.iter()
                .map(|row| R::from_row(row).map_err(Into::into))
                .collect()
        }),
    )
}

/// The first row of `sql` as `R`, if there is one.
pub(crate) fn optional<R>(sql: &'static str) -> Read<Option<R>>
where
    R: for<'r> FromRow<'r, PgRow> + Send + 'static,
{
    Read::new(
        sql,
        Box::new(|rows| Ok(rows.first().map(R::from_row).transpose()?)),
    )
}

/// The first row of `sql` as `R`; no row is an error, as with `fetch_one`.
pub(crate) fn one<R>(sql: &'static str) -> Read<R>
where
    R: for<'r> FromRow<'r, PgRow> + Send + 'static,
{
    Read::new(
        sql,
        Box::new(|rows| Ok(R::from_row(rows.first().ok_or(sqlx::Error::RowNotFound)?)?)),
    )
}

/// The first column of the first row of `sql`.
pub(crate) fn scalar<S>(sql: &'static str) -> Read<S>
where
    (S,): for<'r> FromRow<'r, PgRow>,
    S: Send + 'static,
{
    one::<(S,)>(sql).map(|(value,)| value)
}

/// One or more [`Read`]s sent together: a `Read` or a tuple of up to six.
pub trait Reads {
    type Output;

    /// Appends the statements to `out`, one per read that asks the database.
    fn render(&self, out: &mut String);

    /// How many statements [`Self::render`] appends.
    fn statements(&self) -> usize;

    /// Decodes each statement's rows, taken in order from `results`.
    fn decode(self, results: &mut vec::IntoIter<Vec<PgRow>>) -> Result<Self::Output>;
}

impl<T: 'static> Reads for Read<T> {
    type Output = T;

    fn render(&self, out: &mut String) {
        Read::render(self, out);
    }

    fn statements(&self) -> usize {
        usize::from(self.sql.is_some())
    }

    fn decode(self, results: &mut vec::IntoIter<Vec<PgRow>>) -> Result<T> {
        let rows = match self.sql {
            Some(_) => results.next().unwrap_or_default(),
            None => Vec::new(),
        };
        (self.decode)(rows)
    }
}

macro_rules! tuple_reads {
    ($($name:ident),+) => {
        impl<$($name: Reads),+> Reads for ($($name,)+) {
            type Output = ($($name::Output,)+);

            #[allow(non_snake_case)]
            fn render(&self, out: &mut String) {
                let ($($name,)+) = self;
                $($name.render(out);)+
            }

            #[allow(non_snake_case)]
            fn statements(&self) -> usize {
                let ($($name,)+) = self;
                0 $(+ $name.statements())+
            }

            #[allow(non_snake_case)]
            fn decode(self, results: &mut vec::IntoIter<Vec<PgRow>>) -> Result<Self::Output> {
                let ($($name,)+) = self;
                Ok(($($name.decode(results)?,)+))
            }
        }
    };
}

tuple_reads!(A, B);
tuple_reads!(A, B, C);
tuple_reads!(A, B, C, D);
tuple_reads!(A, B, C, D, E);
tuple_reads!(A, B, C, D, E, F);

/// The whole message of a batch: `BEGIN READ ONLY`, the switch into `schema`, the
/// statements, `COMMIT`.
pub(crate) fn batch_sql(schema: &SchemaName, reads: &impl Reads) -> String {
    let mut sql = super::scope::switch_sql(Some("begin read only"), schema);
    sql.push_str(";\n");
    reads.render(&mut sql);
    sql.push_str("commit");
    sql
}

/// Runs `reads` in `schema`'s read-only transaction, in one round trip, and returns
/// their values in the same shape (a tuple of reads gives a tuple of values).
///
/// An idle pooled connection is taken as it is, without the pool's health check (a
/// round trip of its own); if it turns out to be broken (the database restarted since),
/// the batch — read-only, so safe to repeat — runs once more on a checked connection.
///
/// `pool` chooses the connection for the store ([`StoreConnections`]).
pub async fn read<R: Reads>(
    pool: &impl StoreConnections,
    schema: &SchemaName,
    reads: R,
) -> Result<R::Output> {
    let sql = batch_sql(schema, &reads);
    let results = match pool.try_acquire_for(schema) {
        Some(conn) => match run(conn, &sql).await {
            Err(err) if is_broken_connection(&err) => {
                run(pool.acquire_for(schema).await?, &sql).await?
            }
            other => other?,
        },
        None => run(pool.acquire_for(schema).await?, &sql).await?,
    };
    // One list per statement: the switch's, the reads', `COMMIT`'s. Keep the reads'.
    let reads_end = results.len().saturating_sub(1);
    let reads_start = reads_end.saturating_sub(reads.statements());
    let ours: Vec<_> = results
        .into_iter()
        .skip(reads_start)
        .take(reads_end - reads_start)
        .collect();
    reads.decode(&mut ours.into_iter())
}

/// Sends the message and splits the rows by statement: one list per completed
/// statement, the switch's and `COMMIT`'s (empty) included.
async fn run(conn: PoolConnection<Postgres>, sql: &str) -> sqlx::Result<Vec<Vec<PgRow>>> {
    let mut guard = CloseUnlessDone(Some(conn));
    let conn = guard
        .0
        .as_mut()
        .expect("the connection is held until the end");
    let mut done = Vec::new();
    let mut current = Vec::new();
    {
        let mut stream = sqlx::raw_sql(sql).fetch_many(&mut **conn);
        while let Some(item) = stream.try_next().await? {
            match item {
                Either::Left(_) => done.push(std::mem::take(&mut current)),
                Either::Right(row) => current.push(row),
            }
        }
    }
    guard.finish();
    Ok(done)
}

/// Whether `err` says the connection itself is gone (rather than the statements failed).
fn is_broken_connection(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        // Class 08: connection exception; class 57: the server is shutting down.
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        _ => false,
    }
}

/// Holds a batch's connection and closes it when dropped before [`Self::finish`]: it may
/// be inside the batch's transaction, aborted or not.
struct CloseUnlessDone(Option<PoolConnection<Postgres>>);

impl CloseUnlessDone {
    fn finish(mut self) {
        // Dropped normally: back to the pool.
        drop(self.0.take());
    }
}

impl Drop for CloseUnlessDone {
    fn drop(&mut self) {
        if let Some(conn) = self.0.as_mut() {
            conn.close_on_drop();
        }
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
