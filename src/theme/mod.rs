//! A store's theme: the look its owner sets from the admin — colours, fonts, corner
//! radius, page width, button style, logo and favicon — in the shape of Shopify's theme
//! settings (grouped, typed settings turned into CSS custom properties).
//!
//! A [`Theme`] holds validated values only: it is built by [`Theme::parse`] from a
//! [`ThemeInput`] (what a form or a stored document says), which refuses every invalid
//! value with its field and every unknown key. Raw CSS is never accepted: the page's
//! `:root { --… }` block is written by [`css::render`] from the typed values alone.
//!
//! * [`colour`] — hex colours and the WCAG contrast check the editor shows.
//! * [`fonts`] — the allowlist of self-hosted fonts and system stacks.
//! * [`css`] — the custom properties (and `@font-face` rules) of a theme.
//! * [`presets`] — the starting points; a new store wears [`presets::default`].
//! * [`assets`] — uploaded logos and favicons, their type read from their bytes.
//! * [`store`] — the SQL: draft, preview, publish (the last 10 versions kept), restore.
//!
//! The store settings' `primary_colour` predates themes and stays the one place the
//! live accent colour is kept: publishing (or restoring) a theme writes its accent
//! there, and the published theme is always shown with that accent. So the settings
//! form keeps working as it did, and the two can never disagree about the live look.

pub mod assets;
pub mod colour;
pub mod css;
pub mod fonts;
pub mod presets;
pub mod store;

use serde::{Deserialize, Serialize};

pub use assets::AssetName;
pub use colour::{Colour, ContrastWarning};
pub use fonts::Font;

use crate::{Error, Result};

/// Narrowest and widest page the storefront may have, in pixels.
pub const PAGE_WIDTH: std::ops::RangeInclusive<u16> = 720..=1600;
/// Largest corner radius, in pixels.
pub const MAX_RADIUS: u8 = 24;

/// How buttons are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    /// Accent background, accent-text label.
    Filled,
    /// Accent border and label on the surface colour.
    Outline,
    /// Filled, with fully rounded ends whatever the corner radius.
    Pill,
}

impl ButtonStyle {
    pub const ALL: [ButtonStyle; 3] =
        [ButtonStyle::Filled, ButtonStyle::Outline, ButtonStyle::Pill];

    /// The id stored and posted by forms.
    pub fn id(self) -> &'static str {
        match self {
            ButtonStyle::Filled => "filled",
            ButtonStyle::Outline => "outline",
            ButtonStyle::Pill => "pill",
        }
    }

    /// The name shown to the store owner.
    pub fn label(self) -> &'static str {
        match self {
            ButtonStyle::Filled => "Filled",
            ButtonStyle::Outline => "Outline",
            ButtonStyle::Pill => "Pill",
        }
    }

    fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|style| style.id() == id.trim())
    }
}

/// A store's look, every value valid. Stored and exchanged as a [`ThemeInput`]
/// document, so reading one back goes through the same validation as a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ThemeInput", into = "ThemeInput")]
pub struct Theme {
    pub accent: Colour,
    pub accent_text: Colour,
    pub background: Colour,
    pub surface: Colour,
    pub text: Colour,
    pub heading_font: Font,
    pub body_font: Font,
    /// Corner radius in pixels, 0 to [`MAX_RADIUS`].
    pub radius: u8,
    /// Widest the page's content grows, in pixels ([`PAGE_WIDTH`]).
    pub page_width: u16,
    pub button_style: ButtonStyle,
    pub logo: Option<AssetName>,
    pub favicon: Option<AssetName>,
}

/// A theme as a form or a stored document states it: every value as text, not yet
/// checked. Unknown keys are refused, so nothing (raw CSS least of all) slips in under
/// a name the theme does not have.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeInput {
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favicon: Option<String>,
}

