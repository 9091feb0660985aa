//! A store's API keys: created and revoked by its superusers, each with the scopes it
//! may use.
//!
//! A key reads `mk_<prefix>_<secret>`. It is shown once, when it is created; the store
//! keeps the 12-character prefix (not secret: the admin lists it so that owners can tell
//! their keys apart, and it finds the row) and the SHA-256 of the whole key. A slow
//! password hash (argon2) protects low-entropy secrets that people choose; these keys are
//! 40 random alphanumerics (about 238 bits), which no amount of hashing speed makes
//! guessable, so a fast hash is the right tool and keeps every API request cheap. For
//! the same reason comparing digests in SQL leaks nothing useful through timing: an
//! attacker cannot steer the bytes of a SHA-256.

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::accounts::User;
use crate::password::{random_token, token_digest};
use crate::tenancy::TenantTx;
use crate::{Error, Result};

/// What a key may do. Each resource has a read scope; those the API can change have a
/// write scope too (write does not imply read: a key that only creates products may be
/// given `write_products` alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    ReadProducts,
    WriteProducts,
    ReadOrders,
    WriteOrders,
    ReadCustomers,
    ReadSettings,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::ReadProducts,
        Scope::WriteProducts,
        Scope::ReadOrders,
        Scope::WriteOrders,
        Scope::ReadCustomers,
        Scope::ReadSettings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadProducts => "read_products",
            Scope::WriteProducts => "write_products",
            Scope::ReadOrders => "read_orders",
            Scope::WriteOrders => "write_orders",
            Scope::ReadCustomers => "read_customers",
            Scope::ReadSettings => "read_settings",
        }
    }

    pub fn parse(raw: &str) -> Result<Self> {
        Scope::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Error::invalid("scopes", format!("'{raw}' is not a scope.")))
    }
}

/// A key as the admin lists it (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    name: String,
    prefix: String,
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for ApiKey {
    fn from(row: KeyRow) -> Self {
        ApiKey {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            // The column only ever holds what `NewKey` validated; an unknown name (a
            // scope removed since) simply grants nothing.
            scopes: row
                .scopes
                .iter()
                .filter_map(|s| Scope::parse(s).ok())
                .collect(),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// A validated request for a new key: a name and at least one scope.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub scopes: Vec<Scope>,
}

impl NewKey {
    pub fn parse(name: &str, scopes: &[String]) -> Result<Self> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("name", "Use 1 to 100 characters."));
        }
        let mut parsed = scopes
            .iter()
            .map(|s| Scope::parse(s))
            .collect::<Result<Vec<_>>>()?;
        parsed.sort();
        parsed.dedup();
        if parsed.is_empty() {
            return Err(Error::invalid("scopes", "Choose at least one scope."));
        }
        Ok(NewKey {
            name: name.to_owned(),
            scopes: parsed,
        })
    }
}

/// A key just created, with its plaintext: the only time anyone sees it.
pub struct CreatedKey {
    pub key: ApiKey,
    pub plaintext: String,
}

macro_rules! key_sql {
    ($head:literal, $tail:literal) => {
        concat!(
            $head,
            " id, name, prefix, scopes, created_at, last_used_at, revoked_at ",
            $tail
        )
    };
}

fn only_superusers() -> Error {
    Error::Forbidden("Only a store superuser can manage API keys.".into())
}

/// Creates a key on behalf of `actor`, who must be a store superuser.
pub async fn create_by(tx: &mut TenantTx, actor: &User, new: &NewKey) -> Result<CreatedKey> {
    if !actor.manages_users() {
        return Err(only_superusers());
    }
    create(tx, new, Some(actor.id)).await
}

