//! `/api/v1/orders`: list (by status and creation time), get with its lines, move along
//! the workflow, cancel — on [`marketplace::orders`], whose [`OrderStatus`] table
//! decides which moves are allowed.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use app::ssr::AppState;
use marketplace::api::Scope;
use marketplace::orders::{self, Order, OrderFilter, OrderLine, OrderStatus};

use super::auth::Caller;
use super::listing::{Listing, PageQuery};
use super::problem::{Body, Params, PathParam, Problem};

/// An order's status (the workflow: pending → paid → shipped → delivered, or
/// cancelled before shipping).
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // Only describes the strings in the spec.
pub enum Status {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

/// An order. Money is a decimal string with two decimals.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    pub id: i64,
    #[schema(example = "TECH001")]
    pub order_number: String,
    pub customer_id: Option<i64>,
    pub customer_name: String,
    pub email: String,
    pub address: String,
    #[schema(value_type = Status)]
    pub status: &'static str,
    /// The statuses the order may move to next.
    #[schema(value_type = Vec<Status>)]
    pub next_statuses: Vec<&'static str>,
    #[schema(example = "1029.98")]
    pub total: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The order's lines; only when one order is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<LineOut>>,
}

/// One line of an order, with the name and price it was bought at.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineOut {
    pub product_id: Option<i64>,
    pub product_name: String,
    #[schema(example = "999.99")]
    pub unit_price: String,
    pub quantity: i32,
}

impl OrderOut {
    fn new(order: Order, lines: Option<Vec<OrderLine>>) -> Self {
        OrderOut {
            id: order.id,
            order_number: order.order_number,
            customer_id: order.customer_id,
            customer_name: order.customer_name,
            email: order.email,
            address: order.address,
            status: order.status.as_str(),
            next_statuses: order.status.next().iter().map(|s| s.as_str()).collect(),
            total: order.total.to_string(),
            created_at: order.created_at,
            updated_at: order.updated_at,
            lines: lines.map(|lines| {
                lines
                    .into_iter()
                    .map(|l| LineOut {
                        product_id: l.product_id,
                        product_name: l.product_name,
                        unit_price: l.unit_price.to_string(),
                        quantity: l.quantity,
                    })
                    .collect()
            }),
        }
    }
}

/// The filters of the order list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Only orders with this status.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Only orders created at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_from: Option<String>,
    /// Only orders created before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub created_to: Option<String>,
}

impl OrderQuery {
    fn filter(&self) -> Result<OrderFilter, Problem> {
        let time = |field: &'static str, raw: &Option<String>| {
            raw.as_deref()
                .filter(|r| !r.is_empty())
                .map(|r| {
                    DateTime::parse_from_rfc3339(r)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| {
                            Problem::bad_request(field, "Use a time like 2026-01-31T12:00:00Z.")
                        })
                })
                .transpose()
        };
        let status = match self.status.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(
                OrderStatus::parse(raw)
                    .map_err(|err| Problem::bad_request("status", err.message()))?,
            ),
        };
        Ok(OrderFilter {
            status,
            created_from: time("created_from", &self.created_from)?,
            created_to: time("created_to", &self.created_to)?,
        })
    }
}

/// A move along the order workflow.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    #[schema(value_type = Status)]
    pub status: String,
}

/// List orders, oldest first, optionally of one status and created in a time range.
#[utoipa::path(operation_id = "list_orders", get, path = "/api/v1/orders", tag = "orders",
    params(OrderQuery, PageQuery),
    responses(
        (status = 200, body = Listing<OrderOut>, description = "A page of orders",
         headers(("Link" = String, description = "The next page, rel=\"next\""))),
    ),
    security(("api_key" = ["read_orders"])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    Params(query): Params<OrderQuery>,
    Params(paging): Params<PageQuery>,
) -> Result<Response, Problem> {
    caller.require(Scope::ReadOrders)?;
    let filter = query.filter()?;
    let request = paging.parse()?;
    let mut tx = caller.read(&state).await?;
    let page = orders::page(&mut tx, &filter, &request).await?;
    tx.commit().await?;
    Ok(Listing::respond(page, &uri, |o| OrderOut::new(o, None)))
}

/// One order, with its lines.
#[utoipa::path(operation_id = "get_order", get, path = "/api/v1/orders/{number}", tag = "orders",
    params(("number" = String, Path, description = "The order number, e.g. TECH001", example = "TECH001")),
    responses((status = 200, body = OrderOut, description = "The order, with its lines")),
    security(("api_key" = ["read_orders"])))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(number): PathParam<String>,
) -> Result<Json<OrderOut>, Problem> {
    caller.require(Scope::ReadOrders)?;
    let number = order_number(number)?;
    let mut tx = caller.read(&state).await?;
    let order = orders::find_by_number(&mut tx, &number)
        .await?
        .ok_or_else(|| Problem::not_found(format!("There is no order {number}.")))?;
    let lines = orders::lines(&mut tx, order.id).await?;
    tx.commit().await?;
    Ok(Json(OrderOut::new(order, Some(lines))))
}

/// Move an order to its next status (one of its `next_statuses`).
#[utoipa::path(operation_id = "change_order_status", post, path = "/api/v1/orders/{number}/status", tag = "orders",
    params(("number" = String, Path, description = "The order number", example = "TECH001"), super::IdempotencyKey),
    request_body = StatusChange,
    responses((status = 200, body = OrderOut, description = "The order, with its lines")),
    security(("api_key" = ["write_orders"])))]
pub async fn change_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(number): PathParam<String>,
    body: Result<Body<StatusChange>, Problem>,
) -> Result<Json<OrderOut>, Problem> {
    caller.require(Scope::WriteOrders)?;
    let Body(change) = body?;
    let to = OrderStatus::parse(&change.status)?;
    move_to(&state, &caller, &number, to).await
}

/// Cancel an order that has not shipped; its items go back in stock.
#[utoipa::path(operation_id = "cancel_order", post, path = "/api/v1/orders/{number}/cancel", tag = "orders",
    params(("number" = String, Path, description = "The order number", example = "TECH001"), super::IdempotencyKey),
    responses((status = 200, body = OrderOut, description = "The order, with its lines")),
    security(("api_key" = ["write_orders"])))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(number): PathParam<String>,
) -> Result<Json<OrderOut>, Problem> {
    caller.require(Scope::WriteOrders)?;
    move_to(&state, &caller, &number, OrderStatus::Cancelled).await
}

/// An order number from a path: one that could exist (no order number holds a control
/// character, which PostgreSQL's text may not even hold), else the order is not found.
fn order_number(raw: String) -> Result<String, Problem> {
    if raw.len() > 64 || raw.chars().any(char::is_control) {
        return Err(Problem::not_found("There is no such order."));
    }
    Ok(raw)
}

async fn move_to(
    state: &AppState,
    caller: &Caller,
    number: &str,
    to: OrderStatus,
) -> Result<Json<OrderOut>, Problem> {
    let number = order_number(number.to_owned())?;
    let number = number.as_str();
    let mut tx = caller.write(state).await?;
    let order = orders::set_status(&mut tx, number, to).await?;
    let lines = orders::lines(&mut tx, order.id).await?;
    tx.commit().await?;
    Ok(Json(OrderOut::new(order, Some(lines))))
}
