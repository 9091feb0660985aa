//! The registry as people browse it at platform scale: the platform admin's store list
//! and `list-tenants` read `public.tenants` a page at a time, optionally narrowed by a
//! search, with the page's counts in one aggregate query. django-tenants leaves this to
//! the Django admin's changelist (offset pages, `icontains` search, a `count(*)` per
//! page); here the pages are keyset pages on the store id, so page 200 costs what page 1
//! does, and the search is a prefix search that the indexes of
//! `migrations/public/0005_registry_search.sql` answer at 10,000 stores.

use futures::stream::BoxStream;
use futures::StreamExt as _;
use serde::Serialize;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{PgPool, Postgres};

use super::registry::Tenant;
use crate::{Error, Result};

/// How many stores a page shows unless asked otherwise.
pub const PAGE_SIZE: u32 = 50;

/// The largest page anyone may ask for: a page is read in one statement and, on the
/// admin, one store read per row.
pub const MAX_PAGE_SIZE: u32 = 500;

/// The longest search accepted, in characters (a store name is at most 100).
const MAX_SEARCH: usize = 100;

/// A search of the store list: a case-insensitive prefix of a store's name, of its
/// schema or of any of its domains. Held as the `like` pattern it becomes, with `%`,
/// `_` and `\` in the input matched literally (schema names are full of `_`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pattern: String,
}

impl Search {
    /// The search for `raw` (trimmed and lowercased); `None` when there is nothing to
    /// search for. Longer than 100 characters is refused.
    pub fn parse(raw: &str) -> Result<Option<Search>> {
        let text = raw.trim().to_lowercase();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > MAX_SEARCH {
            return Err(Error::invalid(
                "q",
                format!("A search is at most {MAX_SEARCH} characters."),
            ));
        }
        let mut pattern = String::with_capacity(text.len() + 1);
        for c in text.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        Ok(Some(Search { pattern }))
    }

    fn pattern(search: Option<&Search>) -> Option<&str> {
        search.map(|s| s.pattern.as_str())
    }
}

/// Where a page starts, by store id (ids only grow, so a position survives stores being
/// created or deleted in between).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The oldest stores.
    First,
    /// The stores right after this id (a "next" link).
    After(i64),
    /// The stores right before this id (a "previous" link).
    Before(i64),
}

/// One page of stores, oldest first, with where the neighbouring pages start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub stores: Vec<Tenant>,
    /// For a "previous" link: [`Position::Before`] this id; `None` on the first page.
    pub previous: Option<i64>,
    /// For a "next" link: [`Position::After`] this id; `None` on the last page.
    pub next: Option<i64>,
}

/// The figures above the store list, read in one aggregate query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Counts {
    /// Every store.
    pub stores: i64,
    pub active: i64,
    pub suspended: i64,
    /// The stores the search matches (all of them without a search).
    pub matching: i64,
}

/// A store matches when its name, its schema or one of its domains starts with `$2`.
/// Three separate prefix conditions, so that each can use its own index.
macro_rules! matching {
    ($param:literal) => {
        concat!(
            "(lower(t.name) like ",
            $param,
            " or t.schema_name like ",
            $param,
            " or t.id in (select tenant_id from public.domains where domain like ",
            $param,
            "))"
        )
    };
}

/// A [`Tenant`] row followed by the given clause. Unlike the registry's own statements,
/// the primary domain is looked up per row (`domains_one_primary` answers each lookup)
/// rather than joined: a join lets the planner merge the whole `domains` index to find
/// the 50 rows of a deep page, 9,950 rows read at id 9,900 where this reads 50.
macro_rules! select_tenants {
    ($($tail:tt)+) => {
        concat!(
            "select t.id, t.name, t.schema_name, t.owner_email, t.status, ",
            "(select d.domain from public.domains d where d.tenant_id = t.id and d.is_primary) ",
            "as primary_domain, t.created_at from public.tenants t ",
            $($tail)+
        )
    };
}

