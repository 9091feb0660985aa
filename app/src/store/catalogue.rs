//! The catalogue: the store's home page with its products.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::{money, stock_label, StoreBrand};
use crate::error::AppError;

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CataloguePage {
    pub brand: StoreBrand,
    pub products: Vec<ProductCard>,
}

/// The store's brand and its products on sale.
#[server(endpoint = "store/catalogue")]
pub async fn load_catalogue() -> Result<CataloguePage, AppError> {
    use marketplace::{catalog, settings};
    let mut tx = crate::ssr::read().await?;
    let settings = settings::get(&mut tx).await?;
    let products = catalog::list_active(&mut tx).await?;
    tx.commit().await?;
    Ok(CataloguePage {
        brand: StoreBrand {
            name: settings.display_name,
            tagline: settings.tagline,
            primary_colour: settings.primary_colour,
            currency_symbol: settings.currency_symbol,
        },
        products: products
            .into_iter()
            .map(|p| ProductCard {
                id: p.id,
                name: p.name,
                description: p.description,
                price: format!("{:.2}", p.price),
                stock: p.stock,
            })
            .collect(),
    })
}

/// `/` on a store's host.
#[component]
pub fn HomePage() -> impl IntoView {
    let front = Resource::new(|| (), |_| load_catalogue());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the store…"</p> }>
            {move || Suspend::new(async move {
                match front.await {
                    Ok(front) => view! { <Catalogue front/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Catalogue(front: CataloguePage) -> impl IntoView {
    let CataloguePage { brand, products } = front;
    let filter = RwSignal::new(String::new());
    let symbol = brand.currency_symbol.clone();
    let total = products.len();
    let products = StoredValue::new(products);
    let visible = move || {
        let needle = filter.get().trim().to_lowercase();
        products.with_value(|all| {
            all.iter()
                .filter(|p| needle.is_empty() || p.name.to_lowercase().contains(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Title text=brand.name.clone()/>
        <section class="hero" style=format!("--brand: {}", brand.primary_colour)>
            <h1>{brand.name.clone()}</h1>
            <Show when={let t = brand.tagline.clone(); move || !t.is_empty()}>
                <p class="tagline">{brand.tagline.clone()}</p>
            </Show>
        </section>
        <section class="catalogue" aria-labelledby="products-heading">
            <div class="catalogue-head">
                <h2 id="products-heading">"Products"</h2>
                <label class="filter">
                    <span>"Filter products"</span>
                    <input
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
                        <h3>{product.name.clone()}</h3>
                        <p class="description">{product.description.clone()}</p>
                        <p class="price">{money(&symbol, &product.price)}</p>
                        {stock_label(product.stock).map(|label| view! { <p class="stock">{label}</p> })}
                    </li>
                </For>
            </ul>
            <Show when=move || visible().is_empty()>
                <p class="empty">"No products match."</p>
            </Show>
        </section>
    }
}
