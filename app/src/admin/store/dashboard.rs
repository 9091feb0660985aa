//! The store admin's home: counts, revenue and the products running low.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::admin::HomeData;
use crate::error::AppError;
use crate::ui::money;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    pub products: i64,
    pub orders: i64,
    pub revenue: String,
    pub currency_symbol: String,
    pub low_stock: Vec<(i64, String, i32)>,
}

#[server(endpoint = "admin/store/dashboard")]
pub async fn load_dashboard() -> Result<DashboardView, AppError> {
    use marketplace::money::Money;
    use marketplace::{catalog, orders, settings};
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let view = DashboardView {
        products: catalog::count(&mut tx).await?,
        orders: orders::count(&mut tx).await?,
        revenue: Money(orders::revenue(&mut tx).await?).to_string(),
        currency_symbol: settings::get(&mut tx).await?.currency_symbol,
        low_stock: catalog::low_stock(&mut tx, 5)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name, p.stock))
            .collect(),
    };
    tx.commit().await?;
    Ok(view)
}

#[component]
pub fn Dashboard(home: Resource<Result<HomeData, AppError>>) -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                home.await.and_then(HomeData::dashboard).map(|d| {
                    let low = if d.low_stock.is_empty() {
                        view! { <p class="empty">"Every product is well stocked."</p> }.into_any()
                    } else {
                        let rows = d.low_stock.into_iter().map(|(id, name, stock)| view! {
                            <li><a href=format!("/admin/products/{id}")>{name}</a> " — " {stock} " left"</li>
                        }).collect_view();
                        view! { <ul class="low-stock">{rows}</ul> }.into_any()
                    };
                    view! {
                        <div class="stats">
                            <div class="stat"><span class="stat-label">"Products"</span><span class="stat-value" data-stat="products">{d.products}</span></div>
                            <div class="stat"><span class="stat-label">"Orders"</span><span class="stat-value" data-stat="orders">{d.orders}</span></div>
                            <div class="stat"><span class="stat-label">"Revenue"</span><span class="stat-value" data-stat="revenue">{money(&d.currency_symbol, &d.revenue)}</span></div>
                        </div>
                        <section aria-labelledby="low-stock-heading">
                            <h2 id="low-stock-heading">"Low stock"</h2>
                            {low}
                        </section>
                    }
                })
            })}
        </Suspense>
    }
}
