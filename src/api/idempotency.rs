//! Idempotency records: a client that retries a POST with the same `Idempotency-Key`
//! gets the first answer again instead of a second order status change or a second
//! product (the IETF draft "The Idempotency-Key HTTP Header Field", as Stripe uses it).
//!
//! A record is claimed, in a transaction of its own, before the request runs, so that a
//! retry arriving while the first is still running finds it and is told so; it is filled
//! with the answer when the request ends, or released when the request failed in a way
//! worth retrying. Records count for 24 hours. A claim left unanswered for two minutes
//! (the server stopped mid-request; requests time out after 30 seconds) is abandoned and
//! may be claimed again.

use crate::tenancy::TenantTx;
use crate::Result;

/// An answer as it is replayed: status, the headers worth repeating, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// `(name, value)` pairs.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// No live record: this request is the first, and now holds the key.
    First,
    /// The same request was answered before: the answer to replay.
    Replay(StoredResponse),
    /// The key was used for a different request (another path or body).
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// Claims `key` for the request of fingerprint `request_hash` (a SHA-256 of method,
/// path and body) made with API key `api_key_id`. Commit the transaction before running
/// the request, so that others see the claim.
pub async fn claim(
    tx: &mut TenantTx,
    api_key_id: i64,
    key: &str,
    request_hash: &[u8],
) -> Result<Claim> {
    sqlx::query(
        "delete from idempotency_keys where api_key_id = $1 and key = $2 \
         and (created_at < now() - interval '24 hours' \
              or (status is null and created_at < now() - interval '2 minutes'))",
    )
    .bind(api_key_id)
    .bind(key)
    .execute(tx.conn())
    .await?;
    let claimed = sqlx::query(
        "insert into idempotency_keys (api_key_id, key, request_hash) values ($1, $2, $3) \
         on conflict do nothing",
    )
    .bind(api_key_id)
    .bind(key)
    .bind(request_hash)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if claimed {
        return Ok(Claim::First);
    }
    type Row = (Vec<u8>, Option<i16>, Option<Vec<String>>, Option<Vec<u8>>);
    let (hash, status, headers, body): Row = sqlx::query_as(
        "select request_hash, status, headers, body from idempotency_keys \
         where api_key_id = $1 and key = $2",
    )
    .bind(api_key_id)
    .bind(key)
    .fetch_one(tx.conn())
    .await?;
    if hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    let Some(status) = status else {
        return Ok(Claim::InFlight);
    };
    let headers = headers
        .unwrap_or_default()
        .into_iter()
        .filter_map(|line| {
            let (name, value) = line.split_once(": ")?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect();
    Ok(Claim::Replay(StoredResponse {
        status: status as u16,
        headers,
        body: body.unwrap_or_default(),
    }))
}

/// Keeps the answer of the request that claimed `key`, for replaying.
pub async fn answer(
    tx: &mut TenantTx,
    api_key_id: i64,
    key: &str,
    response: &StoredResponse,
) -> Result<()> {
    let headers: Vec<String> = response
        .headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    sqlx::query(
        "update idempotency_keys set status = $3, headers = $4, body = $5 \
         where api_key_id = $1 and key = $2",
    )
    .bind(api_key_id)
    .bind(key)
    .bind(response.status as i16)
    .bind(&headers)
    .bind(&response.body)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Gives up the claim on `key` without an answer (the request failed in a way a retry
/// may fix): the next request with it runs afresh.
pub async fn release(tx: &mut TenantTx, api_key_id: i64, key: &str) -> Result<()> {
    sqlx::query(
        "delete from idempotency_keys where api_key_id = $1 and key = $2 and status is null",
    )
    .bind(api_key_id)
    .bind(key)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes up to `limit` records older than 24 hours (the sweeper); returns how many.
pub async fn purge_expired(tx: &mut TenantTx, limit: u32) -> Result<u64> {
    Ok(sqlx::query(
        "delete from idempotency_keys where ctid in (select ctid from idempotency_keys \
         where created_at < now() - interval '24 hours' limit $1)",
    )
    .bind(i64::from(limit))
    .execute(tx.conn())
    .await?
    .rows_affected())
}
