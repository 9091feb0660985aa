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
