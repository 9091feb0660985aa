//! The SQL of themes, in the store's own schema: the draft its staff edit, the
//! published versions (the newest is live; the last [`KEPT_VERSIONS`] are kept and any
//! of them can be restored), the staff sessions that preview the draft, and the
//! uploaded images. Nothing is written for a new store: it wears the default preset.

use chrono::{DateTime, Utc};

use super::assets::Upload;
use super::{presets, Colour, Theme};
use crate::password::token_digest;
use crate::sessions::live_session_sql;
use crate::tenancy::batch::{self, Arg, Read};
use crate::tenancy::TenantTx;
use crate::{Error, Result};

/// How many published versions a store keeps.
pub const KEPT_VERSIONS: i64 = 10;

/// The theme a storefront page is drawn with.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveTheme {
    pub theme: Theme,
    /// Whether this is the draft, shown to a staff session that turned preview on.
    pub previewing: bool,
}

/// The stored documents behind a [`LiveTheme`], read with the page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredTheme {
    /// The draft, only when the visitor's session is a staff session previewing it.
    draft: Option<String>,
    published: Option<String>,
}

impl StoredTheme {
    /// The theme to draw: the previewed draft as it stands, else the published theme
    /// (or the default preset) with the live accent, `primary_colour` of the store
    /// settings (see [`super`] for why the accent lives there).
    pub fn resolve(self, primary_colour: &str) -> LiveTheme {
        if let Some(theme) = self.draft.as_deref().and_then(parse_stored) {
            return LiveTheme {
                theme,
                previewing: true,
            };
        }
        LiveTheme {
            theme: with_accent(
                self.published.as_deref().and_then(parse_stored),
                primary_colour,
            ),
            previewing: false,
        }
    }
}

/// A stored document; one that no longer validates (it cannot, but a hand edit could)
/// is logged and treated as absent rather than breaking the store's pages.
fn parse_stored(json: &str) -> Option<Theme> {
    Theme::from_json(json)
        .inspect_err(|err| tracing::warn!(error = %err, "stored theme refused"))
        .ok()
}

/// `theme` (or the default preset) wearing the live accent `primary_colour`.
fn with_accent(theme: Option<Theme>, primary_colour: &str) -> Theme {
    let mut theme = theme.unwrap_or_else(presets::default);
    if let Some(accent) = Colour::parse(primary_colour) {
        theme.accent = accent;
    }
    theme
}

/// The newest published version's column, as both theme statements read it.
macro_rules! published_sql {
    () => {
        "(select settings::text from theme_versions order by id desc limit 1) as published"
    };
}

/// The newest published version, for a visitor without a session (no draft).
const PUBLISHED_SQL: &str = concat!("select null::text as draft, ", published_sql!());

/// The draft for the session whose token digest is `$1` when it is a live staff
/// session previewing it, and the newest published version.
const LIVE_SQL: &str = concat!(
    "select case when exists (",
    live_session_sql!("1"),
    " and u.is_staff and exists (select 1 from theme_previews p where p.session_id = s.id)) \
     then (select settings::text from theme_draft) end as draft, ",
    published_sql!()
);

/// The documents of the theme a visitor with session `token` sees, as a read of a
/// one-round-trip batch ([`crate::tenancy::read`]); [`StoredTheme::resolve`] it with
/// the store settings read in the same batch.
///
/// A visitor without a session (most of a store's traffic) cannot be previewing a draft,
/// so they get the published version alone: a statement PostgreSQL plans in a few
/// microseconds, where the session check's joins took it about a millisecond — most of
/// the store home's database time.
pub fn live(token: Option<&str>) -> Read<StoredTheme> {
    match token.filter(|token| crate::sessions::plausible(token)) {
        Some(token) => batch::one(LIVE_SQL).arg(Arg::Bytes(token_digest(token))),
        None => batch::one(PUBLISHED_SQL),
    }
}

/// The theme the editor shows: the draft, else the live theme.
pub async fn draft(tx: &mut TenantTx) -> Result<Theme> {
    let (draft, published, primary_colour): (Option<String>, Option<String>, String) =
        sqlx::query_as(
            "select (select settings::text from theme_draft), \
             (select settings::text from theme_versions order by id desc limit 1), \
             (select primary_colour from store_settings)",
        )
        .fetch_one(tx.conn())
        .await?;
    Ok(match draft.as_deref().and_then(parse_stored) {
        Some(theme) => theme,
        None => with_accent(published.as_deref().and_then(parse_stored), &primary_colour),
    })
}

