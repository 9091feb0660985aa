//! The fonts a theme may use: a short allowlist. Three are self-hosted WOFF2 files in
//! `public/fonts/` (from the npm `@fontsource` packages, SIL Open Font License, the
//! licence beside them), so a storefront never fetches from another site; the others
//! are system stacks that need no file. Only an allowlisted font ever gets an
//! `@font-face` rule in a page.

/// One font of the allowlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    /// The platform's own sans-serif (no file).
    System,
    /// Georgia and other serif faces every system has (no file).
    Georgia,
    /// Inter, a sans-serif for screens (self-hosted).
    Inter,
    /// Lora, a serif for reading (self-hosted).
    Lora,
    /// Playfair Display, a high-contrast display serif (self-hosted).
    PlayfairDisplay,
}

impl Font {
    pub const ALL: [Font; 5] = [
        Font::System,
        Font::Georgia,
        Font::Inter,
        Font::Lora,
        Font::PlayfairDisplay,
    ];

    /// The id stored and posted by forms.
    pub fn id(self) -> &'static str {
        match self {
            Font::System => "system",
            Font::Georgia => "georgia",
            Font::Inter => "inter",
            Font::Lora => "lora",
            Font::PlayfairDisplay => "playfair-display",
        }
    }

    /// The name shown to the store owner.
    pub fn label(self) -> &'static str {
        match self {
            Font::System => "System sans-serif",
            Font::Georgia => "Georgia (serif)",
            Font::Inter => "Inter",
            Font::Lora => "Lora",
            Font::PlayfairDisplay => "Playfair Display",
        }
    }

    /// The allowlisted font with this id.
    pub fn parse(id: &str) -> Option<Font> {
        Self::ALL.into_iter().find(|font| font.id() == id.trim())
    }

    /// The CSS `font-family` value, with fallbacks.
    pub fn stack(self) -> &'static str {
        match self {
            Font::System => {
                "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif"
            }
            Font::Georgia => "Georgia, \"Times New Roman\", serif",
            Font::Inter => "\"Inter\", system-ui, sans-serif",
            Font::Lora => "\"Lora\", Georgia, serif",
            Font::PlayfairDisplay => "\"Playfair Display\", Georgia, serif",
        }
    }

    /// The self-hosted family name and file stem (`/fonts/<stem>-latin-<weight>-normal.woff2`),
    /// or `None` for a system stack.
    pub fn files(self) -> Option<(&'static str, &'static str)> {
        match self {
            Font::System | Font::Georgia => None,
            Font::Inter => Some(("Inter", "inter")),
            Font::Lora => Some(("Lora", "lora")),
            Font::PlayfairDisplay => Some(("Playfair Display", "playfair-display")),
        }
    }
}