/// Stores after id `$1`, oldest first, at most `$2` of them (`null`: all of them).
const AFTER_SQL: &str = select_tenants!("where t.id > $1 order by t.id limit $2");
/// [`AFTER_SQL`] narrowed by the search `$3`.
const AFTER_MATCHING_SQL: &str = select_tenants!(
    "where t.id > $1 and ",
    matching!("$3"),
    " order by t.id limit $2"
);
/// Stores before id `$1`, newest first, at most `$2` of them.
const BEFORE_SQL: &str = select_tenants!("where t.id < $1 order by t.id desc limit $2");
/// [`BEFORE_SQL`] narrowed by the search `$3`.
const BEFORE_MATCHING_SQL: &str = select_tenants!(
    "where t.id < $1 and ",
    matching!("$3"),
    " order by t.id desc limit $2"
);

/// The statement of [`counts`]: `$1` is the search pattern or `null`.
const COUNTS_SQL: &str = concat!(
    "select count(*) as stores, ",
    "count(*) filter (where t.status = 'active') as active, ",
    "count(*) filter (where t.status = 'suspended') as suspended, ",
    "count(*) filter (where $1::text is null or ",
    matching!("$1"),
    ") as matching ",
    "from public.tenants t"
);

/// Stores after the id `after`, oldest first, as the database sends them: at most
/// `limit` of them, every one without a limit. Memory stays flat however many stores
/// there are, so `list-tenants` can print 10,000 lines as they arrive.
pub fn stream<'a>(
    pool: &'a PgPool,
    search: Option<&'a Search>,
    after: i64,
    limit: Option<u32>,
) -> BoxStream<'a, Result<Tenant>> {
    tenants(Direction::After, after, limit.map(i64::from), search)
        .fetch(pool)
        .map(|row| row.map_err(Error::from))
        .boxed()
}

/// Which side of a store id a page lies on.
#[derive(Clone, Copy)]
enum Direction {
    After,
    Before,
}

/// The statement for stores on one side of `key`, at most `limit`, matching `search`,
/// with its parameters bound.
fn tenants<'q>(
    direction: Direction,
    key: i64,
    limit: Option<i64>,
    search: Option<&'q Search>,
) -> QueryAs<'q, Postgres, Tenant, PgArguments> {
    let sql = match (direction, search.is_some()) {
        (Direction::After, false) => AFTER_SQL,
        (Direction::After, true) => AFTER_MATCHING_SQL,
        (Direction::Before, false) => BEFORE_SQL,
        (Direction::Before, true) => BEFORE_MATCHING_SQL,
    };
    let query = sqlx::query_as(sql).bind(key).bind(limit);
    match search {
        Some(search) => query.bind(search.pattern.as_str()),
        None => query,
    }
}

/// The page of at most `size` stores (1 to [`MAX_PAGE_SIZE`]) at `from`.
pub async fn page(
    pool: &PgPool,
    search: Option<&Search>,
    from: Position,
    size: u32,
) -> Result<Page> {
    let size = size.clamp(1, MAX_PAGE_SIZE);
    let limit = size as usize;
    // One row more than the page shows says whether there is a page beyond it.
    let fetch = |direction, key| tenants(direction, key, Some(i64::from(size) + 1), search);
    match from {
        Position::First | Position::After(_) => {
            let after = match from {
                Position::After(id) => id,
                _ => 0,
            };
            let mut stores = fetch(Direction::After, after).fetch_all(pool).await?;
            let more = stores.len() > limit;
            stores.truncate(limit);
            let previous = match stores.first() {
                _ if after <= 0 => None,
                Some(first) => Some(first.id),
                None => Some(after.saturating_add(1)),
            };
            let next = stores.last().filter(|_| more).map(|t| t.id);
            Ok(Page {
                stores,
                previous,
                next,
            })
        }
        Position::Before(before) => {
            let mut stores = fetch(Direction::Before, before).fetch_all(pool).await?;
            if stores.len() <= limit {
                // Back at the start: show a full first page rather than a short one.
                return Box::pin(page(pool, search, Position::First, size)).await;
            }
            stores.truncate(limit);
            stores.reverse();
            Ok(Page {
                previous: stores.first().map(|t| t.id),
                next: stores.last().map(|t| t.id),
                stores,
            })
        }
    }
}

/// How many stores there are, by status, and how many the search matches: one query
/// over the registry, whatever the number of stores.
pub async fn counts(pool: &PgPool, search: Option<&Search>) -> Result<Counts> {
    Ok(sqlx::query_as(COUNTS_SQL)
        .bind(Search::pattern(search))
        .fetch_one(pool)
        .await?)
}

#[cfg(test)]
#[path = "directory_tests.rs"]
mod tests;
