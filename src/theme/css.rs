//! A theme as CSS: the `@font-face` rules of its self-hosted fonts and a `:root` block
//! of custom properties, which `style/main.css` uses for every themable property. It is
//! written from the typed values of a [`Theme`] alone — hex colours, allowlisted font
//! stacks, numbers, an image name checked against its pattern — so nothing a store
//! owner typed reaches the page as CSS.

use std::fmt::Write as _;

use super::{ButtonStyle, Font, Theme};

/// The properties `style/main.css` reads. Its own `:root` holds the default preset's
/// values, so a page without a theme (the admin) still looks right.
pub fn render(theme: &Theme) -> String {
    let mut css = String::new();
    let mut faces: Vec<Font> = vec![theme.heading_font, theme.body_font];
    faces.dedup();
    for font in faces {
        if let Some((family, stem)) = font.files() {
            for weight in [400, 700] {
                writeln!(
                    css,
                    "@font-face{{font-family:\"{family}\";font-style:normal;font-weight:{weight};\
                     font-display:swap;src:url(/fonts/{stem}-latin-{weight}-normal.woff2) format(\"woff2\")}}"
                )
                .expect("writing to a String");
            }
        }
    }
    let (button_bg, button_fg, button_radius) = match theme.button_style {
        ButtonStyle::Filled => ("var(--accent)", "var(--accent-text)", "var(--radius)"),
        ButtonStyle::Outline => ("transparent", "var(--accent)", "var(--radius)"),
        ButtonStyle::Pill => ("var(--accent)", "var(--accent-text)", "999px"),
    };
    write!(
        css,
        ":root{{--accent:{accent};--accent-text:{accent_text};--background:{background};\
         --surface:{surface};--text:{text};--font-heading:{heading};--font-body:{body};\
         --radius:{radius}px;--page-width:{width}px;--button-bg:{button_bg};\
         --button-text:{button_fg};--button-radius:{button_radius}}}",
        accent = theme.accent,
        accent_text = theme.accent_text,
        background = theme.background,
        surface = theme.surface,
        text = theme.text,
        heading = theme.heading_font.stack(),
        body = theme.body_font.stack(),
        radius = theme.radius,
        width = theme.page_width,
    )
    .expect("writing to a String");
    css
}
