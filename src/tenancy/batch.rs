//! Store reads in one round trip: [`read`] sends `BEGIN READ ONLY`, the store switch of
//! [`super::scope`], every statement of a batch and `COMMIT` as one simple-protocol
//! message, and hands each statement's rows to its own decoder.
//!
//! Round trips, not query work, bound a store read: a [`super::TenantTx`] pays one for
//! the switch, one per prepared statement and one for `COMMIT`. A batch pays one in all,
//! at the price of text-format results (which sqlx decodes with the same `FromRow`
//! types). Its statements still run prepared: each is the connection's prepared
//! statement (`PREPARE` once per connection, then `EXECUTE` in the message), so
//! PostgreSQL does not parse them again, nor plan them again while the connection stays
//! in one store. A [`Read`] is built only by the core's resource modules, from their
//! own static statements — the very text their prepared functions run — and its only
//! arguments are integers and byte strings, which this module renders itself into the
//! `EXECUTE` (digits; hex), never text.
//!
//! Isolation is the [`super::TenantTx`]'s: the batch runs inside the store's transaction
//! with a transaction-local `search_path` and the store's own role. A prepared
//! statement is planned under the `search_path` in force and planned again whenever
//! that path differs (PostgreSQL keeps the path with the plan), so a plan made in one
//! store never reads another's tables; table privileges are checked under the store's
//! role each time it runs. A connection whose batch failed or was abandoned half-way
//! may still be inside that transaction, so it is closed instead of returned to the
//! pool.

use std::collections::HashSet;
use std::vec;

use futures::TryStreamExt as _;
use sqlx::postgres::PgRow;
use sqlx::{Either, FromRow, Row as _};

use super::connections::{acquire_checked, fnv1a, Lease, StoreConnections};
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

    /// Adds this read's statement and arguments to `out` (nothing for a ready value).
    fn collect_statements<'a>(&'a self, out: &mut Vec<Statement<'a>>) {
        if let Some(sql) = self.sql {
            out.push(Statement {
                sql,
                args: &self.args,
            });
        }
    }
}

/// One statement of a batch, as [`Reads::collect_statements`] lists it.
pub struct Statement<'a> {
    sql: &'static str,
    args: &'a [Arg],
}

/// The prepared statement's name for a batch statement: a 64-bit FNV-1a of its text, so
/// the same on every connection and in every process of one build. Statements are the
/// core's own static texts, a few dozen: two of them sharing a name is a chance of
/// about one in 10^16.
fn statement_name(sql: &str) -> String {
    format!("{STATEMENT_PREFIX}{:016x}", fnv1a(sql.as_bytes()))
}

/// What every batch statement's prepared name starts with.
const STATEMENT_PREFIX: &str = "mkt_read_";

/// Ends a batch's aborted transaction and lists the batch statements the connection
/// has prepared.
fn list_prepared() -> String {
    format!(
        "rollback; select name from pg_catalog.pg_prepared_statements \
         where starts_with(name, '{STATEMENT_PREFIX}')"
    )
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

    /// Adds the statement of each read that asks the database to `out`, in order.
    fn collect_statements<'a>(&'a self, out: &mut Vec<Statement<'a>>);

    /// How many statements [`Self::collect_statements`] adds.
    fn statements(&self) -> usize;

    /// Decodes each statement's rows, taken in order from `results`.
    fn decode(self, results: &mut vec::IntoIter<Vec<PgRow>>) -> Result<Self::Output>;
}

impl<T: 'static> Reads for Read<T> {
    type Output = T;

    fn collect_statements<'a>(&'a self, out: &mut Vec<Statement<'a>>) {
        Read::collect_statements(self, out);
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
            fn collect_statements<'a>(&'a self, out: &mut Vec<Statement<'a>>) {
                let ($($name,)+) = self;
                $($name.collect_statements(out);)+
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

