//! Uploaded logos and favicons. An upload is judged by its bytes, never by its file
//! name or the type the browser claimed: PNG, JPEG and WebP by their signatures (with
//! their width and height read from the header, capped), SVG by its opening `<svg`
//! element. SVG is accepted only as an image: the server sends it with a policy under
//! which no script in it can run, and pages show it only through `<img>`.
//!
//! A stored image is named `<kind>-<first 16 hex digits of its SHA-256>.<ext>`, so its
//! URL changes whenever its content does and can be cached for a year.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Largest image accepted, in bytes.
pub const MAX_BYTES: usize = 512 * 1024;

/// What an upload is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    Logo,
    Favicon,
}

impl AssetKind {
    /// The kind named by a form field (`logo`, `favicon`).
    pub fn parse(value: &str) -> Option<AssetKind> {
        match value {
            "logo" => Some(AssetKind::Logo),
            "favicon" => Some(AssetKind::Favicon),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            AssetKind::Logo => "logo",
            AssetKind::Favicon => "favicon",
        }
    }

    /// Widest and tallest image accepted, in pixels.
    pub fn max_dimension(self) -> usize {
        match self {
            AssetKind::Logo => 2000,
            AssetKind::Favicon => 512,
        }
    }
}

/// An image format accepted for logos and favicons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
    Svg,
}

impl ImageFormat {
    const ALL: [ImageFormat; 4] = [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::Webp,
        ImageFormat::Svg,
    ];

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
            ImageFormat::Svg => "svg",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Svg => "image/svg+xml",
        }
    }

    /// The format of `bytes`, read from their content alone.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        match imagesize::image_type(bytes) {
            Ok(imagesize::ImageType::Png) => Some(ImageFormat::Png),
            Ok(imagesize::ImageType::Jpeg) => Some(ImageFormat::Jpeg),
            Ok(imagesize::ImageType::Webp) => Some(ImageFormat::Webp),
            _ => is_svg(bytes).then_some(ImageFormat::Svg),
        }
    }
}

/// Whether `bytes` are UTF-8 text whose first element (after an optional XML
/// declaration, comments and a doctype) is `<svg`.
fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>").map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("<!DOCTYPE") {
            rest = after.split_once('>').map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    rest.strip_prefix("<svg")
        .is_some_and(|r| r.starts_with(|c: char| c.is_whitespace() || c == '>'))
}

/// The name of a stored image: `logo-0123456789abcdef.png` and the like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetName(String);

impl AssetName {
    /// A name of the stored-image pattern; anything else is `None`.
    pub fn parse(value: &str) -> Option<AssetName> {
        let (stem, ext) = value.split_once('.')?;
        let (kind, hash) = stem.split_once('-')?;
        let ok = AssetKind::parse(kind).is_some()
            && hash.len() == 16
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && ImageFormat::ALL.iter().any(|f| f.extension() == ext);
        ok.then(|| AssetName(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An image that passed every check, ready to store.
#[derive(Debug, Clone)]
pub struct Upload {
    pub kind: AssetKind,
    pub name: AssetName,
    pub format: ImageFormat,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// Checks an uploaded `kind` image: not empty, at most [`MAX_BYTES`], a PNG, JPEG,
    /// WebP or SVG by its content, and (but for SVG) no side longer than the kind
    /// allows. Refusals name the field `kind.id()`.
    pub fn parse(kind: AssetKind, bytes: Vec<u8>) -> Result<Upload> {
        let field = kind.id();
        if bytes.is_empty() {
            return Err(Error::invalid(field, "Choose an image file."));
        }
        if bytes.len() > MAX_BYTES {
            return Err(Error::invalid(
                field,
                format!("The image is larger than {} KiB.", MAX_BYTES / 1024),
            ));
        }
        let format = ImageFormat::sniff(&bytes)
            .ok_or_else(|| Error::invalid(field, "Use a PNG, JPEG, WebP or SVG image."))?;
        if format != ImageFormat::Svg {
            let size = imagesize::blob_size(&bytes)
                .map_err(|_| Error::invalid(field, "The image could not be read."))?;
            let max = kind.max_dimension();
            if size.width == 0 || size.height == 0 || size.width > max || size.height > max {
                return Err(Error::invalid(
                    field,
                    format!(
                        "The image is {}×{} pixels; at most {max}×{max} is accepted.",
                        size.width, size.height
                    ),
                ));
            }
        }
        let digest = Sha256::digest(&bytes);
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let name = AssetName(format!("{}-{hash}.{}", kind.id(), format.extension()));
        Ok(Upload {
            kind,
            name,
            format,
            bytes,
        })
    }
}
