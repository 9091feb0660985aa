//! The cart: adding, changing and removing lines, and the `/cart` page. Kept on the
//! server in the store's own schema, tied to the visitor's session cookie.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::{StoreActions, StoreLayout};
use crate::error::AppError;
use crate::forms::action_error;
use crate::ui::{loaded, money};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartLineView {
    pub product_id: i64,
    pub name: String,
    pub unit_price: String,
    pub quantity: i32,
    pub line_total: String,
    /// The most this line may hold (stock and the 99 cap).
    pub max_quantity: i32,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartView {
    pub store_name: String,
    pub currency_symbol: String,
    pub lines: Vec<CartLineView>,
    pub item_count: i64,
    pub subtotal: String,
}

#[cfg(feature = "ssr")]
pub(crate) fn view_of(cart: &marketplace::cart::Cart, brand: &super::StoreBrand) -> CartView {
    use marketplace::orders::MAX_QUANTITY;
    CartView {
        store_name: brand.name.clone(),
        currency_symbol: brand.currency_symbol.clone(),
        lines: cart
            .lines
            .iter()
            .map(|l| CartLineView {
                product_id: l.product_id,
                name: l.name.clone(),
                unit_price: marketplace::money::Money(l.unit_price).to_string(),
                quantity: l.quantity,
                line_total: marketplace::money::Money(l.line_total()).to_string(),
                max_quantity: l.stock.clamp(1, MAX_QUANTITY),
                problem: if !l.is_active {
                    Some("No longer sold: please remove it.".into())
                } else if l.stock == 0 {
                    Some("Out of stock: please remove it.".into())
                } else if l.quantity > l.stock {
                    Some(format!("Only {} left.", l.stock))
                } else {
                    None
                },
            })
            .collect(),
        item_count: cart.item_count(),
        subtotal: marketplace::money::Money(cart.subtotal()).to_string(),
    }
}

/// What "Add to cart" answers: the product's name for the notice, and how many items
/// the cart holds after the add, so the header's cart indicator updates from this answer
/// instead of asking the server again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartAdded {
    pub name: String,
    pub cart_items: i64,
}

/// Adds to the visitor's cart (starting a session if needed).
#[server(endpoint = "cart/add")]
pub async fn add_to_cart(product_id: i64, quantity: i32) -> Result<CartAdded, AppError> {
    use marketplace::{cart, catalog};
    let mut tx = crate::ssr::write().await?;
    let session = crate::ssr::session_or_start(&mut tx).await?;
    let owner = cart::Owner::of(&session);
    cart::add(&mut tx, owner, product_id, quantity).await?;
    let name = catalog::get(&mut tx, product_id).await?.name;
    let cart_items = cart::count(&mut tx, owner).await?;
    tx.commit().await?;
    Ok(CartAdded { name, cart_items })
}

/// Sets a cart line's quantity (0 removes it).
#[server(endpoint = "cart/update")]
pub async fn update_cart_line(product_id: i64, quantity: i32) -> Result<(), AppError> {
    use marketplace::cart;
    let mut tx = crate::ssr::write().await?;
    let session = crate::ssr::session_or_start(&mut tx).await?;
    cart::set_quantity(&mut tx, cart::Owner::of(&session), product_id, quantity).await?;
    tx.commit().await?;
    Ok(())
}

#[server(endpoint = "cart/remove")]
pub async fn remove_cart_line(product_id: i64) -> Result<(), AppError> {
    use marketplace::cart;
    let mut tx = crate::ssr::write().await?;
    if let Some(session) = crate::ssr::current_session(&mut tx).await? {
        cart::remove(&mut tx, cart::Owner::of(&session), product_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The visitor's cart as the cart page shows it.
#[server(endpoint = "cart/view")]
pub async fn load_cart() -> Result<CartView, AppError> {
    use marketplace::cart;
    let mut tx = crate::ssr::read().await?;
    let brand = super::brand(&mut tx).await?;
    let cart = match crate::ssr::current_session(&mut tx).await? {
        Some(session) => cart::get(&mut tx, cart::Owner::of(&session)).await?,
        None => cart::Cart { lines: Vec::new() },
    };
    tx.commit().await?;
    Ok(view_of(&cart, &brand))
}

/// `/cart`.
#[component]
pub fn CartPage() -> impl IntoView {
    let store = expect_context::<StoreActions>();
    let actions = LineActions {
        update_line: store.action(),
        remove_line: store.action(),
    };
    let cart = Resource::new(move || store.version(), |_| load_cart());
    let update_error = action_error(actions.update_line);
    view! {
        <StoreLayout>
            {loaded(cart, move |cart| view! { <CartTable cart actions update_error=Signal::derive(update_error)/> })}
        </StoreLayout>
    }
}

/// The cart page's own actions on its lines.
#[derive(Clone, Copy)]
struct LineActions {
    update_line: ServerAction<UpdateCartLine>,
    remove_line: ServerAction<RemoveCartLine>,
}

#[component]
fn CartTable(
    cart: CartView,
    actions: LineActions,
    update_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let symbol = cart.currency_symbol.clone();
    let title = format!("Cart · {}", cart.store_name);
    if cart.lines.is_empty() {
        return view! {
            <Title text=title/>
            <section class="cart">
                <h1>"Your cart"</h1>
                <p class="empty">"Your cart is empty."</p>
                <p><a class="button" href="/">"Continue shopping"</a></p>
            </section>
        }
        .into_any();
    }
    let rows = cart
        .lines
        .into_iter()
        .map(|line| {
            let symbol = symbol.clone();
            let qty_id = format!("qty-{}", line.product_id);
            let qty_label = format!("Quantity of {}", line.name);
            let update_label = format!("Update quantity of {}", line.name);
            let remove_label = format!("Remove {} from cart", line.name);
            view! {
                <tr data-product-id=line.product_id>
                    <th scope="row">
                        <a href=format!("/products/{}", line.product_id)>{line.name.clone()}</a>
                        {line.problem.clone().map(|p| view! { <p class="stock">{p}</p> })}
                    </th>
                    <td class="num">{money(&symbol, &line.unit_price)}</td>
                    <td>
                        <ActionForm action=actions.update_line attr:class="inline">
                            <input type="hidden" name="product_id" value=line.product_id/>
                            <label for=qty_id.clone() class="visually-hidden">{qty_label}</label>
                            <input id=qty_id type="number" name="quantity" value=line.quantity min="0" max=line.max_quantity required/>
                            <button type="submit" class="secondary" aria-label=update_label>"Update"</button>
                        </ActionForm>
                    </td>
                    <td class="num">{money(&symbol, &line.line_total)}</td>
                    <td>
                        <ActionForm action=actions.remove_line attr:class="inline">
                            <input type="hidden" name="product_id" value=line.product_id/>
                            <button type="submit" class="link" aria-label=remove_label>"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=title/>
        <section class="cart">
            <h1>"Your cart"</h1>
            <div aria-live="polite">
                {move || update_error.get().map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
            </div>
            <table class="cart-table">
                <thead>
                    <tr>
                        <th scope="col">"Product"</th>
                        <th scope="col" class="num">"Price"</th>
                        <th scope="col">"Quantity"</th>
                        <th scope="col" class="num">"Total"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row" colspan="3">"Subtotal (" {cart.item_count} " items)"</th>
                        <td class="num subtotal">{money(&symbol, &cart.subtotal)}</td>
                        <td></td>
                    </tr>
                </tfoot>
            </table>
            <p class="cart-actions">
                <a href="/">"Continue shopping"</a>
                <a class="button" href="/checkout">"Checkout"</a>
            </p>
        </section>
    }
    .into_any()
}
