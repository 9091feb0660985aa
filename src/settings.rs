//! A store's presentation: display name, tagline, colour, currency, order prefix.
//! One row in the store's own `store_settings` table.

use serde::{Deserialize, Serialize};

use crate::tenancy::TenantTx;
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoreSettings {
    pub display_name: String,
    pub tagline: String,
    pub primary_colour: String,
    pub currency_symbol: String,
    pub order_prefix: String,
}

/// Validated changes from the store admin.
#[derive(Debug, Clone)]
pub struct SettingsUpdate {
    pub display_name: String,
    pub tagline: String,
    pub primary_colour: String,
}

impl SettingsUpdate {
    pub fn parse(display_name: &str, tagline: &str, primary_colour: &str) -> Result<Self> {
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 100 {
            return Err(Error::invalid("display_name", "Use 1 to 100 characters."));
        }
        let tagline = tagline.trim();
        if tagline.chars().count() > 200 {
            return Err(Error::invalid(
                "tagline",
                "A tagline is at most 200 characters.",
            ));
        }
        let colour = primary_colour.trim().to_ascii_lowercase();
        let well_formed = colour.len() == 7
            && colour.starts_with('#')
            && colour[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !well_formed {
            return Err(Error::invalid(
                "primary_colour",
                "Use a colour like #2f5bea.",
            ));
        }
        Ok(SettingsUpdate {
            display_name: display_name.to_owned(),
            tagline: tagline.to_owned(),
            primary_colour: colour,
        })
    }
}

/// Writes the settings row of a newly provisioned store.
pub(crate) async fn init(tx: &mut TenantTx, display_name: &str, order_prefix: &str) -> Result<()> {
    sqlx::query("insert into store_settings (display_name, order_prefix) values ($1, $2)")
        .bind(display_name)
        .bind(order_prefix)
        .execute(tx.conn())
        .await?;
    Ok(())
}

const GET_SQL: &str =
    "select display_name, tagline, primary_colour, currency_symbol, order_prefix from store_settings";

pub async fn get(tx: &mut TenantTx) -> Result<StoreSettings> {
    Ok(sqlx::query_as(GET_SQL).fetch_one(tx.conn()).await?)
}

/// [`get`] as a read of a one-round-trip batch ([`crate::tenancy::read`]).
pub fn current() -> crate::tenancy::Read<StoreSettings> {
    crate::tenancy::batch::one(GET_SQL)
}

pub async fn update(tx: &mut TenantTx, update: &SettingsUpdate) -> Result<StoreSettings> {
    Ok(sqlx::query_as(
        "update store_settings set display_name = $1, tagline = $2, primary_colour = $3, updated_at = now() \
         returning display_name, tagline, primary_colour, currency_symbol, order_prefix",
    )
    .bind(&update.display_name)
    .bind(&update.tagline)
    .bind(&update.primary_colour)
    .fetch_one(tx.conn())
    .await?)
}
