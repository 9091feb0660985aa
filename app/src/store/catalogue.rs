//! The catalogue: the store's home page with its products, and one product's page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use server_fn::ServerFn as _;

use super::cart::AddToCart;
use super::{header_from, stock_label, StoreActions, StoreHeader, StoreLayout};
use crate::error::AppError;
use crate::forms::action_error;
use crate::ui::{loaded, money, typed_before_hydration};

/// A product as the storefront shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Two decimals, no symbol ("29.99").
    pub price: String,
    pub stock: i32,
}

#[cfg(feature = "ssr")]
impl From<marketplace::catalog::Product> for ProductCard {
    fn from(p: marketplace::catalog::Product) -> Self {
        ProductCard {
            id: p.id,
            name: p.name,
            description: p.description,
            price: marketplace::money::Money(p.price).to_string(),
            stock: p.stock,
        }
    }
}

/// The home page's data, the header's included: one store transaction for the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CataloguePage {
    pub header: StoreHeader,
    pub products: Vec<ProductCard>,
}

/// The header and the store's products on sale, in one round trip to the store.
#[server(endpoint = "store/catalogue")]
pub async fn load_catalogue() -> Result<CataloguePage, AppError> {
    let (header, products) =
        super::read_with_header(marketplace::catalog::active_products()).await?;
    Ok(CataloguePage {
        header,
        products: products.into_iter().map(ProductCard::from).collect(),
    })
}

/// One product's page, the header's data included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductPage {
    pub header: StoreHeader,
    pub product: ProductCard,
}

/// The header and one product on sale, in one round trip to the store.
#[server(endpoint = "store/product")]
pub async fn load_product(id: i64) -> Result<ProductPage, AppError> {
    let (header, product) = super::read_with_header(marketplace::catalog::product(id)).await?;
    let product = product
        .filter(|p| p.is_active)
        .ok_or(AppError::NotFound("product".into()))?;
    Ok(ProductPage {
        header,
        product: product.into(),
    })
}

/// `/` on a store's host.
#[component]
pub fn HomePage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_catalogue());
    let header = header_from(page, |page| page.header.clone());
    view! {
        <StoreLayout header>
            {loaded(page, move |page| view! { <Catalogue page/> })}
        </StoreLayout>
    }
}

