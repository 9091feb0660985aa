//! A store's own admin: dashboard, products, orders, users, settings. Every server
//! function here starts with [`super::ssr::staff`], which refuses anyone but an active
//! staff user of this very store.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use super::AdminShell;
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};
use crate::store::{loaded, money};

// ---- dashboard ----

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
    use marketplace::{catalog, orders, settings};
    let (mut tx, _) = super::ssr::staff().await?;
    let view = DashboardView {
        products: catalog::count(&mut tx).await?,
        orders: orders::count(&mut tx).await?,
        revenue: format!("{:.2}", orders::revenue(&mut tx).await?),
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
pub fn Dashboard(home: Resource<Result<super::HomeData, AppError>>) -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                home.await.and_then(super::HomeData::dashboard).map(|d| {
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

// ---- products ----

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
            price: format!("{:.2}", p.price),
            stock: p.stock,
            is_active: p.is_active,
        }
    }
}

#[server(endpoint = "admin/store/products")]
pub async fn list_products() -> Result<Vec<AdminProduct>, AppError> {
    let (mut tx, _) = super::ssr::staff().await?;
    let products = marketplace::catalog::list(&mut tx).await?;
    tx.commit().await?;
    Ok(products.into_iter().map(AdminProduct::from).collect())
}

#[server(endpoint = "admin/store/product")]
pub async fn get_product(id: i64) -> Result<AdminProduct, AppError> {
    let (mut tx, _) = super::ssr::staff().await?;
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
    let (mut tx, _) = super::ssr::staff().await?;
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
    let (mut tx, _) = super::ssr::staff().await?;
    marketplace::catalog::set_active(&mut tx, id, active).await?;
    tx.commit().await?;
    Ok(())
}

#[server(endpoint = "admin/store/product/delete")]
pub async fn delete_product(id: i64) -> Result<(), AppError> {
    let (mut tx, _) = super::ssr::staff().await?;
    marketplace::catalog::delete(&mut tx, id).await?;
    tx.commit().await?;
    leptos_axum::redirect("/admin/products");
    Ok(())
}

#[component]
pub fn ProductsPage() -> impl IntoView {
    let toggle = ServerAction::<SetProductActive>::new();
    let session = super::session_version();
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
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let session = super::session_version();
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

// ---- orders ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminOrderRow {
    pub number: String,
    pub customer: String,
    pub status: String,
    pub total: String,
    pub placed_at: String,
}

#[server(endpoint = "admin/store/orders")]
pub async fn list_orders(status: Option<String>) -> Result<Vec<AdminOrderRow>, AppError> {
    use marketplace::orders::{self, OrderStatus};
    let (mut tx, _) = super::ssr::staff().await?;
    let status = status
        .filter(|s| !s.is_empty())
        .map(|s| OrderStatus::parse(&s))
        .transpose()?;
    let list = orders::list_by_status(&mut tx, status).await?;
    tx.commit().await?;
    Ok(list
        .into_iter()
        .map(|o| AdminOrderRow {
            number: o.order_number,
            customer: o.customer_name,
            status: o.status.as_str().to_owned(),
            total: format!("{:.2}", o.total),
            placed_at: o.created_at.format("%Y-%m-%d %H:%M").to_string(),
        })
        .collect())
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status").filter(|s| !s.is_empty());
    let session = super::session_version();
    let orders = Resource::new(
        move || (status(), session()),
        |(status, _)| list_orders(status),
    );
    view! { <AdminShell store=move || view! { <OrderList orders/> }/> }
}

#[component]
fn OrderList(orders: Resource<Result<Vec<AdminOrderRow>, AppError>>) -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status").filter(|s| !s.is_empty());
    let options = ["", "pending", "paid", "shipped", "delivered", "cancelled"]
        .into_iter()
        .map(|s| {
            let label = if s.is_empty() { "All".to_owned() } else { s.to_owned() };
            view! { <option value=s selected=move || status().unwrap_or_default() == s>{label}</option> }
        })
        .collect_view();
    view! {
        <Title text="Orders"/>
        <h1>"Orders"</h1>
        <form method="get" action="/admin/orders" class="filter-form">
            <label>"Status " <select name="status">{options}</select></label>
            <button type="submit" class="secondary">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                orders.await.map(|list| {
                    if list.is_empty() {
                        return view! { <p class="empty">"No orders."</p> }.into_any();
                    }
                    let rows = list.into_iter().map(|o| view! {
                        <tr>
                            <th scope="row"><a href=format!("/admin/orders/{}", o.number)>{o.number.clone()}</a></th>
                            <td>{o.customer}</td>
                            <td class="status" data-status=o.status.clone()>{o.status.clone()}</td>
                            <td class="num">{o.total}</td>
                            <td>{o.placed_at}</td>
                        </tr>
                    }).collect_view();
                    view! {
                        <table class="cart-table admin-table">
                            <thead><tr>
                                <th scope="col">"Order"</th><th scope="col">"Customer"</th><th scope="col">"Status"</th>
                                <th scope="col" class="num">"Total"</th><th scope="col">"Placed"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }.into_any()
                })
            })}
        </Suspense>
    }
}

