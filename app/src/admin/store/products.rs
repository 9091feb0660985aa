//! The catalogue as staff see it: every product, active or not, with forms to create,
//! edit, (de)activate and delete.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::admin::{session_version, AdminShell};
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};
use crate::ui::{id_param, loaded};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminProduct {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub price: String,
    pub stock: i32,
    pub is_active: bool,
}

#[cfg(feature = "ssr")]
impl From<marketplace::catalog::Product> for AdminProduct {
    fn from(p: marketplace::catalog::Product) -> Self {
        AdminProduct {
            id: p.id,
            name: p.name,
            description: p.description,
            price: marketplace::money::Money(p.price).to_string(),
            stock: p.stock,
            is_active: p.is_active,
        }
    }
}

#[server(endpoint = "admin/store/products")]
pub async fn list_products() -> Result<Vec<AdminProduct>, AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let products = marketplace::catalog::list(&mut tx).await?;
    tx.commit().await?;
    Ok(products.into_iter().map(AdminProduct::from).collect())
}

#[server(endpoint = "admin/store/product")]
pub async fn get_product(id: i64) -> Result<AdminProduct, AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let product = marketplace::catalog::get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(product.into())
}

/// Creates (no `id`) or updates a product. Invalid input changes nothing.
#[server(endpoint = "admin/store/product/save")]
pub async fn save_product(
    id: Option<i64>,
    name: String,
    description: String,
    price: String,
    stock: String,
) -> Result<i64, AppError> {
    use marketplace::catalog::{self, ProductInput};
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let input = ProductInput::parse(&name, &description, &price, &stock)?;
    let saved = match id {
        Some(id) => catalog::update(&mut tx, id, &input).await?,
        None => catalog::create(&mut tx, &input).await?,
    };
    tx.commit().await?;
    leptos_axum::redirect("/admin/products");
    Ok(saved.id)
}

#[server(endpoint = "admin/store/product/active")]
pub async fn set_product_active(id: i64, active: bool) -> Result<(), AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    marketplace::catalog::set_active(&mut tx, id, active).await?;
    tx.commit().await?;
    Ok(())
}

#[server(endpoint = "admin/store/product/delete")]
pub async fn delete_product(id: i64) -> Result<(), AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    marketplace::catalog::delete(&mut tx, id).await?;
    tx.commit().await?;
    leptos_axum::redirect("/admin/products");
    Ok(())
}

#[component]
pub fn ProductsPage() -> impl IntoView {
    let toggle = ServerAction::<SetProductActive>::new();
    let session = session_version();
    let products = Resource::new(
        move || (toggle.version().get(), session()),
        |_| list_products(),
    );
    view! { <AdminShell store=move || view! { <ProductList toggle products/> }/> }
}

#[component]
fn ProductList(
    toggle: ServerAction<SetProductActive>,
    products: Resource<Result<Vec<AdminProduct>, AppError>>,
) -> impl IntoView {
    let error = action_error(toggle);
    view! {
        <Title text="Products"/>
        <div class="admin-title">
            <h1>"Products"</h1>
            <a class="button" href="/admin/products/new">"New product"</a>
        </div>
        {move || error().map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                products.await.map(|list| {
                    let rows = list.into_iter().map(|p| {
                        let label = if p.is_active { format!("Deactivate {}", p.name) } else { format!("Activate {}", p.name) };
                        view! {
                            <tr data-product-id=p.id>
                                <th scope="row"><a href=format!("/admin/products/{}", p.id)>{p.name.clone()}</a></th>
                                <td class="num">{p.price.clone()}</td>
                                <td class="num">{p.stock}</td>
                                <td>{if p.is_active { "On sale" } else { "Inactive" }}</td>
                                <td>
                                    <ActionForm action=toggle attr:class="inline">
                                        <input type="hidden" name="id" value=p.id/>
                                        <input type="hidden" name="active" value=(!p.is_active).to_string()/>
                                        <button type="submit" class="secondary" aria-label=label>
                                            {if p.is_active { "Deactivate" } else { "Activate" }}
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <table class="cart-table admin-table">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col" class="num">"Price"</th>
                                <th scope="col" class="num">"Stock"</th><th scope="col">"State"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }
                })
            })}
        </Suspense>
    }
}

/// `/admin/products/new` and `/admin/products/{id}`.
#[component]
pub fn ProductEditPage() -> impl IntoView {
    let id = id_param("id");
    let session = session_version();
    let product = Resource::new(
        move || (id(), session()),
        |(id, _)| async move {
            match id {
                Some(id) => get_product(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <AdminShell store=move || loaded(product, move |product| view! { <ProductForm product/> })/>
    }
}

#[component]
fn ProductForm(product: Option<AdminProduct>) -> impl IntoView {
    let save = ServerAction::<SaveProduct>::new();
    let delete = ServerAction::<DeleteProduct>::new();
    let error = action_error(save);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    let title = match &product {
        Some(p) => format!("Edit {}", p.name),
        None => "New product".to_owned(),
    };
    let value = |f: fn(&AdminProduct) -> String| product.as_ref().map(f).unwrap_or_default();
    let (name, description, price, stock) = (
        value(|p| p.name.clone()),
        value(|p| p.description.clone()),
        value(|p| p.price.clone()),
        value(|p| p.stock.to_string()),
    );
    let id = product.as_ref().map(|p| p.id);
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <ActionForm action=save attr:class="admin-form" attr:novalidate=true>
            <div aria-live="polite">
                {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
            </div>
            {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <Field name="name" label="Name" value=name required=true error=field("name")/>
            <Field name="description" label="Description" value=description multiline=true error=field("description")/>
            <Field name="price" label="Price" value=price required=true error=field("price")/>
            <Field name="stock" label="Stock" kind="number" value=stock required=true error=field("stock")/>
            <button type="submit" disabled=move || save.pending().get()>"Save"</button>
            " " <a href="/admin/products">"Cancel"</a>
        </ActionForm>
        {id.map(|id| view! {
            <ActionForm action=delete attr:class="danger-zone">
                <input type="hidden" name="id" value=id/>
                <p>"Deleting removes the product from the catalogue; past orders keep their lines."</p>
                <button type="submit" class="danger">"Delete product"</button>
            </ActionForm>
        })}
    }
}
