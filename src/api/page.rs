//! Keyset pagination: a page is the rows after the last one of the previous page, in
//! id order, so paging through a table that grows meanwhile neither repeats a row nor
//! skips one that existed when the paging began (an offset would do both). The cursor
//! handed to clients is opaque — base64 of the last id — so that the sort key may
//! change without breaking the API's contract.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::{Error, Result};

/// The most rows one page holds, and how many a page holds unless asked.
pub const MAX_LIMIT: i64 = 250;
pub const DEFAULT_LIMIT: i64 = 50;

/// Where a page starts: after the row of this id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(i64);

impl Cursor {
    pub fn after(id: i64) -> Self {
        Cursor(id)
    }

    pub fn parse(raw: &str) -> Result<Self> {
        let invalid = || Error::invalid("cursor", "This cursor is not one the API gave out.");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let id = text
            .strip_prefix("id:")
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(invalid)?;
        Ok(Cursor(id))
    }

    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("id:{}", self.0))
    }

    pub fn id(self) -> i64 {
        self.0
    }
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// `limit` 1–250 (50 when absent) and an optional cursor.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("Use a limit from 1 to {MAX_LIMIT}."),
            ));
        }
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(Cursor::parse)
            .transpose()?;
        Ok(PageRequest { limit, after })
    }

    /// The id rows must come after (0 when this is the first page; ids start at 1).
    pub fn after_id(&self) -> i64 {
        self.after.map_or(0, Cursor::id)
    }

    /// How many rows to fetch: one more than the page, to learn whether another follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// The page of `rows` (fetched with [`PageRequest::fetch`], in id order).
    pub fn page<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = more
            .then(|| rows.last().map(|row| Cursor::after(id(row))))
            .flatten();
        Page { items: rows, next }
    }
}

/// One page of rows and, when more follow, the cursor of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let cursor = Cursor::after(1234);
        assert_eq!(Cursor::parse(&cursor.encode()).unwrap(), cursor);
        for bad in ["", "1234", "!!", &URL_SAFE_NO_PAD.encode("id:x")] {
            assert_eq!(Cursor::parse(bad).unwrap_err().field(), Some("cursor"));
        }
    }

    #[test]
    fn limits_and_pages() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 50);
        for bad in [0, 251, -1] {
            assert_eq!(
                PageRequest::parse(Some(bad), None).unwrap_err().field(),
                Some("limit")
            );
        }
        let request = PageRequest::parse(Some(2), None).unwrap();
        let page = request.page(vec![1, 2, 3], |n| *n);
        assert_eq!(
            (page.items, page.next),
            (vec![1, 2], Some(Cursor::after(2)))
        );
        let page = request.page(vec![1, 2], |n| *n);
        assert_eq!(page.next, None);
    }
}
