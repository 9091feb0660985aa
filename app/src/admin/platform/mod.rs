//! The platform admin on the public host: the store list ([`list`]), creating a store
//! (the same validation and all-or-nothing provisioning as `create-tenant`), domains,
//! suspending and resuming, deleting. Every server function here starts with
//! [`super::ssr::platform_staff`], which refuses anyone but logged-in platform staff on
//! the public host, then calls the core with this server's resolver: each change to the
//! registry also clears its host cache at once (other servers hear it through
//! `NOTIFY`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

pub mod billing;
pub mod list;

pub use billing::SubscriptionsPage;
pub use list::{list_stores, ListStores, StoreCounts, StoreList, StoreListing, StoreRow};

use super::domains::{domain_rows, DomainView};
use super::AdminShell;
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};

#[server(endpoint = "admin/platform/stores/create")]
pub async fn create_store(
    name: String,
    email: String,
    schema: String,
    domain: String,
) -> Result<String, AppError> {
    use marketplace::tenancy::provision::{self, NewTenant};
    let (state, _) = super::ssr::platform_staff().await?;
    let new = NewTenant::parse(&name, &email, &schema, &domain)?;
    let tenant = provision::create(&state.pool, &new, &*state.resolver).await?;
    leptos_axum::redirect(&format!("/admin/stores/{}", tenant.schema_name));
    Ok(tenant.schema_name.to_string())
}

#[component]
pub fn NewStorePage() -> impl IntoView {
    view! { <AdminShell platform=NewStoreForm/> }
}

