//! The store's theme on its pages: the `:root { --… }` block (and the `@font-face`
//! rules of its fonts) in the page's head, written by the core from validated values
//! ([`marketplace::theme::css`]), plus its logo and favicon. It travels with the header's
//! data, read in the same one-round-trip batch as the page ([`super::read_with_header`]),
//! so the first paint is already in the store's look.

use leptos::prelude::*;
use leptos_meta::{Link, Style};
use serde::{Deserialize, Serialize};

/// How the storefront looks to this visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreLook {
    /// The theme's CSS: custom properties and font faces only.
    pub css: String,
    /// `/theme/logo-….png` and the like.
    pub logo: Option<String>,
    pub favicon: Option<String>,
    /// The visitor is staff previewing the draft (nobody else sees it).
    pub previewing: bool,
}

#[cfg(feature = "ssr")]
impl From<marketplace::theme::store::LiveTheme> for StoreLook {
    fn from(live: marketplace::theme::store::LiveTheme) -> Self {
        let url = |name: Option<marketplace::theme::AssetName>| name.map(|n| format!("/theme/{n}"));
        StoreLook {
            css: marketplace::theme::css::render(&live.theme),
            logo: url(live.theme.logo),
            favicon: url(live.theme.favicon),
            previewing: live.previewing,
        }
    }
}

/// The theme's `<style>` (with the page's CSP nonce) and favicon in the head, and a
/// notice on the page while its draft is previewed.
#[component]
pub fn ThemeHead(look: StoreLook) -> impl IntoView {
    let StoreLook {
        css,
        favicon,
        previewing,
        ..
    } = look;
    view! {
        <Style id="store-theme">{css}</Style>
        {favicon.map(|href| view! { <Link rel="icon" href/> })}
        {previewing.then(|| view! {
            <p class="preview-banner" role="status">
                "Previewing the draft theme: only you see it. "
                <a href="/admin/theme">"Back to the theme editor"</a>
            </p>
        })}
    }
}
