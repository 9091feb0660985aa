//! A store's theme images over plain HTTP: the logo and favicon upload (a multipart
//! form on the theme editor, so it works without JavaScript) and serving the stored
//! images under their content-hashed names.
//!
//! The upload is judged by the core ([`marketplace::theme::assets::Upload`]): type
//! from the bytes, size and dimension caps. An SVG is served with a policy that lets no
//! script in it run, even when it is opened on its own rather than through `<img>`.

use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use app::ssr::{AppState, RequestSite, SESSION_COOKIE};
use marketplace::tenancy::TenantTx;
use marketplace::theme::assets::{AssetKind, AssetName, Upload};
use marketplace::theme::store;
use marketplace::{accounts, sessions};

use crate::error::ApiError;

/// What an image may do when opened directly: nothing but draw itself.
const IMAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/theme/{name}", get(asset))
        .route("/admin/theme/upload", post(upload))
}

/// A stored image, cached for a year: its name changes with its content.
async fn asset(
    State(state): State<AppState>,
    Extension(site): Extension<RequestSite>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let missing = || ApiError::not_found("No such image.");
    let tenant = site.tenant().ok_or_else(missing)?;
    let name = AssetName::parse(&name).ok_or_else(missing)?;
    let mut tx = TenantTx::begin_read_only(&state.stores, &tenant.schema_name).await?;
    let found = store::asset(&mut tx, name.as_str()).await?;
    tx.commit().await?;
    let (content_type, bytes) = found.ok_or_else(missing)?;
    let content_type = HeaderValue::from_str(&content_type)
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Bad stored image."))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(IMAGE_CSP),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Takes the form's `kind` (`logo` or `favicon`) and `image` file, stores the image and
/// puts it in the draft, then sends the browser back to the editor (with
/// `?upload_error=<kind>` when the image was refused; nothing is stored then).
async fn upload(
    State(state): State<AppState>,
    Extension(site): Extension<RequestSite>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let tenant = site
        .tenant()
        .ok_or_else(|| ApiError::not_found("Themes belong to a store's host."))?;
    let mut tx = TenantTx::begin(&state.stores, &tenant.schema_name).await?;
    require_staff(&mut tx, &headers).await?;

    let (mut kind, mut bytes) = (None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, err.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let value = field
            .bytes()
            .await
            .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, err.body_text()))?;
        match name.as_str() {
            "kind" => kind = AssetKind::parse(&String::from_utf8_lossy(&value)),
            "image" => bytes = Some(value.to_vec()),
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| {
        ApiError::new(StatusCode::BAD_REQUEST, "Say which image: logo or favicon.")
    })?;
    match Upload::parse(kind, bytes.unwrap_or_default()) {
        Ok(upload) => {
            store::put_asset(&mut tx, &upload).await?;
            tx.commit().await?;
            Ok(Redirect::to("/admin/theme?uploaded=1").into_response())
        }
        Err(marketplace::Error::Invalid { field, .. }) => {
            Ok(Redirect::to(&format!("/admin/theme?upload_error={field}")).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

/// Refuses anyone but a logged-in, active staff user of this store (the same rule as
/// the admin's server functions).
async fn require_staff(tx: &mut TenantTx, headers: &HeaderMap) -> Result<(), ApiError> {
    let unauthorized = || ApiError::new(StatusCode::UNAUTHORIZED, "Please log in.");
    let token = app::ssr::cookie_in(headers, SESSION_COOKIE).ok_or_else(unauthorized)?;
    let session = sessions::find(tx, &token).await?.ok_or_else(unauthorized)?;
    let user_id = session.user_id.ok_or_else(unauthorized)?;
    let user = accounts::find(tx, user_id)
        .await?
        .ok_or_else(unauthorized)?;
    if !user.is_active {
        return Err(unauthorized());
    }
    if !user.is_staff {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "You are not allowed to do that.",
        ));
    }
    Ok(())
}