#[component]
fn NewStoreForm() -> impl IntoView {
    let create = ServerAction::<CreateStore>::new();
    let error = action_error(create);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    view! {
        <Title text="New store"/>
        <h1>"New store"</h1>
        <ActionForm action=create attr:class="admin-form" attr:novalidate=true>
            <div aria-live="polite">
                {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
            </div>
            <Field name="name" label="Store name" required=true error=field("name")/>
            <Field name="email" label="Owner email" kind="email" required=true error=field("email")/>
            <Field name="schema" label="Schema" required=true error=field("schema")/>
            <p class="hint">"Lowercase letters, digits and underscores; it names the store's PostgreSQL schema."</p>
            <Field name="domain" label="Domain" required=true error=field("domain")/>
            <p class="hint">"The host name that serves the store, e.g. electronics.localhost."</p>
            <button type="submit" disabled=move || create.pending().get()>"Create store"</button>
        </ActionForm>
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreDetail {
    pub name: String,
    pub schema: String,
    pub owner_email: String,
    pub status: String,
    pub created_at: String,
    /// Each domain and whether it is the primary one.
    pub domains: Vec<(String, bool)>,
    /// The same domains with their verification state and DNS records.
    pub details: Vec<DomainView>,
}

#[server(endpoint = "admin/platform/store")]
pub async fn get_store(schema: String) -> Result<StoreDetail, AppError> {
    use marketplace::tenancy::{registry, SchemaName};
    let (state, _) = super::ssr::platform_staff().await?;
    let tenant = registry::get_by_schema(&state.pool, &SchemaName::parse(&schema)?).await?;
    let domains = registry::domains(&state.pool, tenant.id).await?;
    Ok(StoreDetail {
        name: tenant.name,
        schema: tenant.schema_name.to_string(),
        owner_email: tenant.owner_email,
        status: format!("{:?}", tenant.status).to_lowercase(),
        created_at: tenant.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        domains: domains
            .iter()
            .map(|d| (d.domain.to_string(), d.is_primary))
            .collect(),
        details: domains
            .iter()
            .map(|d| DomainView::of(d, &state.verifier.targets))
            .collect(),
    })
}

/// Adds a domain, makes one primary, removes one or checks its DNS record now: `op` is
/// `add`, `add_primary`, `primary`, `remove` ([`registry::DomainChange`]) or `check`.
/// A custom domain added here is claimed and verified like a store owner's.
///
/// [`registry::DomainChange`]: marketplace::tenancy::registry::DomainChange
#[server(endpoint = "admin/platform/store/domain")]
pub async fn change_domain(schema: String, domain: String, op: String) -> Result<(), AppError> {
    use marketplace::tenancy::registry::{self, DomainChange};
    use marketplace::tenancy::{Hostname, SchemaName};
    let (state, _) = super::ssr::platform_staff().await?;
    let schema = SchemaName::parse(&schema)?;
    let domain = Hostname::parse(&domain)?;
    if op == "check" {
        use marketplace::tenancy::verification::check_now;
        let tenant = registry::get_by_schema(&state.pool, &schema).await?;
        let (dns, resolver) = (&state.verifier.dns, &*state.resolver);
        check_now(&state.pool, resolver, dns, tenant.id, &domain).await?;
        return Ok(());
    }
    let change = DomainChange::parse(&op)?;
    registry::change_domain(&state.pool, &*state.resolver, &schema, &domain, change).await?;
    Ok(())
}

#[server(endpoint = "admin/platform/store/status")]
pub async fn set_store_status(schema: String, suspended: bool) -> Result<(), AppError> {
    use marketplace::tenancy::{registry, SchemaName, TenantStatus};
    let (state, _) = super::ssr::platform_staff().await?;
    let status = if suspended {
        TenantStatus::Suspended
    } else {
        TenantStatus::Active
    };
    let schema = SchemaName::parse(&schema)?;
    registry::change_status(&state.pool, &*state.resolver, &schema, status).await?;
    Ok(())
}

/// Deletes a store and its schema; `confirm` must repeat the schema name.
#[server(endpoint = "admin/platform/store/delete")]
pub async fn delete_store(schema: String, confirm: String) -> Result<(), AppError> {
    use marketplace::tenancy::{provision, SchemaName};
    let (state, _) = super::ssr::platform_staff().await?;
    let schema = SchemaName::parse(&schema)?;
    provision::drop(&state.pool, &*state.resolver, &schema, &confirm).await?;
    leptos_axum::redirect("/admin");
    Ok(())
}

/// One button that applies a domain operation (`op`) to one of a store's domains.
#[component]
fn DomainButton(
    action: ServerAction<ChangeDomain>,
    schema: String,
    domain: String,
    op: &'static str,
    label: &'static str,
    aria: String,
    class: &'static str,
) -> impl IntoView {
    view! {
        <ActionForm action attr:class="inline">
            <input type="hidden" name="schema" value=schema/>
            <input type="hidden" name="domain" value=domain/>
            <input type="hidden" name="op" value=op/>
            <button type="submit" class=class aria-label=aria>{label}</button>
        </ActionForm>
    }
}

#[component]
pub fn StoreAdminPage() -> impl IntoView {
    let params = use_params_map();
    let actions = StoreActions {
        domain_op: ServerAction::new(),
        status: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let session = super::session_version();
    let store = Resource::new(
        move || {
            (
                params.read().get("schema").unwrap_or_default(),
                actions.domain_op.version().get(),
                actions.status.version().get(),
                session(),
            )
        },
        |(schema, _, _, _)| get_store(schema),
    );
    view! { <AdminShell platform=move || view! { <StoreAdmin actions store/> }/> }
}

/// The store page's actions; the page's data reloads after a domain or status change.
#[derive(Clone, Copy)]
struct StoreActions {
    domain_op: ServerAction<ChangeDomain>,
    status: ServerAction<SetStoreStatus>,
    delete: ServerAction<DeleteStore>,
}

#[component]
fn StoreAdmin(
    actions: StoreActions,
    store: Resource<Result<StoreDetail, AppError>>,
) -> impl IntoView {
    let StoreActions {
        domain_op,
        status,
        delete,
    } = actions;
    let domain_error = action_error(domain_op);
    let status_error = action_error(status);
    let delete_error = action_error(delete);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let store = match store.await {
                    Ok(store) => store,
                    Err(error) => return view! { <crate::ui::PageError error/> }.into_any(),
                };
                let schema = store.schema.clone();
                let suspended = store.status == "suspended";
                let button = {
                    let schema = schema.clone();
                    move |domain: String, op: &'static str, label: &'static str| {
                        let aria = format!("{label}: {domain}");
                        let class = if op == "remove" { "link" } else { "secondary" };
                        view! {
                            <DomainButton action=domain_op schema=schema.clone() domain op label aria class/>
                        }
                    }
                };
                let domain_rows = domain_rows(&store.details, button);
                let field = move |name: &'static str| Signal::derive(move || field_message(domain_error(), name));
                let (s_add, s_status, s_delete) = (schema.clone(), schema.clone(), schema.clone());
                view! {
                    <Title text=store.name.clone()/>
                    <h1>{store.name.clone()}</h1>
                    <dl class="order-facts">
                        <dt>"Schema"</dt><dd><code>{store.schema.clone()}</code></dd>
                        <dt>"Owner"</dt><dd>{store.owner_email.clone()}</dd>
                        <dt>"Status"</dt><dd class="status" data-status=store.status.clone()>{store.status.clone()}</dd>
                        <dt>"Created"</dt><dd>{store.created_at.clone()}</dd>
                    </dl>
                    <section aria-labelledby="domains-heading">
                        <h2 id="domains-heading">"Domains"</h2>
                        <div aria-live="polite">
                            {move || form_message(domain_error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                        </div>
                        <table class="cart-table admin-table domains"><tbody>{domain_rows}</tbody></table>
                        <ActionForm action=domain_op attr:class="admin-form" attr:novalidate=true>
                            <input type="hidden" name="schema" value=s_add/>
                            <input type="hidden" name="op" value="add"/>
                            <Field name="domain" label="New domain" required=true error=field("domain")/>
                            <p class="hint">"A name under the platform domain is served at once; any other is pending until its TXT record is found."</p>
                            <button type="submit">"Add domain"</button>
                        </ActionForm>
                    </section>
                    <section aria-labelledby="status-heading">
                        <h2 id="status-heading">{if suspended { "Resume" } else { "Suspend" }}</h2>
                        <p>{if suspended {
                            "The store is suspended: its hosts answer 503 and its data is kept."
                        } else {
                            "Suspending makes the store's hosts answer 503 with a short notice; nothing is deleted."
                        }}</p>
                        {move || status_error().map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
                        <ActionForm action=status attr:class="inline">
                            <input type="hidden" name="schema" value=s_status/>
                            <input type="hidden" name="suspended" value=(!suspended).to_string()/>
                            <button type="submit" class:danger=!suspended>{if suspended { "Resume store" } else { "Suspend store" }}</button>
                        </ActionForm>
                    </section>
                    <section class="danger-zone" aria-labelledby="delete-heading">
                        <h2 id="delete-heading">"Delete"</h2>
                        <p>"Deleting drops the schema " <code>{schema.clone()}</code> " with all of the store's data. It cannot be undone."</p>
                        <ActionForm action=delete attr:novalidate=true>
                            <div aria-live="polite">
                                {move || delete_error().map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
                            </div>
                            <input type="hidden" name="schema" value=s_delete/>
                            <Field name="confirm" label="Type the schema name to confirm" autocomplete="off" required=true
                                error=Signal::derive(move || field_message(delete_error(), "confirm"))/>
                            <button type="submit" class="danger">"Delete store"</button>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}
