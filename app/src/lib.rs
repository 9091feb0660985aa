//! The Leptos application: pages, components and server functions, organised by the
//! same resource names as the core. Server functions are thin adapters: resolve the
//! store (done by the server's tenant layer), open a store transaction, call the core.
// Leptos view types nest deeply; the request-flow page, hydrated inside its lazy route's
// chunk (crate::routes), needs more than the default.
#![recursion_limit = "256"]

pub mod admin;
pub mod error;
pub mod flow;
pub mod forms;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod store;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::Router;

use crate::routes::AppRoutes;
use crate::store::StoreActions;

/// The HTML document around the application, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "ssr")]
    content_security_policy();
    provide_context(StoreActions::new());
    // Runs only in the browser, once the page is interactive: end-to-end tests wait on it.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/marketplace.css"/>
        <Title text="Marketplace"/>
        <Router>
            <AppRoutes/>
        </Router>
    }
}

/// Sends the page's Content-Security-Policy: scripts only from this origin or inline
/// with this response's nonce (which Leptos puts on its hydration and data scripts),
/// WebAssembly allowed to compile, no framing, forms posted only here.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The page of every path no route matches, with a 404 status.
#[component]
pub(crate) fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <main>
            <section class="not-found">
                <h1>"Page not found"</h1>
                <p><a href="/">"Back to the store"</a></p>
            </section>
        </main>
    }
}
