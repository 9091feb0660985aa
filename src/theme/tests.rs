//! The theme's rules without a database: validation, contrast, CSS, image checks.

use super::assets::{AssetKind, ImageFormat, Upload, MAX_BYTES};
use super::*;

fn valid() -> ThemeInput {
    ThemeInput::from(presets::default())
}

/// Breaks one value of a valid input.
type Breaker = fn(&mut ThemeInput);

#[test]
fn every_invalid_value_is_refused_with_its_field() {
    let cases: [(&str, Breaker); 14] = [
        ("accent", |t| t.accent = "blue".into()),
        ("accent", |t| t.accent = "#12345g".into()),
        ("accent_text", |t| t.accent_text = "#fff; color: red".into()),
        ("background", |t| t.background = "".into()),
        ("surface", |t| t.surface = "#12345".into()),
        ("text", |t| t.text = "rgb(0,0,0)".into()),
        ("heading_font", |t| t.heading_font = "comic-sans".into()),
        ("body_font", |t| {
            t.body_font = "url(https://evil.example/f.woff2)".into()
        }),
        ("radius", |t| t.radius = "25".into()),
        ("radius", |t| t.radius = "-1".into()),
        ("page_width", |t| t.page_width = "719".into()),
        ("page_width", |t| t.page_width = "1601".into()),
        ("button_style", |t| t.button_style = "ghost".into()),
        ("logo", |t| t.logo = Some("../../etc/passwd".into())),
    ];
    for (field, break_it) in cases {
        let mut input = valid();
        break_it(&mut input);
        let err = Theme::parse(&input).expect_err(field);
        assert_eq!(err.field(), Some(field), "{input:?}");
    }
    assert_eq!(Theme::parse(&valid()).unwrap(), presets::default());
}

#[test]
fn documents_with_unknown_keys_are_refused() {
    let json = presets::default().to_json();
    assert_eq!(Theme::from_json(&json).unwrap(), presets::default());
    let extra = json.replacen('{', "{\"custom_css\":\"body{display:none}\",", 1);
    let err = Theme::from_json(&extra).unwrap_err();
    assert_eq!(err.field(), Some("theme"));
    assert!(err.message().contains("custom_css"), "{err}");
}

#[test]
fn colours_are_normalised_and_contrast_follows_wcag() {
    assert_eq!(Colour::parse(" #2F5BEA ").unwrap().to_string(), "#2f5bea");
    assert_eq!(Colour::parse("#abc").unwrap().to_string(), "#aabbcc");
    let (black, white) = (
        Colour::parse("#000").unwrap(),
        Colour::parse("#fff").unwrap(),
    );
    assert!((black.contrast(white) - 21.0).abs() < 1e-9);
    assert!((white.contrast(white) - 1.0).abs() < 1e-9);
    // #777 on white is the classic near miss: 4.48:1.
    let grey = Colour::parse("#777777").unwrap();
    assert!((grey.contrast(white) - 4.48).abs() < 0.01);
}

#[test]
fn poor_pairs_are_flagged_with_their_ratio() {
    for preset in presets::ALL {
        assert!(
            preset.theme().contrast_warnings().is_empty(),
            "{}",
            preset.id
        );
    }
    let mut theme = presets::default();
    theme.accent = Colour::parse("#ffeb3b").unwrap();
    theme.text = Colour::parse("#999999").unwrap();
    let warnings = theme.contrast_warnings();
    let pairs: Vec<_> = warnings
        .iter()
        .map(|w| (w.foreground, w.background))
        .collect();
    assert_eq!(
        pairs,
        [
            ("text", "background"),
            ("text", "surface"),
            ("accent_text", "accent")
        ]
    );
    let shown = warnings[2].to_string();
    assert!(
        shown.starts_with("accent text on accent has a contrast of 1.2"),
        "{shown}"
    );
}

#[test]
fn css_holds_only_the_typed_values_and_allowlisted_fonts() {
    let mut theme = presets::default();
    theme.accent = Colour::parse("#AA3300").unwrap();
    theme.heading_font = Font::PlayfairDisplay;
    theme.button_style = ButtonStyle::Pill;
    let css = css::render(&theme);
    assert!(css.contains("--accent:#aa3300;"), "{css}");
    assert!(css.contains("--font-heading:\"Playfair Display\", Georgia, serif;"));
    assert!(css.contains("url(/fonts/playfair-display-latin-700-normal.woff2)"));
    assert!(css.contains("--button-radius:999px"));
    assert_eq!(
        css.matches("@font-face").count(),
        2,
        "system body font has no file"
    );
    assert!(!css.contains('<') && !css.contains("http"), "{css}");
    for font in Font::ALL {
        if let Some((_, stem)) = font.files() {
            for weight in [400, 700] {
                let file = format!("public/fonts/{stem}-latin-{weight}-normal.woff2");
                assert!(std::path::Path::new(&file).is_file(), "{file} is bundled");
            }
        }
    }
}

/// A minimal PNG header claiming `width`×`height` (enough for the checks).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend([width.to_be_bytes(), height.to_be_bytes()].concat());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

#[test]
fn uploads_are_judged_by_content_size_and_dimensions() {
    let ok = Upload::parse(AssetKind::Logo, png(400, 100)).unwrap();
    assert_eq!(ok.format, ImageFormat::Png);
    assert!(ok.name.as_str().starts_with("logo-") && ok.name.as_str().ends_with(".png"));
    assert_eq!(AssetName::parse(ok.name.as_str()), Some(ok.name.clone()));

    let refuse = |kind, bytes: Vec<u8>| Upload::parse(kind, bytes).unwrap_err().message();
    assert!(refuse(AssetKind::Logo, png(2001, 10)).contains("2001×10"));
    assert!(refuse(AssetKind::Favicon, png(513, 513)).contains("at most 512×512"));
    assert!(refuse(AssetKind::Logo, b"GIF89a\x01\0\x01\0".to_vec()).contains("PNG, JPEG"));
    assert!(refuse(AssetKind::Logo, b"<html><script>".to_vec()).contains("PNG, JPEG"));
    let mut big = png(10, 10);
    big.resize(MAX_BYTES + 1, 0);
    assert!(refuse(AssetKind::Logo, big).contains("512 KiB"));
    assert!(refuse(AssetKind::Logo, Vec::new()).contains("Choose"));

    let svg = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec();
    assert_eq!(ImageFormat::sniff(&svg), Some(ImageFormat::Svg));
    let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01".to_vec();
    assert_eq!(ImageFormat::sniff(&jpeg), Some(ImageFormat::Jpeg));
}