impl Theme {
    /// Checks every value of `input`; the first invalid one is refused with its field.
    pub fn parse(input: &ThemeInput) -> Result<Theme> {
        let colour = |field: &'static str, value: &str| {
            Colour::parse(value).ok_or_else(|| Error::invalid(field, "Use a colour like #2f5bea."))
        };
        let font = |field: &'static str, value: &str| {
            Font::parse(value)
                .ok_or_else(|| Error::invalid(field, "Choose one of the listed fonts."))
        };
        let asset = |field: &'static str, value: &Option<String>| {
            value
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| {
                    AssetName::parse(v)
                        .ok_or_else(|| Error::invalid(field, "Upload the image again."))
                })
                .transpose()
        };
        let radius = input
            .radius
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|r| *r <= MAX_RADIUS)
            .ok_or_else(|| {
                Error::invalid(
                    "radius",
                    format!("Use a whole number from 0 to {MAX_RADIUS}."),
                )
            })?;
        let page_width = input
            .page_width
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|w| PAGE_WIDTH.contains(w))
            .ok_or_else(|| {
                Error::invalid(
                    "page_width",
                    format!(
                        "Use a whole number of pixels from {} to {}.",
                        PAGE_WIDTH.start(),
                        PAGE_WIDTH.end()
                    ),
                )
            })?;
        Ok(Theme {
            accent: colour("accent", &input.accent)?,
            accent_text: colour("accent_text", &input.accent_text)?,
            background: colour("background", &input.background)?,
            surface: colour("surface", &input.surface)?,
            text: colour("text", &input.text)?,
            heading_font: font("heading_font", &input.heading_font)?,
            body_font: font("body_font", &input.body_font)?,
            radius,
            page_width,
            button_style: ButtonStyle::parse(&input.button_style).ok_or_else(|| {
                Error::invalid("button_style", "Choose one of the listed styles.")
            })?,
            logo: asset("logo", &input.logo)?,
            favicon: asset("favicon", &input.favicon)?,
        })
    }

    /// A stored theme document, validated like a form (unknown keys refused).
    pub fn from_json(json: &str) -> Result<Theme> {
        let input: ThemeInput = serde_json::from_str(json)
            .map_err(|err| Error::invalid("theme", format!("Not a theme: {err}")))?;
        Theme::parse(&input)
    }

    /// The document [`Theme::from_json`] reads back.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&ThemeInput::from(self.clone()))
            .expect("a theme document is plain strings")
    }

    /// Pairs of colours whose contrast is below WCAG AA for body text (4.5:1), with
    /// the measured ratio: shown in the editor as warnings; publishing is still allowed.
    pub fn contrast_warnings(&self) -> Vec<ContrastWarning> {
        [
            ("text", "background", self.text, self.background),
            ("text", "surface", self.text, self.surface),
            ("accent_text", "accent", self.accent_text, self.accent),
        ]
        .into_iter()
        .filter_map(|(fg, bg, a, b)| ContrastWarning::check(fg, bg, a, b))
        .collect()
    }

    /// The same theme with its look from `other` but this one's logo and favicon (a
    /// preset picked in the editor keeps the uploaded images).
    pub fn with_images_of(mut self, other: &Theme) -> Theme {
        self.logo = other.logo.clone();
        self.favicon = other.favicon.clone();
        self
    }
}

impl TryFrom<ThemeInput> for Theme {
    type Error = Error;

    fn try_from(input: ThemeInput) -> Result<Theme> {
        Theme::parse(&input)
    }
}

impl From<Theme> for ThemeInput {
    fn from(theme: Theme) -> ThemeInput {
        ThemeInput {
            accent: theme.accent.to_string(),
            accent_text: theme.accent_text.to_string(),
            background: theme.background.to_string(),
            surface: theme.surface.to_string(),
            text: theme.text.to_string(),
            heading_font: theme.heading_font.id().to_owned(),
            body_font: theme.body_font.id().to_owned(),
            radius: theme.radius.to_string(),
            page_width: theme.page_width.to_string(),
            button_style: theme.button_style.id().to_owned(),
            logo: theme.logo.map(|a| a.to_string()),
            favicon: theme.favicon.map(|a| a.to_string()),
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
