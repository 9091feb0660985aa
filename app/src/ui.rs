//! The pieces of UI every part of the application shares, the storefront and both
//! admins alike: how a page waits for its data, how it fails, how it shows money,
//! how it reads an id from its route.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;

/// A price as the shop shows it: the store's currency symbol before an amount the
/// server already wrote with two decimals (`marketplace::money::Money`).
pub fn money(symbol: &str, amount: &str) -> String {
    format!("{symbol}{amount}")
}

/// The route's numeric parameter `name` (a product's id): `None` when it is missing
/// or not a number, which pages show as "new" or "not found" as they see fit.
pub fn id_param(name: &'static str) -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get(name)
            .and_then(|id| id.parse::<i64>().ok())
    }
}

/// A page's data as a view: a loading note while `resource` loads, `page` of its value
/// once it has, [`PageError`] if it failed (with the right status on the server).
pub fn loaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    page: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => page(value).into_any(),
                        Err(error) => view! { <PageError error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// What a visitor typed into the server-rendered `<input id="{id}">` before the page
/// became interactive. Hydration sets a controlled field's value from its signal, so a
/// signal starting empty would wipe what was typed (a lazily loaded page hydrates only
/// once its chunk has arrived): start the signal from this instead. Empty on the
/// server, and wherever the field is not in the document (a page reached in place).
pub fn typed_before_hydration(id: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(input) = document()
            .get_element_by_id(id)
            .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
        {
            return input.value();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
    String::new()
}

/// A page-level failure: a message, and the right status when rendered on the server.
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        crate::ssr::set_status(error.status());
    }
    let message = match &error {
        AppError::NotFound(what) => format!("Sorry, that {what} does not exist here."),
        other => other.to_string(),
    };
    view! {
        <section class="page-error">
            <h1>"Something is missing"</h1>
            <p role="alert">{message}</p>
            <p><a href="/">"Back to the store"</a></p>
        </section>
    }
}
