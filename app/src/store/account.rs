//! Customer accounts of one store: register, log in, log out, order history. Accounts
//! live in the store's own schema — registering on one store creates nothing on another,
//! and the same email may hold separate accounts in two stores.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::{StoreActions, StoreLayout};
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};
use crate::ui::{money, PageError};

#[server(endpoint = "account/register")]
pub async fn register(name: String, email: String, password: String) -> Result<(), AppError> {
    use marketplace::accounts::{self, NewCustomer};

    let new = NewCustomer::parse(&name, &email, &password)?.hash().await;
    let mut tx = crate::ssr::write().await?;
    let user = accounts::register(&mut tx, new).await?;
    crate::ssr::start_user_session(&mut tx, &user).await?;
    tx.commit().await?;
    leptos_axum::redirect("/account/orders");
    Ok(())
}

#[server(endpoint = "account/login")]
pub async fn customer_login(email: String, password: String) -> Result<(), AppError> {
    use marketplace::accounts::Door;
    crate::ssr::log_in(&email.trim().to_lowercase(), &password, Door::Storefront).await?;
    leptos_axum::redirect("/account/orders");
    Ok(())
}

#[server(endpoint = "account/logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::ssr::log_out().await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub number: String,
    pub status: String,
    pub total: String,
    pub placed_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyOrders {
    pub store_name: String,
    pub currency_symbol: String,
    pub customer: String,
    pub orders: Vec<OrderSummary>,
}

#[server(endpoint = "account/orders")]
pub async fn load_my_orders() -> Result<MyOrders, AppError> {
    use marketplace::{accounts, orders};
    let mut tx = crate::ssr::read().await?;
    let brand = super::brand(&mut tx).await?;
    let user_id = crate::ssr::current_session(&mut tx)
        .await?
        .and_then(|s| s.user_id)
        .ok_or(AppError::Unauthorized)?;
    let user = accounts::find(&mut tx, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let list = orders::list_for_customer(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(MyOrders {
        store_name: brand.name,
        currency_symbol: brand.currency_symbol,
        customer: if user.full_name.is_empty() {
            user.username
        } else {
            user.full_name
        },
        orders: list
            .into_iter()
            .map(|o| OrderSummary {
                number: o.order_number,
                status: o.status.as_str().to_owned(),
                total: marketplace::money::Money(o.total).to_string(),
                placed_at: o.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            })
            .collect(),
    })
}

/// `/account/register`.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = expect_context::<StoreActions>().action::<Register>();
    let error = action_error(register);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    view! {
        <StoreLayout>
            <Title text="Create an account"/>
            <section class="account-form">
                <h1>"Create an account"</h1>
                <p>"Your account belongs to this store only."</p>
                <ActionForm action=register attr:novalidate=true>
                    <div aria-live="polite">
                        {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                    </div>
                    <Field name="name" label="Name" autocomplete="name" required=true error=field("name")/>
                    <Field name="email" label="Email" kind="email" autocomplete="email" required=true error=field("email")/>
                    <Field name="password" label="Password" kind="password" autocomplete="new-password" required=true error=field("password")/>
                    <button type="submit" disabled=move || register.pending().get()>"Create account"</button>
                </ActionForm>
                <p>"Already have an account? " <a href="/account/login">"Log in"</a></p>
            </section>
        </StoreLayout>
    }
}

/// `/account/login`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = expect_context::<StoreActions>().action::<CustomerLogin>();
    let error = action_error(login);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    view! {
        <StoreLayout>
            <Title text="Log in"/>
            <section class="account-form">
                <h1>"Log in"</h1>
                <ActionForm action=login attr:novalidate=true>
                    <div aria-live="polite">
                        {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                    </div>
                    <Field name="email" label="Email" kind="email" autocomplete="email" required=true error=field("email")/>
                    <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error=field("password")/>
                    <button type="submit" disabled=move || login.pending().get()>"Log in"</button>
                </ActionForm>
                <p>"New here? " <a href="/account/register">"Create an account"</a></p>
            </section>
        </StoreLayout>
    }
}

/// `/account/logout`: a button, since logging out changes state (never a GET link).
#[component]
pub fn LogoutPage() -> impl IntoView {
    let logout = expect_context::<StoreActions>().action::<Logout>();
    view! {
        <StoreLayout>
            <Title text="Log out"/>
            <section class="account-form">
                <h1>"Log out"</h1>
                <ActionForm action=logout>
                    <button type="submit">"Log out"</button>
                </ActionForm>
            </section>
        </StoreLayout>
    }
}

/// `/account/orders`: the customer's order history.
#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let actions = expect_context::<StoreActions>();
    let orders = Resource::new(move || actions.version(), |_| load_my_orders());
    view! {
        <StoreLayout>
            <Title text="My orders"/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match orders.await {
                        Ok(mine) => view! { <OrderHistory mine/> }.into_any(),
                        Err(AppError::Unauthorized) => view! {
                            <section class="account-form">
                                <h1>"My orders"</h1>
                                <p>"Please " <a href="/account/login">"log in"</a> " to see your orders."</p>
                            </section>
                        }.into_any(),
                        Err(error) => view! { <PageError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </StoreLayout>
    }
}

#[component]
fn OrderHistory(mine: MyOrders) -> impl IntoView {
    let symbol = mine.currency_symbol.clone();
    let rows = mine
        .orders
        .iter()
        .map(|o| {
            view! {
                <tr>
                    <th scope="row"><a href=format!("/orders/{}", o.number)>{o.number.clone()}</a></th>
                    <td>{o.placed_at.clone()}</td>
                    <td class="status" data-status=o.status.clone()>{o.status.clone()}</td>
                    <td class="num">{money(&symbol, &o.total)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="my-orders">
            <h1>"My orders"</h1>
            <p>"Signed in as " {mine.customer.clone()} " at " {mine.store_name.clone()} "."</p>
            {if mine.orders.is_empty() {
                view! { <p class="empty">"No orders yet."</p> }.into_any()
            } else {
                view! {
                    <table class="cart-table">
                        <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Status"</th><th scope="col" class="num">"Total"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