/// The whole message of a batch: `BEGIN READ ONLY`, the switch into the store, a
/// `PREPARE` for each statement the connection lacks, an `EXECUTE` per statement,
/// `COMMIT`.
pub(crate) struct Message {
    /// `BEGIN READ ONLY` and the switch.
    head: String,
    /// The batch's statements and their prepared names.
    statements: Vec<(String, &'static str)>,
    /// The `EXECUTE`s and `COMMIT`.
    tail: String,
}

impl Message {
    pub(crate) fn new(schema: &SchemaName, reads: &impl Reads) -> Self {
        let mut head = super::scope::switch_sql(Some("begin read only"), schema);
        head.push_str(";\n");
        let mut listed = Vec::new();
        reads.collect_statements(&mut listed);
        let mut statements: Vec<(String, &'static str)> = Vec::new();
        let mut tail = String::new();
        for Statement { sql, args } in listed {
            let name = statement_name(sql);
            tail.push_str("execute ");
            tail.push_str(&name);
            if let Some((first, rest)) = args.split_first() {
                tail.push('(');
                first.render(&mut tail);
                for arg in rest {
                    tail.push_str(", ");
                    arg.render(&mut tail);
                }
                tail.push(')');
            }
            tail.push_str(";\n");
            if !statements.iter().any(|(known, _)| *known == name) {
                statements.push((name, sql));
            }
        }
        tail.push_str("commit");
        Message {
            head,
            statements,
            tail,
        }
    }

    /// The message for a connection that has the prepared statements `have` (`None`:
    /// assume it has them all).
    pub(crate) fn text(&self, have: Option<&HashSet<String>>) -> String {
        let mut sql = self.head.clone();
        if let Some(have) = have {
            for (name, statement) in &self.statements {
                if !have.contains(name) {
                    sql.push_str("prepare ");
                    sql.push_str(name);
                    sql.push_str(" as ");
                    sql.push_str(statement);
                    sql.push_str(";\n");
                }
            }
        }
        sql.push_str(&self.tail);
        sql
    }
}

/// Runs `reads` in `schema`'s read-only transaction, in one round trip, and returns
/// their values in the same shape (a tuple of reads gives a tuple of values).
///
/// The statements run as prepared statements of the connection (`EXECUTE`), so
/// PostgreSQL neither parses them again nor, while the connection stays in one store,
/// plans them again; a statement planned under another store's `search_path` is planned
/// afresh under this one (PostgreSQL checks the path a plan was made under), and the
/// store's role is checked when it runs. A connection that lacks one of them answers
/// the first message with "prepared statement does not exist" before anything was
/// read: that transaction is rolled back, the connection's prepared statements are
/// listed, and the message is sent again with a `PREPARE` for each missing one, inside
/// the store's transaction (two more round trips, once per connection and statement).
///
/// A pooled connection that was in use a moment ago is taken as it is, without a health
/// check (a round trip of its own, see [`crate::db::CHECK_IDLE_AFTER`]); if it turns out
/// to be broken (the database restarted since), the batch — read-only, so safe to
/// repeat — runs once more on a checked connection.
///
/// `pool` chooses the connection for the store ([`StoreConnections`]).
pub async fn read<R: Reads>(
    pool: &impl StoreConnections,
    schema: &SchemaName,
    reads: R,
) -> Result<R::Output> {
    let conn = match pool.try_acquire_for(schema) {
        Some(conn) => conn,
        None => pool.acquire_for(schema).await?,
    };
    let message = Message::new(schema, &reads);
    let results = match run(pool, conn, &message).await {
        Err(err) if is_broken_connection(&err) => {
            run(pool, acquire_checked(pool, schema).await?, &message).await?
        }
        other => other?,
    };
    // One list per statement: the switch's, the prepares', the reads', `COMMIT`'s. Keep
    // the reads'.
    let reads_end = results.len().saturating_sub(1);
    let reads_start = reads_end.saturating_sub(reads.statements());
    let ours: Vec<_> = results
        .into_iter()
        .skip(reads_start)
        .take(reads_end - reads_start)
        .collect();
    reads.decode(&mut ours.into_iter())
}

/// Runs the batch on `conn`, preparing what it lacks (see [`read`]); the connection is
/// put back into `pool` when the batch ended outside any transaction with every answer
/// read, else closed.
async fn run(
    pool: &impl StoreConnections,
    conn: Lease,
    message: &Message,
) -> sqlx::Result<Vec<Vec<PgRow>>> {
    let mut guard = CloseUnlessDone(Some(conn));
    let conn = guard
        .0
        .as_mut()
        .expect("the connection is held until the end");
    let results = match send(conn, &message.text(None)).await {
        Err(err) if is_missing_statement(&err) => {
            // Nothing was read yet: end the aborted transaction and list what this
            // connection has prepared (one round trip), then send the batch again with
            // the statements it lacks prepared first.
            let listed = send(conn, &list_prepared()).await?;
            let have = listed
                .last()
                .into_iter()
                .flatten()
                .map(|row| row.try_get::<String, _>(0))
                .collect::<sqlx::Result<HashSet<String>>>()?;
            send(conn, &message.text(Some(&have))).await?
        }
        other => other?,
    };
    pool.put_back(guard.finish());
    Ok(results)
}

/// Sends the message and splits the rows by statement: one list per completed
/// statement, the switch's and `COMMIT`'s (empty) included.
async fn send(conn: &mut Lease, sql: &str) -> sqlx::Result<Vec<Vec<PgRow>>> {
    let mut done = Vec::new();
    let mut current = Vec::new();
    let mut stream = sqlx::raw_sql(sql).fetch_many(conn.conn());
    while let Some(item) = stream.try_next().await? {
        match item {
            Either::Left(_) => done.push(std::mem::take(&mut current)),
            Either::Right(row) => current.push(row),
        }
    }
    Ok(done)
}

/// Whether `err` is PostgreSQL's "prepared statement does not exist".
fn is_missing_statement(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("26000"))
}

/// Whether `err` says the connection itself is gone (rather than the statements failed).
pub(crate) fn is_broken_connection(err: &sqlx::Error) -> bool {
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
struct CloseUnlessDone(Option<Lease>);

impl CloseUnlessDone {
    /// The connection, its batch done.
    fn finish(mut self) -> Lease {
        self.0.take().expect("the connection is held until the end")
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
