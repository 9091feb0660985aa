//! Checkout and the order confirmation. Placing an order is one transaction in the core
//! (`orders::place`): prices and totals from the database, stock taken atomically, the
//! store's own order numbers, and the form's one-time key so a double submit places
//! one order.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use super::cart::CartView;
use super::{StoreActions, StoreLayout};
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};
use crate::ui::{loaded, money};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutView {
    pub cart: CartView,
    /// A fresh one-time key for this form.
    pub key: String,
    pub name: String,
    pub email: String,
}

#[server(endpoint = "checkout/view")]
pub async fn load_checkout() -> Result<CheckoutView, AppError> {
    use marketplace::{accounts, cart, password};
    let mut tx = crate::ssr::read().await?;
    let brand = super::brand(&mut tx).await?;
    let session = crate::ssr::current_session(&mut tx).await?;
    let (cart, customer) = match &session {
        Some(session) => {
            let cart = cart::get(&mut tx, cart::Owner::of(session)).await?;
            let customer = match session.user_id {
                Some(id) => accounts::find(&mut tx, id).await?,
                None => None,
            };
            (cart, customer)
        }
        None => (cart::Cart { lines: Vec::new() }, None),
    };
    tx.commit().await?;
    Ok(CheckoutView {
        cart: super::cart::view_of(&cart, &brand),
        key: password::random_token(32),
        name: customer
            .as_ref()
            .map(|c| c.full_name.clone())
            .unwrap_or_default(),
        email: customer.map(|c| c.email).unwrap_or_default(),
    })
}

/// Places the visitor's cart as an order and sends them to its confirmation.
#[server(endpoint = "checkout/place")]
pub async fn place_order(
    name: String,
    email: String,
    address: String,
    key: String,
) -> Result<String, AppError> {
    use marketplace::checkout::{self, CheckoutInput};

    let input = CheckoutInput::parse(&name, &email, &address, &key)?;
    let mut tx = crate::ssr::write().await?;
    let session = crate::ssr::current_session(&mut tx).await?;
    let placed = checkout::place(&mut tx, session.as_ref(), input).await?;
    tx.commit().await?;
    let order = placed.order();
    leptos_axum::redirect(&format!("/orders/{}", order.order_number));
    Ok(order.order_number.clone())
}

/// `/checkout`.
#[component]
pub fn CheckoutPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_checkout());
    view! {
        <StoreLayout>
            {loaded(page, move |page| view! { <CheckoutForm page/> })}
        </StoreLayout>
    }
}