#[server(endpoint = "admin/store/order")]
pub async fn get_order(number: String) -> Result<crate::store::checkout::OrderView, AppError> {
    use marketplace::orders;
    let (mut tx, _) = super::ssr::staff().await?;
    let brand = crate::store::brand(&mut tx).await?;
    let order = orders::find_by_number(&mut tx, &number)
        .await?
        .ok_or(AppError::NotFound("order".into()))?;
    let lines = orders::lines(&mut tx, order.id).await?;
    tx.commit().await?;
    Ok(crate::store::checkout::order_view(&order, &lines, &brand))
}

/// Moves an order along its workflow; cancelling puts its items back in stock.
#[server(endpoint = "admin/store/order/status")]
pub async fn set_order_status(number: String, status: String) -> Result<String, AppError> {
    use marketplace::orders::{self, OrderStatus};
    let (mut tx, _) = super::ssr::staff().await?;
    let to = OrderStatus::parse(&status)?;
    let order = orders::set_status(&mut tx, &number, to).await?;
    tx.commit().await?;
    Ok(order.status.as_str().to_owned())
}

#[component]
pub fn OrderAdminPage() -> impl IntoView {
    let params = use_params_map();
    let change = ServerAction::<SetOrderStatus>::new();
    let session = super::session_version();
    let order = Resource::new(
        move || {
            (
                params.read().get("number").unwrap_or_default(),
                change.version().get(),
                session(),
            )
        },
        |(number, _, _)| get_order(number),
    );
    view! { <AdminShell store=move || view! { <OrderAdmin change order/> }/> }
}

/// The next steps an order in `status` may take, as (status, button label).
fn next_steps(status: &str) -> &'static [(&'static str, &'static str)] {
    match status {
        "pending" => &[("paid", "Mark paid"), ("cancelled", "Cancel order")],
        "paid" => &[("shipped", "Mark shipped"), ("cancelled", "Cancel order")],
        "shipped" => &[("delivered", "Mark delivered")],
        _ => &[],
    }
}

