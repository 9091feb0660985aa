//! `/api/v1/customers` (the store's customer accounts, never its staff) and
//! `/api/v1/settings` (the store's presentation), read-only.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use app::ssr::AppState;
use marketplace::accounts::{self, User};
use marketplace::api::Scope;
use marketplace::settings::{self, StoreSettings};

use super::auth::Caller;
use super::listing::{Listing, PageQuery};
use super::problem::{Params, PathParam, Problem};

/// A customer account (its password never leaves the store).
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<User> for CustomerOut {
    fn from(u: User) -> Self {
        CustomerOut {
            id: u.id,
            username: u.username,
            email: u.email,
            full_name: u.full_name,
            is_active: u.is_active,
            last_login: u.last_login,
            created_at: u.created_at,
        }
    }
}

/// The store's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsOut {
    pub display_name: String,
    pub tagline: String,
    #[schema(example = "#2f5bea")]
    pub primary_colour: String,
    #[schema(example = "$")]
    pub currency_symbol: String,
    /// What order numbers start with.
    #[schema(example = "TECH")]
    pub order_prefix: String,
}

impl From<StoreSettings> for SettingsOut {
    fn from(s: StoreSettings) -> Self {
        SettingsOut {
            display_name: s.display_name,
            tagline: s.tagline,
            primary_colour: s.primary_colour,
            currency_symbol: s.currency_symbol,
            order_prefix: s.order_prefix,
        }
    }
}

/// List the store's customers, oldest first.
#[utoipa::path(operation_id = "list_customers", get, path = "/api/v1/customers", tag = "customers",
    params(PageQuery),
    responses(
        (status = 200, body = Listing<CustomerOut>, description = "A page of customers",
         headers(("Link" = String, description = "The next page, rel=\"next\""))),
    ),
    security(("api_key" = ["read_customers"])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    Params(query): Params<PageQuery>,
) -> Result<Response, Problem> {
    caller.require(Scope::ReadCustomers)?;
    let request = query.parse()?;
    let mut tx = caller.read(&state).await?;
    let page = accounts::customers(&mut tx, &request).await?;
    tx.commit().await?;
    Ok(Listing::respond(page, &uri, CustomerOut::from))
}

/// One customer.
#[utoipa::path(operation_id = "get_customer", get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i64, Path, description = "The customer's id")),
    responses((status = 200, body = CustomerOut, description = "The customer")),
    security(("api_key" = ["read_customers"])))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<CustomerOut>, Problem> {
    caller.require(Scope::ReadCustomers)?;
    let mut tx = caller.read(&state).await?;
    let customer = accounts::customer(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(customer.into()))
}

/// The store's settings.
#[utoipa::path(operation_id = "get_settings", get, path = "/api/v1/settings", tag = "settings",
    responses((status = 200, body = SettingsOut, description = "The settings")),
    security(("api_key" = ["read_settings"])))]
pub async fn settings(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<SettingsOut>, Problem> {
    caller.require(Scope::ReadSettings)?;
    let mut tx = caller.read(&state).await?;
    let current = settings::get(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(current.into()))
}
