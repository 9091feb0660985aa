//! The store's API keys: a superuser creates them (a name and the scopes the key may
//! use; the key itself is shown once, right after) and revokes them. The list shows
//! what identifies a key without revealing it: its name, prefix and scopes, when it
//! was created and last used.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::admin::{session_version, AdminShell};
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};

/// The scopes a key may be given, with what each allows (the same names as
/// `marketplace::api::Scope`).
const SCOPES: [(&str, &str); 6] = [
    ("read_products", "Read products"),
    ("write_products", "Create and change products"),
    ("read_orders", "Read orders"),
    ("write_orders", "Change order status"),
    ("read_customers", "Read customers"),
    ("read_settings", "Read store settings"),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A key just created: the only time its plaintext leaves the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub name: String,
    pub plaintext: String,
}

#[server(endpoint = "admin/store/api-keys")]
pub async fn list_api_keys() -> Result<Vec<AdminApiKey>, AppError> {
    let (mut tx, me) = crate::admin::ssr::staff().await?;
    if !me.manages_users() {
        return Err(AppError::Forbidden(
            "Only a store superuser can manage API keys.".into(),
        ));
    }
    let keys = marketplace::api::keys::list(&mut tx).await?;
    tx.commit().await?;
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    Ok(keys
        .into_iter()
        .map(|k| AdminApiKey {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            created_at: when(k.created_at),
            last_used_at: k.last_used_at.map(when),
            revoked_at: k.revoked_at.map(when),
        })
        .collect())
}

/// Creates a key with the scopes whose checkboxes were ticked (each arrives as its own
/// field, so the form works the same with and without JavaScript).
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "admin/store/api-keys/create")]
pub async fn create_api_key(
    name: String,
    read_products: Option<String>,
    write_products: Option<String>,
    read_orders: Option<String>,
    write_orders: Option<String>,
    read_customers: Option<String>,
    read_settings: Option<String>,
) -> Result<CreatedApiKey, AppError> {
    let ticked = [
        read_products,
        write_products,
        read_orders,
        write_orders,
        read_customers,
        read_settings,
    ];
    let scopes: Vec<String> = SCOPES
        .iter()
        .zip(ticked)
        .filter(|(_, on)| on.is_some())
        .map(|((scope, _), _)| (*scope).to_owned())
        .collect();
    let new = marketplace::api::NewKey::parse(&name, &scopes)?;
    let (mut tx, me) = crate::admin::ssr::staff().await?;
    let created = marketplace::api::keys::create_by(&mut tx, &me, &new).await?;
    tx.commit().await?;
    Ok(CreatedApiKey {
        name: created.key.name,
        plaintext: created.plaintext,
    })
}

/// Revokes a key: the next request made with it is refused.
#[server(endpoint = "admin/store/api-keys/revoke")]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    let (mut tx, me) = crate::admin::ssr::staff().await?;
    marketplace::api::keys::revoke_by(&mut tx, &me, id).await?;
    tx.commit().await?;
    Ok(())
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let session = session_version();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get(), session()),
        |_| list_api_keys(),
    );
    view! { <AdminShell store=move || view! { <ApiKeyAdmin create revoke keys/> }/> }
}

#[component]
fn ApiKeyAdmin(
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
    keys: Resource<Result<Vec<AdminApiKey>, AppError>>,
) -> impl IntoView {
    let revoke_error = action_error(revoke);
    view! {
        <Title text="API keys"/>
        <h1>"API keys"</h1>
        <p>"Keys let your other tools use this store's REST API at " <code>"/api/v1/"</code>
           " (the specification is at " <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a> ")."</p>
        <div aria-live="polite">
            {move || revoke_error().map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                keys.await.map(|keys| {
                    let rows = keys.into_iter().map(|k| view! { <KeyRow key=k revoke/> }).collect_view();
                    view! {
                        <table class="cart-table admin-table">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Prefix"</th><th scope="col">"Scopes"</th>
                                <th scope="col">"Created"</th><th scope="col">"Last used"</th>
                                <th scope="col"><span class="visually-hidden">"Revoke"</span></th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        <NewKeyForm create/>
                    }
                })
            })}
        </Suspense>
    }
}

#[component]
fn KeyRow(key: AdminApiKey, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let label = format!("Revoke {}", key.name);
    let revoked = key.revoked_at.clone();
    view! {
        <tr data-api-key=key.prefix.clone()>
            <th scope="row">{key.name.clone()}</th>
            <td><code>{format!("mk_{}_…", key.prefix)}</code></td>
            <td>{key.scopes.join(", ")}</td>
            <td>{key.created_at.clone()}</td>
            <td>{key.last_used_at.clone().unwrap_or_else(|| "Never".to_owned())}</td>
            <td>
                {match revoked {
                    Some(at) => view! { <span>{format!("Revoked {at}")}</span> }.into_any(),
                    None => view! {
                        <ActionForm action=revoke attr:class="inline">
                            <input type="hidden" name="id" value=key.id/>
                            <button type="submit" class="secondary" aria-label=label>"Revoke"</button>
                        </ActionForm>
                    }.into_any(),
                }}
            </td>
        </tr>
    }
}

#[component]
fn NewKeyForm(create: ServerAction<CreateApiKey>) -> impl IntoView {
    let error = action_error(create);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    let boxes = SCOPES
        .iter()
        .map(|(scope, label)| {
            let id = format!("scope-{scope}");
            view! {
                <div class="checkbox">
                    <input id=id.clone() type="checkbox" name=*scope value="on"/>
                    <label for=id>{*label} " (" <code>{*scope}</code> ")"</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="admin-form" aria-labelledby="new-key-heading">
            <h2 id="new-key-heading">"New API key"</h2>
            <div aria-live="polite">
                {move || create.value().get().and_then(Result::ok).map(|key| view! {
                    <div class="notice ok" role="status">
                        <p>{format!("API key \"{}\" created. Copy it now: it will not be shown again.", key.name)}</p>
                        <p><code class="api-key-secret">{key.plaintext}</code></p>
                    </div>
                })}
            </div>
            <ActionForm action=create attr:novalidate=true>
                <div aria-live="polite">
                    {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                </div>
                <Field name="name" label="Name" autocomplete="off" required=true error=field("name")/>
                <fieldset>
                    <legend>"Scopes"</legend>
                    {boxes}
                    {move || field("scopes").get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                </fieldset>
                <button type="submit">"Create API key"</button>
            </ActionForm>
        </section>
    }
}
