//! The contract's list shape, `{items, next_cursor}`, with `?limit=` and `?cursor=`: keyset
//! paging on one unique, ordered text column (ids are time-ordered UUIDs, so by default that
//! is creation order). Every list endpoint calls this.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// `?limit=&cursor=` as sent.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return (1–200, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A parsed page request: how many rows, and the key to start after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<String>,
}

impl PageParams {
    pub fn parse(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(n) if n >= 1 => n.min(MAX_LIMIT),
            Some(_) => return Err(ApiError::bad_request("`limit` must be at least 1.")),
        };
        let after = match self.cursor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        Ok(PageRequest { limit, after })
    }
}

impl PageRequest {
    /// Every row at once, for exports and batch work (a register, a campaign's drafts): bounded
    /// by the school's volume (about 2,000 agreements a year), not by a page.
    pub const EVERY: PageRequest = PageRequest {
        limit: 100_000,
        after: None,
    };

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with `fetch_limit()`, ordered by `key`.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        request: &PageRequest,
        key: impl Fn(&R) -> &str,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let has_more = rows.len() as i64 > request.limit;
        rows.truncate(request.limit as usize);
        let next_cursor = if has_more {
            rows.last().map(|r| encode_cursor(key(r)))
        } else {
            None
        };
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }

    /// A whole, short list that needs no paging.
    pub fn all(items: Vec<T>) -> Self {
        Self {
            items,
            next_cursor: None,
        }
    }
}

fn encode_cursor(key: &str) -> String {
    hex::encode(key.as_bytes())
}

/// A cursor is the hex of a key this server gave out: text without control characters. `0061`
/// decodes to "\0a", which PostgreSQL refuses as a query parameter (500) while SQLite takes it,
/// so a key with NUL or another control character is refused here, the same on both.
fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    hex::decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|key| !key.chars().any(char::is_control))
        .ok_or_else(|| ApiError::bad_request("`cursor` is not one this server gave out."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(limit: Option<i64>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
        PageParams {
            limit,
            cursor: cursor.map(str::to_owned),
        }
        .parse()
    }

    #[test]
    fn limits_default_and_clamp() {
        assert_eq!(request(None, None).map(|r| r.limit).ok(), Some(50));
        assert_eq!(request(Some(500), None).map(|r| r.limit).ok(), Some(200));
        assert!(request(Some(0), None).is_err());
        assert!(request(None, Some("zz-not-hex")).is_err());
        assert!(request(None, Some("0061")).is_err(), "NUL in the key");
        assert!(request(None, Some("610a")).is_err(), "a control character");
    }

    #[test]
    fn pages_chain_through_their_cursor() {
        let req = request(Some(2), None).expect("valid");
        let page = Page::from_rows(vec!["a", "b", "c"], &req, |s| s, str::to_owned);
        assert_eq!(page.items, ["a", "b"]);
        let next = request(Some(2), page.next_cursor.as_deref()).expect("cursor");
        assert_eq!(next.after.as_deref(), Some("b"));
        let last = Page::from_rows(vec!["c"], &next, |s| s, str::to_owned);
        assert_eq!(last.next_cursor, None);
    }
}