#[component]
fn CheckoutForm(page: CheckoutView) -> impl IntoView {
    let place = expect_context::<StoreActions>().action::<PlaceOrder>();
    let error = action_error(place);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    let symbol = page.cart.currency_symbol.clone();
    let title = format!("Checkout · {}", page.cart.store_name);
    if page.cart.lines.is_empty() {
        return view! {
            <Title text=title/>
            <section class="checkout">
                <h1>"Checkout"</h1>
                <p class="empty">"Your cart is empty."</p>
                <p><a class="button" href="/">"Continue shopping"</a></p>
            </section>
        }
        .into_any();
    }
    let summary = page
        .cart
        .lines
        .iter()
        .map(|l| {
            view! {
                <li>
                    <span>{l.quantity} " × " {l.name.clone()}</span>
                    <span>{money(&symbol, &l.line_total)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <Title text=title/>
        <section class="checkout">
            <h1>"Checkout"</h1>
            <div class="checkout-grid">
                <ActionForm action=place attr:class="checkout-form" attr:novalidate=true>
                    <div aria-live="polite">
                        {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                    </div>
                    <input type="hidden" name="key" value=page.key.clone()/>
                    <Field name="name" label="Name" value=page.name.clone() autocomplete="name" required=true error=field("name")/>
                    <Field name="email" label="Email" kind="email" value=page.email.clone() autocomplete="email" required=true error=field("email")/>
                    <Field name="address" label="Address" multiline=true autocomplete="street-address" required=true error=field("address")/>
                    <button type="submit" disabled=move || place.pending().get()>"Place order"</button>
                </ActionForm>
                <aside class="order-summary" aria-labelledby="summary-heading">
                    <h2 id="summary-heading">"Your order"</h2>
                    <ul>{summary}</ul>
                    <p class="total"><span>"Total"</span> <span>{money(&symbol, &page.cart.subtotal)}</span></p>
                    <p class="hint">"Prices are confirmed when you place the order."</p>
                </aside>
            </div>
        </section>
    }
    .into_any()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub name: String,
    pub quantity: i32,
    pub unit_price: String,
    pub line_total: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub store_name: String,
    pub currency_symbol: String,
    pub number: String,
    pub status: String,
    pub customer_name: String,
    pub email: String,
    pub address: String,
    pub placed_at: String,
    pub lines: Vec<OrderLineView>,
    pub total: String,
}

#[cfg(feature = "ssr")]
pub(crate) fn order_view(
    order: &marketplace::orders::Order,
    lines: &[marketplace::orders::OrderLine],
    brand: &super::StoreBrand,
) -> OrderView {
    OrderView {
        store_name: brand.name.clone(),
        currency_symbol: brand.currency_symbol.clone(),
        number: order.order_number.clone(),
        status: order.status.as_str().to_owned(),
        customer_name: order.customer_name.clone(),
        email: order.email.clone(),
        address: order.address.clone(),
        placed_at: order.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        lines: lines
            .iter()
            .map(|l| OrderLineView {
                name: l.product_name.clone(),
                quantity: l.quantity,
                unit_price: marketplace::money::Money(l.unit_price).to_string(),
                line_total: marketplace::money::Money(l.line_total()).to_string(),
            })
            .collect(),
        total: marketplace::money::Money(order.total).to_string(),
    }
}

/// An order, for the session or customer that placed it only.
#[server(endpoint = "orders/view")]
pub async fn load_order(number: String) -> Result<OrderView, AppError> {
    use marketplace::orders;
    let mut tx = crate::ssr::read().await?;
    let brand = super::brand(&mut tx).await?;
    let session = crate::ssr::current_session(&mut tx).await?;
    let order = orders::find_for_buyer(
        &mut tx,
        &number,
        session.as_ref().map(|s| s.id),
        session.as_ref().and_then(|s| s.user_id),
    )
    .await?
    .ok_or_else(|| AppError::NotFound("order".into()))?;
    let lines = orders::lines(&mut tx, order.id).await?;
    tx.commit().await?;
    Ok(order_view(&order, &lines, &brand))
}

/// `/orders/{number}`: the confirmation.
#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let order = Resource::new(
        move || params.read().get("number").unwrap_or_default(),
        load_order,
    );
    view! {
        <StoreLayout>
            {loaded(order, move |order| view! { <OrderDetail order/> })}
        </StoreLayout>
    }
}

#[component]
pub fn OrderDetail(order: OrderView) -> impl IntoView {
    let symbol = order.currency_symbol.clone();
    let rows = order
        .lines
        .iter()
        .map(|l| {
            view! {
                <tr>
                    <th scope="row">{l.name.clone()}</th>
                    <td class="num">{l.quantity}</td>
                    <td class="num">{money(&symbol, &l.unit_price)}</td>
                    <td class="num">{money(&symbol, &l.line_total)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=format!("Order {} · {}", order.number, order.store_name)/>
        <section class="order">
            <h1>"Order " <span class="order-number">{order.number.clone()}</span></h1>
            <p class="confirmation" role="status">"Thank you, " {order.customer_name.clone()} "! Your order is confirmed."</p>
            <dl class="order-facts">
                <dt>"Status"</dt><dd class="status" data-status=order.status.clone()>{order.status.clone()}</dd>
                <dt>"Placed"</dt><dd>{order.placed_at.clone()}</dd>
                <dt>"Email"</dt><dd>{order.email.clone()}</dd>
                <dt>"Deliver to"</dt><dd class="address">{order.address.clone()}</dd>
            </dl>
            <table class="cart-table">
                <thead>
                    <tr>
                        <th scope="col">"Product"</th>
                        <th scope="col" class="num">"Quantity"</th>
                        <th scope="col" class="num">"Price"</th>
                        <th scope="col" class="num">"Total"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr><th scope="row" colspan="3">"Total"</th><td class="num total">{money(&symbol, &order.total)}</td></tr>
                </tfoot>
            </table>
            <p><a href="/">"Continue shopping"</a></p>
        </section>
    }
}
