//! The store's orders: a list filtered by status, and one order's page with the
//! workflow steps the core allows it next.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::admin::{session_version, AdminShell};
use crate::error::AppError;
use crate::forms::action_error;
use crate::store::checkout::{OrderDetail, OrderView};
use crate::ui::loaded;

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
    let (mut tx, _) = crate::admin::ssr::staff().await?;
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
            total: marketplace::money::Money(o.total).to_string(),
            placed_at: o.created_at.format("%Y-%m-%d %H:%M").to_string(),
        })
        .collect())
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status").filter(|s| !s.is_empty());
    let session = session_version();
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

/// One order as staff see it: the page its buyer sees, and the steps its workflow
/// allows next (from [`marketplace::orders::OrderStatus::next`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminOrder {
    pub order: OrderView,
    pub next: Vec<NextStep>,
}

/// A workflow button: the status it moves the order to and what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextStep {
    pub status: String,
    pub label: String,
    /// Cancelling is shown as the dangerous choice it is.
    pub cancels: bool,
}

#[cfg(feature = "ssr")]
impl From<marketplace::orders::OrderStatus> for NextStep {
    fn from(to: marketplace::orders::OrderStatus) -> Self {
        use marketplace::orders::OrderStatus::*;
        let label = match to {
            Pending => "Mark pending",
            Paid => "Mark paid",
            Shipped => "Mark shipped",
            Delivered => "Mark delivered",
            Cancelled => "Cancel order",
        };
        NextStep {
            status: to.as_str().to_owned(),
            label: label.to_owned(),
            cancels: to == Cancelled,
        }
    }
}

#[server(endpoint = "admin/store/order")]
pub async fn get_order(number: String) -> Result<AdminOrder, AppError> {
    use marketplace::orders;
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let brand = crate::store::brand(&mut tx).await?;
    let order = orders::find_by_number(&mut tx, &number)
        .await?
        .ok_or(AppError::NotFound("order".into()))?;
    let lines = orders::lines(&mut tx, order.id).await?;
    tx.commit().await?;
    Ok(AdminOrder {
        order: crate::store::checkout::order_view(&order, &lines, &brand),
        next: order
            .status
            .next()
            .iter()
            .copied()
            .map(NextStep::from)
            .collect(),
    })
}

/// Moves an order along its workflow; cancelling puts its items back in stock.
#[server(endpoint = "admin/store/order/status")]
pub async fn set_order_status(number: String, status: String) -> Result<String, AppError> {
    use marketplace::orders::{self, OrderStatus};
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let to = OrderStatus::parse(&status)?;
    let order = orders::set_status(&mut tx, &number, to).await?;
    tx.commit().await?;
    Ok(order.status.as_str().to_owned())
}

#[component]
pub fn OrderAdminPage() -> impl IntoView {
    let params = use_params_map();
    let change = ServerAction::<SetOrderStatus>::new();
    let session = session_version();
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

/// The order's workflow buttons above the page its buyer sees.
#[component]
fn OrderAdmin(
    change: ServerAction<SetOrderStatus>,
    order: Resource<Result<AdminOrder, AppError>>,
) -> impl IntoView {
    let error = action_error(change);
    loaded(order, move |AdminOrder { order, next }| {
        let buttons = next
            .into_iter()
            .map(|step| {
                let number = order.number.clone();
                view! {
                    <ActionForm action=change attr:class="inline">
                        <input type="hidden" name="number" value=number/>
                        <input type="hidden" name="status" value=step.status/>
                        <button type="submit" class:danger=step.cancels>{step.label}</button>
                    </ActionForm>
                }
            })
            .collect_view();
        view! {
            <div class="workflow" aria-live="polite">
                {move || error().map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
                <div class="workflow-buttons">{buttons}</div>
            </div>
            <OrderDetail order/>
        }
    })
}
