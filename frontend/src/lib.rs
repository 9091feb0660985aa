//! The browser entry point: makes the server-rendered page interactive.
// Leptos view types nest deeply; the request-flow page needs more than the default.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let _ = console_log::init_with_level(log::Level::Warn);
    // Lazy routes (app::routes): a page's chunk must load before its HTML hydrates.
    leptos::mount::hydrate_lazy(app::App);
}

/// Room for the wasm splitter (wasm-split, run by `cargo leptos build --split`). It
/// regroups the read-only data segment by module, each group aligned, and when the
/// regrouped segment comes out longer than the linker's — by a few bytes of alignment, as
/// soon as there are enough lazy pages — it gives up and puts every page's data (their
/// HTML templates and texts) into the main module, about 50 KB the storefront's first
/// download then carries. This block is kept by the linker (`#[used]`) but belongs to no
/// module, so the splitter leaves it out and its length is the slack the regrouping may
/// use. It is never downloaded. `scripts/size` guards the result.
#[used]
static SPLIT_DATA_SLACK: [u8; 1024] = [0x5a; 1024];