#[component]
fn Catalogue(page: CataloguePage) -> impl IntoView {
    let CataloguePage { header, products } = page;
    let brand = header.brand;
    let filter = RwSignal::new(String::new());
    // Text typed before the page hydrated filters once it has: the list hydrates whole
    // first, as the server rendered it.
    let typed = typed_before_hydration("product-filter");
    if !typed.is_empty() {
        Effect::new(move |_| filter.set(typed.clone()));
    }
    let symbol = StoredValue::new(brand.currency_symbol.clone());
    let total = products.len();
    let products = StoredValue::new(products);
    let visible = move || {
        let needle = lowercase(filter.get().trim());
        products.with_value(|all| {
            all.iter()
                .filter(|p| needle.is_empty() || lowercase(&p.name).contains(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let tagline = brand.tagline.clone();
    view! {
        <Title text=brand.name.clone()/>
        <section class="hero">
            <h1>{brand.name.clone()}</h1>
            {(!tagline.is_empty()).then(|| view! { <p class="tagline">{tagline}</p> })}
        </section>
        <AddToCartStatus/>
        <section class="catalogue" aria-labelledby="products-heading">
            <div class="catalogue-head">
                <h2 id="products-heading">"Products"</h2>
                <label class="filter">
                    <span>"Filter products"</span>
                    <input
                        id="product-filter"
                        type="search"
                        placeholder="Search by name"
                        prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev))
                    />
                </label>
            </div>
            <p class="count" aria-live="polite">
                {move || {
                    let shown = visible().len();
                    if shown == total { format!("{total} products") } else { format!("{shown} of {total} products") }
                }}
            </p>
            <ul class="products">
                <For each=visible key=|p| p.id let:product>
                    <li class="product" data-product-id=product.id>
                        <h3><a href=format!("/products/{}", product.id)>{product.name.clone()}</a></h3>
                        <p class="description">{product.description.clone()}</p>
                        <p class="price">{money(&symbol.get_value(), &product.price)}</p>
                        {stock_label(product.stock).map(|label| view! { <p class="stock">{label}</p> })}
                        <AddToCartForm product_id=product.id name=product.name.clone() stock=product.stock/>
                    </li>
                </For>
            </ul>
            <Show when=move || visible().is_empty()>
                <p class="empty">"No products match."</p>
            </Show>
        </section>
    }
}

/// What the last "Add to cart" did, announced politely.
#[component]
fn AddToCartStatus() -> impl IntoView {
    let add = expect_context::<StoreActions>().add_to_cart;
    let error = action_error(add);
    view! {
        <div class="notice-area" aria-live="polite">
            {move || match (error(), add.value().get()) {
                (Some(err), _) => Some(view! { <p class="notice error" role="alert">{err.to_string()}</p> }.into_any()),
                (None, Some(Ok(added))) => Some(view! { <p class="notice ok">"Added " {added.name} " to your cart."</p> }.into_any()),
                _ => None,
            }}
        </div>
    }
}

/// "Add to cart" for one product: a real form posting to the server function, so it
/// works before the page hydrates; afterwards it submits in place.
///
/// A plain `<form>` with its own submit handler rather than `ActionForm`: the store home
/// page is in the storefront's first download, and `ActionForm` brings a general form
/// decoder (a query-string parser and its ordered maps) into it, where this form has two
/// numbers to read. A value that does not parse is left to the browser's own post, so the
/// server answers it as it answers a form sent without JavaScript.
#[component]
pub fn AddToCartForm(
    product_id: i64,
    name: String,
    stock: i32,
    #[prop(optional)] with_quantity: bool,
) -> impl IntoView {
    let add = expect_context::<StoreActions>().add_to_cart;
    let label = format!("Add {name} to cart");
    let max = stock.clamp(1, 99);
    view! {
        <form
            action=AddToCart::url()
            method="post"
            class="add-to-cart"
            on:submit=move |ev| submit_in_place(add, &ev)
        >
            <input type="hidden" name="product_id" value=product_id/>
            {if with_quantity {
                view! {
                    <label class="quantity">
                        <span>"Quantity"</span>
                        <input type="number" name="quantity" value="1" min="1" max=max required/>
                    </label>
                }
                .into_any()
            } else {
                view! { <input type="hidden" name="quantity" value="1"/> }.into_any()
            }}
            <button type="submit" aria-label=label disabled=move || stock == 0 || add.pending().get()>
                {if stock == 0 { "Out of stock" } else { "Add to cart" }}
            </button>
        </form>
    }
}

/// Reads the add-to-cart form's two fields and dispatches the action instead of the
/// browser's post.
fn submit_in_place(add: ServerAction<AddToCart>, ev: &leptos::ev::SubmitEvent) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{FormData, HtmlFormElement};
    if ev.default_prevented() {
        return;
    }
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    let Ok(data) = FormData::new_with_form(&form) else {
        return;
    };
    let number = |name: &str| data.get(name).as_string().map(|v| v.trim().to_owned());
    let product_id = number("product_id").and_then(|v| v.parse().ok());
    let quantity = number("quantity").and_then(|v| v.parse().ok());
    if let (Some(product_id), Some(quantity)) = (product_id, quantity) {
        ev.prevent_default();
        add.dispatch(AddToCart {
            product_id,
            quantity,
        });
    }
}

/// Lower case for the filter. In the browser it is the browser's own (Unicode-aware)
/// `toLowerCase`, so the storefront's first download does not carry Rust's case tables.
fn lowercase(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(leptos::web_sys::js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

/// `/products/{id}`.
#[component]
pub fn ProductDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let page = Resource::new(id, |id| async move {
        match id {
            Some(id) => load_product(id).await,
            None => Err(AppError::NotFound("product".into())),
        }
    });
    let header = header_from(page, |page| page.header.clone());
    view! {
        <StoreLayout header>
            {loaded(page, move |ProductPage { header: StoreHeader { brand, .. }, product }| view! {
                            <Title text=format!("{} · {}", product.name, brand.name)/>
                            <p class="crumbs"><a href="/">{brand.name.clone()}</a> " / " {product.name.clone()}</p>
                            <AddToCartStatus/>
                            <article class="product-detail">
                                <h1>{product.name.clone()}</h1>
                                <p class="price">{money(&brand.currency_symbol, &product.price)}</p>
                                {stock_label(product.stock).map(|label| view! { <p class="stock">{label}</p> })}
                                <p class="description">{product.description.clone()}</p>
                                <AddToCartForm product_id=product.id name=product.name.clone() stock=product.stock with_quantity=true/>
                            </article>
                        })}
        </StoreLayout>
    }
}