#[component]
fn OrderAdmin(
    change: ServerAction<SetOrderStatus>,
    order: Resource<Result<crate::store::checkout::OrderView, AppError>>,
) -> impl IntoView {
    let error = action_error(change);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => {
                        let number = order.number.clone();
                        let buttons = next_steps(&order.status).iter().map(|(to, label)| {
                            let number = number.clone();
                            view! {
                                <ActionForm action=change attr:class="inline">
                                    <input type="hidden" name="number" value=number/>
                                    <input type="hidden" name="status" value=*to/>
                                    <button type="submit" class:danger=*to == "cancelled">{*label}</button>
                                </ActionForm>
                            }
                        }).collect_view();
                        view! {
                            <div class="workflow" aria-live="polite">
                                {move || error().map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
                                <div class="workflow-buttons">{buttons}</div>
                            </div>
                            <crate::store::checkout::OrderDetail order/>
                        }.into_any()
                    }
                    Err(error) => view! { <crate::store::PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

// ---- users ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
    pub is_me: bool,
}

/// The users page: every account for a superuser, only their own for plain staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsersView {
    /// Whether the viewer may create, (de)activate and reset others (a superuser).
    pub manages_users: bool,
    pub users: Vec<AdminUser>,
}

#[server(endpoint = "admin/store/users")]
pub async fn list_users() -> Result<UsersView, AppError> {
    let (mut tx, me) = super::ssr::staff().await?;
    let manages_users = me.manages_users();
    let users = if manages_users {
        marketplace::accounts::list(&mut tx).await?
    } else {
        vec![me.clone()]
    };
    tx.commit().await?;
    Ok(UsersView {
        manages_users,
        users: users
            .into_iter()
            .map(|u| AdminUser {
                is_me: u.id == me.id,
                id: u.id,
                username: u.username,
                email: u.email,
                is_staff: u.is_staff,
                is_superuser: u.is_superuser,
                is_active: u.is_active,
            })
            .collect(),
    })
}

/// Creates a staff user (`role` "staff" or "superuser"); superusers only.
#[server(endpoint = "admin/store/users/create")]
pub async fn create_staff(
    username: String,
    email: String,
    password: String,
    role: Option<String>,
) -> Result<(), AppError> {
    use marketplace::accounts::{self, NewUser, Role, Username};
    use marketplace::email::Email;
    use marketplace::password::Password;
    let (tx, me) = super::ssr::staff().await?;
    if !me.manages_users() {
        return Err(AppError::Forbidden(
            "Only a store superuser can manage users.".into(),
        ));
    }
    // No connection is held while the password is hashed; the role is checked again
    // in the transaction that writes.
    drop(tx);
    let role = match role.as_deref().unwrap_or("staff") {
        "staff" => Role::Staff,
        "superuser" => Role::Superuser,
        _ => return Err(marketplace::Error::invalid("role", "Choose staff or superuser.").into()),
    };
    let new = NewUser {
        username: Username::parse(&username)?,
        email: Email::parse(&email)?,
        full_name: String::new(),
        password: marketplace::password::hash(Password::parse(&password)?).await,
        role,
    };
    let (mut tx, me) = super::ssr::staff().await?;
    accounts::create_by(&mut tx, &me, new).await?;
    tx.commit().await?;
    Ok(())
}

#[server(endpoint = "admin/store/users/active")]
pub async fn set_user_active(id: i64, active: bool) -> Result<(), AppError> {
    let (mut tx, me) = super::ssr::staff().await?;
    marketplace::accounts::set_active_by(&mut tx, &me, id, active).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a user's password: one's own, or anyone's for a superuser. Every other session
/// of that user ends.
#[server(endpoint = "admin/store/users/password")]
pub async fn reset_password(id: i64, password: String) -> Result<(), AppError> {
    use marketplace::password::Password;
    let (tx, me) = super::ssr::staff().await?;
    if id != me.id && !me.manages_users() {
        return Err(AppError::Forbidden(
            "Only a store superuser can reset another user's password.".into(),
        ));
    }
    // No connection is held while the password is hashed; the rules are checked again
    // in the transaction that writes.
    drop(tx);
    let password = marketplace::password::hash(Password::parse(&password)?).await;
    let (mut tx, me) = super::ssr::staff().await?;
    let current = crate::ssr::current_session(&mut tx).await?.map(|s| s.id);
    marketplace::accounts::change_password_by(&mut tx, &me, id, &password, current).await?;
    tx.commit().await?;
    Ok(())
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let actions = UserActions {
        create: ServerAction::new(),
        toggle: ServerAction::new(),
        reset: ServerAction::new(),
    };
    let session = super::session_version();
    let users = Resource::new(
        move || {
            (
                actions.create.version().get(),
                actions.toggle.version().get(),
                actions.reset.version().get(),
                session(),
            )
        },
        |_| list_users(),
    );
    view! { <AdminShell store=move || view! { <UserAdmin actions users/> }/> }
}

/// The users page's actions; the page's data reloads after each.
#[derive(Clone, Copy)]
struct UserActions {
    create: ServerAction<CreateStaff>,
    toggle: ServerAction<SetUserActive>,
    reset: ServerAction<ResetPassword>,
}

#[component]
fn UserAdmin(actions: UserActions, users: Resource<Result<UsersView, AppError>>) -> impl IntoView {
    let UserActions {
        create,
        toggle,
        reset,
    } = actions;
    let create_error = action_error(create);
    let toggle_error = action_error(toggle);
    let reset_error = action_error(reset);
    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <div aria-live="polite">
            {move || toggle_error().or_else(reset_error).map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
            {move || matches!(reset.value().get(), Some(Ok(()))).then(|| view! { <p class="notice ok">"Password changed."</p> })}
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                users.await.map(|page| {
                    let manages = page.manages_users;
                    let rows = page.users.into_iter().map(|u| view! { <UserRow user=u manages toggle reset/> }).collect_view();
                    view! {
                        <table class="cart-table admin-table">
                            <thead><tr>
                                <th scope="col">"Username"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                                <th scope="col">"State"</th><th scope="col"><span class="visually-hidden">"Activate"</span></th>
                                <th scope="col"><span class="visually-hidden">"Password"</span></th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        {manages.then(|| view! { <NewStaffForm create error=create_error/> })}
                    }
                })
            })}
        </Suspense>
    }
}

