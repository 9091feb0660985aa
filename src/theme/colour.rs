//! Theme colours: `#rrggbb` only (written lowercase), and the WCAG 2 contrast ratio
//! between two of them, which the editor shows beside pairs that read poorly.

use std::fmt;

/// An opaque sRGB colour. Only `#rgb` and `#rrggbb` are accepted, so a colour rendered
/// into CSS can never carry anything but seven safe characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour([u8; 3]);

impl Colour {
    /// `#2f5bea` or `#25e` (case and surrounding spaces ignored); anything else is `None`.
    pub fn parse(value: &str) -> Option<Colour> {
        let hex = value.trim().strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match hex.len() {
            6 => Some(Colour([
                channel(&hex[0..2])?,
                channel(&hex[2..4])?,
                channel(&hex[4..6])?,
            ])),
            3 => {
                let double = |i: usize| channel(&hex[i..=i].repeat(2));
                Some(Colour([double(0)?, double(1)?, double(2)?]))
            }
            _ => None,
        }
    }

    /// The colour from its three channels.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Colour {
        Colour([r, g, b])
    }

    /// WCAG 2 relative luminance: 0 for black, 1 for white.
    pub fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    /// WCAG 2 contrast ratio with `other`: 1 (none) to 21 (black on white).
    pub fn contrast(self, other: Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a >= b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// WCAG AA's least contrast for body text.
pub const AA_RATIO: f64 = 4.5;

/// A pair of the theme's colours below [`AA_RATIO`], named by their fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ContrastWarning {
    pub foreground: &'static str,
    pub background: &'static str,
    /// The measured ratio, e.g. 3.2 for 3.2:1.
    pub ratio: f64,
}

impl ContrastWarning {
    /// A warning when `fg` on `bg` is below [`AA_RATIO`].
    pub fn check(
        foreground: &'static str,
        background: &'static str,
        fg: Colour,
        bg: Colour,
    ) -> Option<ContrastWarning> {
        let ratio = fg.contrast(bg);
        (ratio < AA_RATIO).then_some(ContrastWarning {
            foreground,
            background,
            ratio,
        })
    }
}

impl fmt::Display for ContrastWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Rounded down, so a pair just under the line never reads as "4.50:1".
        let shown = (self.ratio * 100.0).floor() / 100.0;
        write!(
            f,
            "{} on {} has a contrast of {shown:.2}:1; WCAG AA asks for at least 4.5:1.",
            self.foreground.replace('_', " "),
            self.background.replace('_', " ")
        )
    }
}
