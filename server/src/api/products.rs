//! `/api/v1/products`: list, get, create, update, deactivate and adjust stock, on the
//! catalogue's own functions ([`marketplace::catalog`]).

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use app::ssr::AppState;
use marketplace::api::Scope;
use marketplace::catalog::{self, Price, Product, ProductInput};

use super::auth::Caller;
use super::listing::{Listing, PageQuery};
use super::problem::{Body, Params, PathParam, Problem};

/// A product. Money is a decimal string with two decimals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductOut {
    pub id: i64,
    pub name: String,
    pub description: String,
    #[schema(example = "19.99")]
    pub price: String,
    pub stock: i32,
    /// Whether the product is on sale.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Product> for ProductOut {
    fn from(p: Product) -> Self {
        ProductOut {
            id: p.id,
            name: p.name,
            description: p.description,
            price: p.price.to_string(),
            stock: p.stock,
            is_active: p.is_active,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A new product.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    /// A decimal string, at most two decimals.
    #[schema(example = "19.99")]
    pub price: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub stock: i32,
}

/// Changes to a product: only the fields given change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductChanges {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(example = "24.50")]
    pub price: Option<String>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub stock: Option<i32>,
    pub is_active: Option<bool>,
}

/// A stock adjustment: items added (or, when negative, taken away).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockChange {
    #[schema(example = -2)]
    pub delta: i32,
}

/// List the store's products, on sale or not, oldest first.
#[utoipa::path(operation_id = "list_products", get, path = "/api/v1/products", tag = "products",
    params(PageQuery),
    responses(
        (status = 200, body = Listing<ProductOut>, description = "A page of products",
         headers(("Link" = String, description = "The next page, rel=\"next\""))),
    ),
    security(("api_key" = ["read_products"])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    Params(query): Params<PageQuery>,
) -> Result<Response, Problem> {
    caller.require(Scope::ReadProducts)?;
    let request = query.parse()?;
    let mut tx = caller.read(&state).await?;
    let page = catalog::page(&mut tx, &request).await?;
    tx.commit().await?;
    Ok(Listing::respond(page, &uri, ProductOut::from))
}

/// One product.
#[utoipa::path(operation_id = "get_product", get, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = i64, Path, description = "The product's id", example = 1)),
    responses((status = 200, body = ProductOut, description = "The product")),
    security(("api_key" = ["read_products"])))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<ProductOut>, Problem> {
    caller.require(Scope::ReadProducts)?;
    let mut tx = caller.read(&state).await?;
    let product = catalog::get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(product.into()))
}

/// Create a product.
#[utoipa::path(operation_id = "create_product", post, path = "/api/v1/products", tag = "products",
    params(super::IdempotencyKey),
    request_body = NewProduct,
    responses(
        (status = 201, body = ProductOut, description = "Created",
         headers(("Location" = String, description = "The new product"))),
    ),
    security(("api_key" = ["write_products"])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Body<NewProduct>, Problem>,
) -> Result<Response, Problem> {
    caller.require(Scope::WriteProducts)?;
    let Body(new) = body?;
    let input = ProductInput::parse(
        &new.name,
        &new.description,
        &new.price,
        &new.stock.to_string(),
    )?;
    let mut tx = caller.write(&state).await?;
    let product = catalog::create(&mut tx, &input).await?;
    tx.commit().await?;
    let location = format!("/api/v1/products/{}", product.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ProductOut::from(product)),
    )
        .into_response())
}

/// Change a product's fields (only those given), and take it off sale or back on.
#[utoipa::path(operation_id = "update_product", patch, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = i64, Path, description = "The product's id", example = 1)),
    request_body = ProductChanges,
    responses((status = 200, body = ProductOut, description = "The product")),
    security(("api_key" = ["write_products"])))]
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
    body: Result<Body<ProductChanges>, Problem>,
) -> Result<Json<ProductOut>, Problem> {
    caller.require(Scope::WriteProducts)?;
    let Body(changes) = body?;
    let mut tx = caller.write(&state).await?;
    let current = catalog::get(&mut tx, id).await?;
    let price = match &changes.price {
        Some(raw) => Price::parse(raw)?,
        None => Price::new(current.price)?,
    };
    let input = ProductInput::parse(
        changes.name.as_deref().unwrap_or(&current.name),
        changes
            .description
            .as_deref()
            .unwrap_or(&current.description),
        &price.amount().to_string(),
        &changes.stock.unwrap_or(current.stock).to_string(),
    )?;
    let mut product = catalog::update(&mut tx, id, &input).await?;
    if let Some(active) = changes.is_active {
        product = catalog::set_active(&mut tx, id, active).await?;
    }
    tx.commit().await?;
    Ok(Json(product.into()))
}

/// Take a product off sale. Products are never deleted through the API: past orders
/// refer to them.
#[utoipa::path(operation_id = "deactivate_product", delete, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = i64, Path, description = "The product's id", example = 1)),
    responses((status = 200, body = ProductOut, description = "The product, now off sale")),
    security(("api_key" = ["write_products"])))]
pub async fn deactivate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<ProductOut>, Problem> {
    caller.require(Scope::WriteProducts)?;
    let mut tx = caller.write(&state).await?;
    let product = catalog::set_active(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(Json(product.into()))
}

/// Add items to a product's stock, or take them away (a negative `delta`).
#[utoipa::path(operation_id = "adjust_product_stock", post, path = "/api/v1/products/{id}/stock", tag = "products",
    params(("id" = i64, Path, description = "The product's id", example = 1), super::IdempotencyKey),
    request_body = StockChange,
    responses((status = 200, body = ProductOut, description = "The product")),
    security(("api_key" = ["write_products"])))]
pub async fn adjust_stock(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
    body: Result<Body<StockChange>, Problem>,
) -> Result<Json<ProductOut>, Problem> {
    caller.require(Scope::WriteProducts)?;
    let Body(change) = body?;
    let mut tx = caller.write(&state).await?;
    let product = catalog::adjust_stock(&mut tx, id, change.delta).await?;
    tx.commit().await?;
    Ok(Json(product.into()))
}
