//! The store's own domains, for its superusers: add a custom domain, see the DNS
//! records to create, check it now, make a verified one primary, remove one. The
//! lifecycle and its rules live in the core ([`marketplace::tenancy::domains`]).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::admin::domains::{domain_rows, DomainView};
use crate::admin::{session_version, AdminShell};
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use marketplace::tenancy::Tenant;

    use crate::error::AppError;
    use crate::ssr::AppState;

    /// The store and the state, for a superuser of this store only.
    pub async fn superuser() -> Result<(AppState, Arc<Tenant>), AppError> {
        let (tx, user) = crate::admin::ssr::staff().await?;
        tx.commit().await?;
        if !user.is_superuser {
            return Err(AppError::forbidden());
        }
        crate::ssr::store().await
    }
}

#[server(endpoint = "admin/store/domains")]
pub async fn list_domains() -> Result<Vec<DomainView>, AppError> {
    use marketplace::tenancy::registry;
    let (state, tenant) = ssr::superuser().await?;
    let domains = registry::domains(&state.pool, tenant.id).await?;
    let targets = &state.verifier.targets;
    Ok(domains.iter().map(|d| DomainView::of(d, targets)).collect())
}

/// `op` is `add` (a claim, pending until verified), `check`, `primary` or `remove`.
#[server(endpoint = "admin/store/domains/change")]
pub async fn change_store_domain(domain: String, op: String) -> Result<(), AppError> {
    use marketplace::tenancy::registry::{self, DomainChange};
    use marketplace::tenancy::{domains, verification, Hostname};
    let (state, tenant) = ssr::superuser().await?;
    let host = Hostname::parse(&domain)?;
    let resolver = &*state.resolver;
    match op.as_str() {
        "add" => {
            domains::claim(&state.pool, resolver, tenant.id, &host).await?;
        }
        "check" => {
            let dns = &state.verifier.dns;
            verification::check_now(&state.pool, resolver, dns, tenant.id, &host).await?;
        }
        other => {
            let change = DomainChange::parse(other)?;
            let schema = &tenant.schema_name;
            registry::change_domain(&state.pool, resolver, schema, &host, change).await?;
        }
    }
    Ok(())
}

#[component]
pub fn DomainsPage() -> impl IntoView {
    let change = ServerAction::<ChangeStoreDomain>::new();
    let session = session_version();
    let domains = Resource::new(
        move || (change.version().get(), session()),
        |_| list_domains(),
    );
    view! { <AdminShell store=move || view! { <Domains change domains/> }/> }
}

#[component]
fn Domains(
    change: ServerAction<ChangeStoreDomain>,
    domains: Resource<Result<Vec<DomainView>, AppError>>,
) -> impl IntoView {
    let error = action_error(change);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    let button = move |domain: String, op: &'static str, label: &'static str| {
        let aria = format!("{label}: {domain}");
        view! {
            <ActionForm action=change attr:class="inline">
                <input type="hidden" name="domain" value=domain/>
                <input type="hidden" name="op" value=op/>
                <button type="submit" class="secondary" aria-label=aria>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <Title text="Domains"/>
        <h1>"Domains"</h1>
        <p>"Add your own domain, create the DNS records shown beside it at your DNS provider, \
            then wait for the check (or press Check now). The domain serves your store once its \
            TXT record is found."</p>
        <div aria-live="polite">
            {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                domains.await.map(|list| view! {
                    <table class="admin-table domains">
                        <thead><tr><th>"Domain"</th><th></th><th>"Status"</th><th>"Details"</th><th></th></tr></thead>
                        <tbody>{domain_rows(&list, button)}</tbody>
                    </table>
                })
            })}
        </Suspense>
        <ActionForm action=change attr:class="admin-form" attr:novalidate=true>
            <input type="hidden" name="op" value="add"/>
            <Field name="domain" label="New domain" required=true error=field("domain")/>
            <p class="hint">"For example shop.example.com; international names are fine."</p>
            <button type="submit">"Add domain"</button>
        </ActionForm>
    }
}