/// One account's row. Only a superuser sees the buttons that act on others; anyone may
/// change their own password.
#[component]
fn UserRow(
    user: AdminUser,
    manages: bool,
    toggle: ServerAction<SetUserActive>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let u = user;
    let toggle_label = format!(
        "{} {}",
        if u.is_active {
            "Deactivate"
        } else {
            "Activate"
        },
        u.username
    );
    let pw_id = format!("pw-{}", u.id);
    let pw_label = format!("New password for {}", u.username);
    let reset_label = format!("Reset password of {}", u.username);
    let role = if u.is_superuser {
        "Superuser"
    } else if u.is_staff {
        "Staff"
    } else {
        "Customer"
    };
    let may_reset = manages || u.is_me;
    view! {
        <tr data-user=u.username.clone()>
            <th scope="row">{u.username.clone()}{u.is_me.then_some(" (you)")}</th>
            <td>{u.email.clone()}</td>
            <td>{role}</td>
            <td>{if u.is_active { "Active" } else { "Inactive" }}</td>
            <td>
                {manages.then(|| view! {
                    <ActionForm action=toggle attr:class="inline">
                        <input type="hidden" name="id" value=u.id/>
                        <input type="hidden" name="active" value=(!u.is_active).to_string()/>
                        <button type="submit" class="secondary" aria-label=toggle_label disabled=u.is_me>
                            {if u.is_active { "Deactivate" } else { "Activate" }}
                        </button>
                    </ActionForm>
                })}
            </td>
            <td>
                {may_reset.then(|| view! {
                    <ActionForm action=reset attr:class="inline">
                        <input type="hidden" name="id" value=u.id/>
                        <label for=pw_id.clone() class="visually-hidden">{pw_label}</label>
                        <input id=pw_id type="password" name="password" autocomplete="new-password" placeholder="New password"/>
                        <button type="submit" class="secondary" aria-label=reset_label>"Reset password"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[component]
fn NewStaffForm(
    create: ServerAction<CreateStaff>,
    error: impl Fn() -> Option<AppError> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    view! {
        <section class="admin-form" aria-labelledby="new-staff-heading">
            <h2 id="new-staff-heading">"New staff user"</h2>
            <ActionForm action=create attr:novalidate=true>
                <div aria-live="polite">
                    {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                    {move || matches!(create.value().get(), Some(Ok(()))).then(|| view! { <p class="notice ok">"Staff user created."</p> })}
                </div>
                <Field name="username" label="Username" autocomplete="off" required=true error=field("username")/>
                <Field name="email" label="Email" kind="email" required=true error=field("email")/>
                <Field name="password" label="Password" kind="password" autocomplete="new-password" required=true error=field("password")/>
                <div class="field">
                    <label for="field-role">"Role"</label>
                    <select id="field-role" name="role">
                        <option value="staff" selected=true>"Staff: products and orders"</option>
                        <option value="superuser">"Superuser: also users"</option>
                    </select>
                </div>
                <button type="submit">"Create staff user"</button>
            </ActionForm>
        </section>
    }
}

// ---- settings ----

/// The settings form's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsValues {
    pub display_name: String,
    pub tagline: String,
    pub primary_colour: String,
}

#[server(endpoint = "admin/store/settings")]
pub async fn get_settings() -> Result<SettingsValues, AppError> {
    let (mut tx, _) = super::ssr::staff().await?;
    let s = marketplace::settings::get(&mut tx).await?;
    tx.commit().await?;
    Ok(SettingsValues {
        display_name: s.display_name,
        tagline: s.tagline,
        primary_colour: s.primary_colour,
    })
}

#[server(endpoint = "admin/store/settings/save")]
pub async fn save_settings(
    display_name: String,
    tagline: String,
    primary_colour: String,
) -> Result<(), AppError> {
    use marketplace::settings::{self, SettingsUpdate};
    let (mut tx, _) = super::ssr::staff().await?;
    let update = SettingsUpdate::parse(&display_name, &tagline, &primary_colour)?;
    settings::update(&mut tx, &update).await?;
    tx.commit().await?;
    Ok(())
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveSettings>::new();
    let session = super::session_version();
    let settings = Resource::new(
        move || (save.version().get(), session()),
        |_| get_settings(),
    );
    view! { <AdminShell store=move || view! { <SettingsForm save settings/> }/> }
}

#[component]
fn SettingsForm(
    save: ServerAction<SaveSettings>,
    settings: Resource<Result<SettingsValues, AppError>>,
) -> impl IntoView {
    let error = action_error(save);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    view! {
        <Title text="Store settings"/>
        <h1>"Store settings"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                settings.await.map(|s| view! {
                    <ActionForm action=save attr:class="admin-form" attr:novalidate=true>
                        <div aria-live="polite">
                            {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                            {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <p class="notice ok">"Saved."</p> })}
                        </div>
                        <Field name="display_name" label="Display name" value=s.display_name required=true error=field("display_name")/>
                        <Field name="tagline" label="Tagline" value=s.tagline error=field("tagline")/>
                        <Field name="primary_colour" label="Primary colour" kind="color" value=s.primary_colour error=field("primary_colour")/>
                        <button type="submit">"Save"</button>
                    </ActionForm>
                })
            })}
        </Suspense>
    }
}
