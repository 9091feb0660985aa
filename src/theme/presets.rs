//! The themes a store owner starts from. A new store wears [`default`] until its owner
//! publishes something else: no row is written for it, absence means default.

use super::{ButtonStyle, Colour, Font, Theme};

/// A named starting point of the editor's preset picker.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub id: &'static str,
    pub label: &'static str,
    build: fn() -> Theme,
}

impl Preset {
    /// The preset's theme (no logo, no favicon).
    pub fn theme(&self) -> Theme {
        (self.build)()
    }
}

/// Every preset, the default first.
pub const ALL: [Preset; 3] = [
    Preset {
        id: "classic",
        label: "Classic (default)",
        build: default,
    },
    Preset {
        id: "boutique",
        label: "Boutique",
        build: boutique,
    },
    Preset {
        id: "midnight",
        label: "Midnight",
        build: midnight,
    },
];

/// The preset with this id.
pub fn find(id: &str) -> Option<Preset> {
    ALL.into_iter().find(|preset| preset.id == id)
}

/// The platform's look before themes: blue accent, system font, white cards on a
/// light wash. Its values are the defaults in `style/main.css`.
pub fn default() -> Theme {
    Theme {
        accent: Colour::rgb(0x2f, 0x5b, 0xea),
        accent_text: Colour::rgb(0xff, 0xff, 0xff),
        background: Colour::rgb(0xf5, 0xf7, 0xfb),
        surface: Colour::rgb(0xff, 0xff, 0xff),
        text: Colour::rgb(0x1c, 0x22, 0x30),
        heading_font: Font::System,
        body_font: Font::System,
        radius: 10,
        page_width: 1152,
        button_style: ButtonStyle::Filled,
        logo: None,
        favicon: None,
    }
}

/// Warm and editorial: serif headings, a plum accent, pill buttons.
fn boutique() -> Theme {
    Theme {
        accent: Colour::rgb(0x8e, 0x2c, 0x5a),
        accent_text: Colour::rgb(0xff, 0xff, 0xff),
        background: Colour::rgb(0xfa, 0xf6, 0xf1),
        surface: Colour::rgb(0xff, 0xff, 0xff),
        text: Colour::rgb(0x2b, 0x1d, 0x24),
        heading_font: Font::PlayfairDisplay,
        body_font: Font::Lora,
        radius: 4,
        page_width: 1080,
        button_style: ButtonStyle::Pill,
        logo: None,
        favicon: None,
    }
}

/// Dark surfaces, a bright accent, Inter throughout.
fn midnight() -> Theme {
    Theme {
        accent: Colour::rgb(0x5e, 0xea, 0xd4),
        accent_text: Colour::rgb(0x0b, 0x12, 0x20),
        background: Colour::rgb(0x0b, 0x12, 0x20),
        surface: Colour::rgb(0x16, 0x21, 0x36),
        text: Colour::rgb(0xe6, 0xeb, 0xf5),
        heading_font: Font::Inter,
        body_font: Font::Inter,
        radius: 14,
        page_width: 1280,
        button_style: ButtonStyle::Outline,
        logo: None,
        favicon: None,
    }
}