/// Replaces the draft. Customers never see it; previewing staff sessions do at once.
pub async fn save_draft(tx: &mut TenantTx, theme: &Theme) -> Result<()> {
    sqlx::query(
        "insert into theme_draft (settings) values ($1::jsonb) \
         on conflict (id) do update set settings = excluded.settings, updated_at = now()",
    )
    .bind(theme.to_json())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A published version, as the editor lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub id: i64,
    pub published_at: DateTime<Utc>,
    pub theme: Theme,
}

/// Publishes the draft: it becomes the newest version and the live theme, its accent
/// the store's primary colour. Versions beyond the newest [`KEPT_VERSIONS`] and images
/// no kept version nor the draft uses are removed.
pub async fn publish(tx: &mut TenantTx) -> Result<Version> {
    let theme = draft(tx).await?;
    save_draft(tx, &theme).await?;
    let (id, published_at): (i64, DateTime<Utc>) = sqlx::query_as(
        "insert into theme_versions (settings) values ($1::jsonb) returning id, created_at",
    )
    .bind(theme.to_json())
    .fetch_one(tx.conn())
    .await?;
    sqlx::query(
        "delete from theme_versions where id not in \
         (select id from theme_versions order by id desc limit $1)",
    )
    .bind(KEPT_VERSIONS)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "delete from theme_assets a where not exists ( \
           select 1 from (select settings from theme_versions \
                          union all select settings from theme_draft) t \
           where a.name in (t.settings->>'logo', t.settings->>'favicon'))",
    )
    .execute(tx.conn())
    .await?;
    sqlx::query("update store_settings set primary_colour = $1, updated_at = now()")
        .bind(theme.accent.to_string())
        .execute(tx.conn())
        .await?;
    Ok(Version {
        id,
        published_at,
        theme,
    })
}

/// The kept versions, newest (the live one) first.
pub async fn versions(tx: &mut TenantTx) -> Result<Vec<Version>> {
    let rows: Vec<(i64, DateTime<Utc>, String)> = sqlx::query_as(
        "select id, created_at, settings::text from theme_versions order by id desc",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, published_at, json)| {
            parse_stored(&json).map(|theme| Version {
                id,
                published_at,
                theme,
            })
        })
        .collect())
}

/// Publishes kept version `id` again: it becomes the draft and the newest version.
pub async fn restore(tx: &mut TenantTx, id: i64) -> Result<Version> {
    let json: Option<String> =
        sqlx::query_scalar("select settings::text from theme_versions where id = $1")
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
    let theme = json
        .as_deref()
        .and_then(parse_stored)
        .ok_or_else(|| Error::not_found("theme version"))?;
    save_draft(tx, &theme).await?;
    publish(tx).await
}

/// Turns the draft preview on or off for staff session `session_id` (only that
/// session's storefront pages show the draft).
pub async fn set_preview(tx: &mut TenantTx, session_id: i64, on: bool) -> Result<()> {
    let sql = if on {
        "insert into theme_previews (session_id) values ($1) on conflict do nothing"
    } else {
        "delete from theme_previews where session_id = $1"
    };
    sqlx::query(sql).bind(session_id).execute(tx.conn()).await?;
    Ok(())
}

/// Whether session `session_id` previews the draft.
pub async fn is_previewing(tx: &mut TenantTx, session_id: i64) -> Result<bool> {
    Ok(
        sqlx::query_scalar("select exists (select 1 from theme_previews where session_id = $1)")
            .bind(session_id)
            .fetch_one(tx.conn())
            .await?,
    )
}

/// Stores a checked image and puts it in the draft as its kind's image (refused on a
/// plan without custom branding).
pub async fn put_asset(tx: &mut TenantTx, upload: &Upload) -> Result<Theme> {
    crate::billing::limits::ensure_custom_branding(tx).await?;
    sqlx::query(
        "insert into theme_assets (name, content_type, bytes) values ($1, $2, $3) \
         on conflict (name) do nothing",
    )
    .bind(upload.name.as_str())
    .bind(upload.format.content_type())
    .bind(&upload.bytes)
    .execute(tx.conn())
    .await?;
    let mut theme = draft(tx).await?;
    match upload.kind {
        super::assets::AssetKind::Logo => theme.logo = Some(upload.name.clone()),
        super::assets::AssetKind::Favicon => theme.favicon = Some(upload.name.clone()),
    }
    save_draft(tx, &theme).await?;
    Ok(theme)
}

/// A stored image: its content type and bytes.
pub async fn asset(tx: &mut TenantTx, name: &str) -> Result<Option<(String, Vec<u8>)>> {
    Ok(
        sqlx::query_as("select content_type, bytes from theme_assets where name = $1")
            .bind(name)
            .fetch_optional(tx.conn())
            .await?,
    )
}
