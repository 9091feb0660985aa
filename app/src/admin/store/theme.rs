//! The store's theme as its staff edit it: the draft's settings, a preset to start
//! from, the contrast check, preview (only in the editing session), publish, and the
//! published versions to restore. The rules are the core's ([`marketplace::theme`]);
//! these server functions only carry values across. The page is in [`super::theme_view`].
//! Logo and favicon are uploaded by a plain multipart form to the server's
//! `/admin/theme/upload` route, which checks the bytes with the same core rules.

use leptos::prelude::*;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub use super::theme_view::ThemePage;

/// The draft's settings as the form posts them. Unknown keys are refused: a post
/// carrying anything but these fields (raw CSS under another name, say) is rejected
/// whole, nothing saved. (`deny_unknown_fields` cannot do it here: a server function's
/// flattened argument sees only the keys its own fields claim.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeValues {
    pub accent: String,
    pub accent_text: String,
    pub background: String,
    pub surface: String,
    pub text: String,
    pub heading_font: String,
    pub body_font: String,
    pub radius: String,
    pub page_width: String,
    pub button_style: String,
    /// Every other key posted: must be empty. Never sent: the browser's form reading
    /// (serde_qs into a flattened map) files a stray empty key here, which would come
    /// back to the server as a setting named "=".
    #[serde(flatten, skip_serializing)]
    pub unknown: BTreeMap<String, String>,
}

/// A choice of a select: its id and its label.
pub type Choice = (String, String);

/// One published version in the editor's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRow {
    pub id: i64,
    pub published_at: String,
    pub accent: String,
    pub heading_font: String,
    /// The newest version: the one customers see.
    pub live: bool,
}

/// Everything the editor shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeEditor {
    pub values: ThemeValues,
    pub logo: Option<String>,
    pub favicon: Option<String>,
    /// This session sees the draft on the storefront.
    pub previewing: bool,
    /// Colour pairs below WCAG AA, each with its measured ratio.
    pub warnings: Vec<String>,
    pub versions: Vec<VersionRow>,
    pub fonts: Vec<Choice>,
    pub button_styles: Vec<Choice>,
    pub presets: Vec<Choice>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use marketplace::tenancy::TenantTx;
    use marketplace::theme::{fonts::Font, presets, store, ButtonStyle, Theme, ThemeInput};

    use super::{ThemeEditor, ThemeValues, VersionRow};
    use crate::error::AppError;

    /// The staff session's id, inside the transaction `staff()` opened.
    pub async fn session_id(tx: &mut TenantTx) -> Result<i64, AppError> {
        let session = crate::ssr::current_session(tx).await?;
        Ok(session.ok_or(AppError::Unauthorized)?.id)
    }

    pub fn values(theme: &Theme) -> ThemeValues {
        let input = ThemeInput::from(theme.clone());
        ThemeValues {
            accent: input.accent,
            accent_text: input.accent_text,
            background: input.background,
            surface: input.surface,
            text: input.text,
            heading_font: input.heading_font,
            body_font: input.body_font,
            radius: input.radius,
            page_width: input.page_width,
            button_style: input.button_style,
            unknown: Default::default(),
        }
    }

    /// The form's values over `draft` (whose logo and favicon the form does not carry);
    /// a form with any key the theme does not have is refused.
    pub fn input(values: ThemeValues, draft: &Theme) -> Result<ThemeInput, AppError> {
        if let Some(key) = values.unknown.keys().next() {
            return Err(AppError::Invalid {
                field: "theme".into(),
                message: format!("A theme has no setting \"{key}\"."),
            });
        }
        let images = ThemeInput::from(draft.clone());
        Ok(ThemeInput {
            accent: values.accent,
            accent_text: values.accent_text,
            background: values.background,
            surface: values.surface,
            text: values.text,
            heading_font: values.heading_font,
            body_font: values.body_font,
            radius: values.radius,
            page_width: values.page_width,
            button_style: values.button_style,
            logo: images.logo,
            favicon: images.favicon,
        })
    }

    pub async fn editor(tx: &mut TenantTx, session_id: i64) -> Result<ThemeEditor, AppError> {
        let draft = store::draft(tx).await?;
        let versions = store::versions(tx).await?;
        let previewing = store::is_previewing(tx, session_id).await?;
        let choices = |items: Vec<(&str, &str)>| {
            items
                .into_iter()
                .map(|(id, label)| (id.to_owned(), label.to_owned()))
                .collect()
        };
        Ok(ThemeEditor {
            values: values(&draft),
            logo: draft.logo.as_ref().map(|n| format!("/theme/{n}")),
            favicon: draft.favicon.as_ref().map(|n| format!("/theme/{n}")),
            previewing,
            warnings: draft
                .contrast_warnings()
                .iter()
                .map(ToString::to_string)
                .collect(),
            versions: versions
                .iter()
                .enumerate()
                .map(|(i, v)| VersionRow {
                    id: v.id,
                    published_at: v.published_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    accent: v.theme.accent.to_string(),
                    heading_font: v.theme.heading_font.label().to_owned(),
                    live: i == 0,
                })
                .collect(),
            fonts: choices(Font::ALL.iter().map(|f| (f.id(), f.label())).collect()),
            button_styles: choices(
                ButtonStyle::ALL
                    .iter()
                    .map(|b| (b.id(), b.label()))
                    .collect(),
            ),
            presets: choices(presets::ALL.iter().map(|p| (p.id, p.label)).collect()),
        })
    }
}

#[server(endpoint = "admin/store/theme")]
pub async fn get_theme_editor() -> Result<ThemeEditor, AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let session = ssr::session_id(&mut tx).await?;
    let editor = ssr::editor(&mut tx, session).await?;
    tx.commit().await?;
    Ok(editor)
}

/// Saves the draft; nothing is saved when any value is refused.
#[server(endpoint = "admin/store/theme/save")]
pub async fn save_theme(#[server(flatten)] theme: ThemeValues) -> Result<(), AppError> {
    use marketplace::theme::{store, Theme};
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let draft = store::draft(&mut tx).await?;
    let parsed = Theme::parse(&ssr::input(theme, &draft)?)?;
    store::save_draft(&mut tx, &parsed).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the draft's look with a preset's (the uploaded images stay).
#[server(endpoint = "admin/store/theme/preset")]
pub async fn apply_preset(preset: String) -> Result<(), AppError> {
    use marketplace::theme::{presets, store};
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let chosen = presets::find(&preset).ok_or_else(|| AppError::Invalid {
        field: "preset".into(),
        message: "Choose one of the listed presets.".into(),
    })?;
    let draft = store::draft(&mut tx).await?;
    store::save_draft(&mut tx, &chosen.theme().with_images_of(&draft)).await?;
    tx.commit().await?;
    Ok(())
}

/// Turns the draft preview on or off for this session only.
#[server(endpoint = "admin/store/theme/preview")]
pub async fn set_theme_preview(on: bool) -> Result<(), AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let session = ssr::session_id(&mut tx).await?;
    marketplace::theme::store::set_preview(&mut tx, session, on).await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes the draft: customers see it from their next page.
#[server(endpoint = "admin/store/theme/publish")]
pub async fn publish_theme() -> Result<i64, AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let version = marketplace::theme::store::publish(&mut tx).await?;
    tx.commit().await?;
    Ok(version.id)
}

/// Publishes kept version `id` again (and makes it the draft).
#[server(endpoint = "admin/store/theme/restore")]
pub async fn restore_theme(id: i64) -> Result<i64, AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let version = marketplace::theme::store::restore(&mut tx, id).await?;
    tx.commit().await?;
    Ok(version.id)
}
