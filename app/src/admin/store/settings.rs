//! The store's presentation as its staff edit it: display name, tagline, colour.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::admin::{session_version, AdminShell};
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};

/// The settings form's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsValues {
    pub display_name: String,
    pub tagline: String,
    pub primary_colour: String,
}

#[server(endpoint = "admin/store/settings")]
pub async fn get_settings() -> Result<SettingsValues, AppError> {
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let s = marketplace::settings::get(&mut tx).await?;
    tx.commit().await?;
    Ok(SettingsValues {
        display_name: s.display_name,
        tagline: s.tagline,
        primary_colour: s.primary_colour,
    })
}

#[server(endpoint = "admin/store/settings/save")]
pub async fn save_settings(
    display_name: String,
    tagline: String,
    primary_colour: String,
) -> Result<(), AppError> {
    use marketplace::settings::{self, SettingsUpdate};
    let (mut tx, _) = crate::admin::ssr::staff().await?;
    let update = SettingsUpdate::parse(&display_name, &tagline, &primary_colour)?;
    settings::update(&mut tx, &update).await?;
    tx.commit().await?;
    Ok(())
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveSettings>::new();
    let session = session_version();
    let settings = Resource::new(
        move || (save.version().get(), session()),
        |_| get_settings(),
    );
    view! { <AdminShell store=move || view! { <SettingsForm save settings/> }/> }
}

#[component]
fn SettingsForm(
    save: ServerAction<SaveSettings>,
    settings: Resource<Result<SettingsValues, AppError>>,
) -> impl IntoView {
    let error = action_error(save);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    view! {
        <Title text="Store settings"/>
        <h1>"Store settings"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                settings.await.map(|s| view! {
                    <ActionForm action=save attr:class="admin-form" attr:novalidate=true>
                        <div aria-live="polite">
                            {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                            {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <p class="notice ok">"Saved."</p> })}
                        </div>
                        <Field name="display_name" label="Display name" value=s.display_name required=true error=field("display_name")/>
                        <Field name="tagline" label="Tagline" value=s.tagline error=field("tagline")/>
                        <Field name="primary_colour" label="Primary colour" kind="color" value=s.primary_colour error=field("primary_colour")/>
                        <button type="submit">"Save"</button>
                    </ActionForm>
                })
            })}
        </Suspense>
    }
}