/// Creates a key without any rule (the CLI, and [`create_by`]).
pub async fn create(
    tx: &mut TenantTx,
    new: &NewKey,
    created_by: Option<i64>,
) -> Result<CreatedKey> {
    let prefix = random_prefix();
    let plaintext = format!("mk_{prefix}_{}", random_token(40));
    let scopes: Vec<&str> = new.scopes.iter().map(|s| s.as_str()).collect();
    let row: KeyRow = sqlx::query_as(key_sql!(
        "insert into api_keys (name, prefix, secret_hash, scopes, created_by) \
         values ($1, $2, $3, $4, $5) returning",
        ""
    ))
    .bind(&new.name)
    .bind(&prefix)
    .bind(token_digest(&plaintext))
    .bind(&scopes)
    .bind(created_by)
    .fetch_one(tx.conn())
    .await?;
    Ok(CreatedKey {
        key: row.into(),
        plaintext,
    })
}

fn random_prefix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rngs::OsRng;
    (0..12)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Every key of the store, newest first, revoked ones included.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<ApiKey>> {
    let rows: Vec<KeyRow> = sqlx::query_as(key_sql!("select", "from api_keys order by id desc"))
        .fetch_all(tx.conn())
        .await?;
    Ok(rows.into_iter().map(ApiKey::from).collect())
}

/// Revokes a key on behalf of `actor` (a store superuser). It is refused from the next
/// request on: every request looks its key up afresh.
pub async fn revoke_by(tx: &mut TenantTx, actor: &User, id: i64) -> Result<ApiKey> {
    if !actor.manages_users() {
        return Err(only_superusers());
    }
    let row: Option<KeyRow> = sqlx::query_as(key_sql!(
        "update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning",
        ""
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(ApiKey::from)
        .ok_or_else(|| Error::not_found("API key"))
}

/// The live key `presented` is, in this store; `None` for anything else — malformed,
/// unknown, revoked, or another store's (which this store's schema does not hold).
/// A use is recorded in `last_used_at` at most once a minute, so a busy key does not
/// write its row on every request.
pub async fn authenticate(tx: &mut TenantTx, presented: &str) -> Result<Option<ApiKey>> {
    let Some(prefix) = prefix_of(presented) else {
        return Ok(None);
    };
    let row: Option<KeyRow> = sqlx::query_as(key_sql!(
        "select",
        "from api_keys where prefix = $1 and secret_hash = $2 and revoked_at is null"
    ))
    .bind(prefix)
    .bind(token_digest(presented))
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let stale = row
        .last_used_at
        .is_none_or(|at| Utc::now() - at > chrono::Duration::seconds(60));
    if stale && !tx.is_read_only() {
        sqlx::query("update api_keys set last_used_at = now() where id = $1")
            .bind(row.id)
            .execute(tx.conn())
            .await?;
    }
    Ok(Some(row.into()))
}

/// The prefix of a well-formed key (`mk_` + 12 + `_` + 40 characters).
fn prefix_of(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix("mk_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let well_formed = prefix.len() == 12
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && secret.len() == 40
        && secret.bytes().all(|b| b.is_ascii_alphanumeric());
    well_formed.then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_keys_need_one() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()).unwrap(), scope);
        }
        assert_eq!(
            NewKey::parse("x", &["admin".into()]).unwrap_err().field(),
            Some("scopes")
        );
        assert_eq!(NewKey::parse("x", &[]).unwrap_err().field(), Some("scopes"));
        assert_eq!(
            NewKey::parse(" ", &["read_orders".into()])
                .unwrap_err()
                .field(),
            Some("name")
        );
        let key = NewKey::parse(
            "ERP",
            &[
                "read_orders".into(),
                "read_products".into(),
                "read_orders".into(),
            ],
        )
        .unwrap();
        assert_eq!(key.scopes, [Scope::ReadProducts, Scope::ReadOrders]);
    }

    #[test]
    fn only_well_formed_keys_have_a_prefix() {
        let good = format!("mk_abcdef012345_{}", "A".repeat(40));
        assert_eq!(prefix_of(&good), Some("abcdef012345"));
        for bad in [
            "",
            "mk_",
            "mk_abcdef012345",
            &format!("mk_ABCDEF012345_{}", "A".repeat(40)),
            &format!("mk_abcdef012345_{}", "A".repeat(39)),
            &format!("xx_abcdef012345_{}", "A".repeat(40)),
        ] {
            assert_eq!(prefix_of(bad), None, "{bad:?}");
        }
    }
}
