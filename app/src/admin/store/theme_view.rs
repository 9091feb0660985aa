//! The theme editor's page: grouped fields of the draft, presets, contrast warnings,
//! logo and favicon upload, preview on/off, publish and the versions to restore. Its
//! server functions are in [`super::theme`].

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::theme::{
    ApplyPreset, Choice, PublishTheme, RestoreTheme, SaveTheme, SetThemePreview, ThemeEditor,
};
use crate::admin::{session_version, AdminShell};
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};

/// The editor's actions; every completion reloads the editor.
#[derive(Clone, Copy)]
struct ThemeActions {
    save: ServerAction<SaveTheme>,
    preset: ServerAction<ApplyPreset>,
    preview: ServerAction<SetThemePreview>,
    publish: ServerAction<PublishTheme>,
    restore: ServerAction<RestoreTheme>,
}

impl ThemeActions {
    fn version(&self) -> usize {
        self.save.version().get()
            + self.preset.version().get()
            + self.preview.version().get()
            + self.publish.version().get()
            + self.restore.version().get()
    }
}

/// `/admin/theme`.
#[component]
pub fn ThemePage() -> impl IntoView {
    let actions = ThemeActions {
        save: ServerAction::new(),
        preset: ServerAction::new(),
        preview: ServerAction::new(),
        publish: ServerAction::new(),
        restore: ServerAction::new(),
    };
    let session = session_version();
    let editor = Resource::new(
        move || (actions.version(), session()),
        |_| super::theme::get_theme_editor(),
    );
    view! { <AdminShell store=move || view! { <Editor actions editor/> }/> }
}

#[component]
fn Editor(actions: ThemeActions, editor: Resource<Result<ThemeEditor, AppError>>) -> impl IntoView {
    view! {
        <Title text="Theme"/>
        <h1>"Theme"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                editor.await.map(|editor| view! { <EditorBody actions editor/> })
            })}
        </Suspense>
    }
}

#[component]
fn EditorBody(actions: ThemeActions, editor: ThemeEditor) -> impl IntoView {
    let ThemeActions {
        save,
        preset,
        preview,
        publish,
        restore,
    } = actions;
    let error = action_error(save);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    let v = editor.values;
    let query = use_query_map();
    let upload_error = move || query.with(|q| q.get_str("upload_error").map(str::to_owned));
    let uploaded = move || query.with(|q| q.get_str("uploaded").is_some());
    let previewing = editor.previewing;
    view! {
        <div class="theme-grid">
            <ActionForm action=save attr:class="admin-form theme-form" attr:novalidate=true>
                <div aria-live="polite">
                    {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                    {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <p class="notice ok">"Draft saved."</p> })}
                </div>
                <fieldset>
                    <legend>"Colours"</legend>
                    <Field name="accent" label="Accent" kind="color" value=v.accent error=field("accent")/>
                    <Field name="accent_text" label="Text on accent" kind="color" value=v.accent_text error=field("accent_text")/>
                    <Field name="background" label="Background" kind="color" value=v.background error=field("background")/>
                    <Field name="surface" label="Surface (cards)" kind="color" value=v.surface error=field("surface")/>
                    <Field name="text" label="Text" kind="color" value=v.text error=field("text")/>
                </fieldset>
                <fieldset>
                    <legend>"Typography"</legend>
                    <Select name="heading_font" label="Heading font" choices=editor.fonts.clone() selected=v.heading_font error=field("heading_font")/>
                    <Select name="body_font" label="Body font" choices=editor.fonts selected=v.body_font error=field("body_font")/>
                </fieldset>
                <fieldset>
                    <legend>"Layout and shapes"</legend>
                    <Field name="radius" label="Corner radius (px, 0–24)" kind="number" value=v.radius error=field("radius")/>
                    <Field name="page_width" label="Page width (px, 720–1600)" kind="number" value=v.page_width error=field("page_width")/>
                    <Select name="button_style" label="Buttons" choices=editor.button_styles selected=v.button_style error=field("button_style")/>
                </fieldset>
                <button type="submit">"Save draft"</button>
            </ActionForm>
            <div>
                <section class="admin-form" aria-labelledby="contrast-heading">
                    <h2 id="contrast-heading">"Contrast"</h2>
                    {if editor.warnings.is_empty() {
                        view! { <p class="notice ok">"Every text colour meets WCAG AA (4.5:1)."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="contrast-warnings">
                                {editor.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                            </ul>
                            <p class="hint">"You can still publish; customers may find the text hard to read."</p>
                        }.into_any()
                    }}
                </section>
                <section class="admin-form" aria-labelledby="preview-heading">
                    <h2 id="preview-heading">"Preview and publish"</h2>
                    <p>{if previewing { "Preview is on: the storefront shows you (only you) the draft." } else { "Preview is off: the storefront shows you the published theme." }}</p>
                    <div class="workflow-buttons">
                        <ActionForm action=preview attr:class="inline">
                            <input type="hidden" name="on" value=(!previewing).to_string()/>
                            <button type="submit" class="secondary">{if previewing { "Stop preview" } else { "Preview draft" }}</button>
                        </ActionForm>
                        <a class="button secondary" href="/" target="_blank">"Open storefront"</a>
                        <ActionForm action=publish attr:class="inline">
                            <button type="submit">"Publish"</button>
                        </ActionForm>
                    </div>
                    {move || matches!(publish.value().get(), Some(Ok(_))).then(|| view! { <p class="notice ok">"Published."</p> })}
                    <ActionForm action=preset attr:class="inline">
                        <label for="field-preset">"Start from a preset"</label>
                        <select id="field-preset" name="preset">
                            {editor.presets.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
                        </select>
                        <button type="submit" class="secondary">"Apply to draft"</button>
                    </ActionForm>
                </section>
                <section class="admin-form" aria-labelledby="images-heading">
                    <h2 id="images-heading">"Logo and favicon"</h2>
                    {move || upload_error().map(|_| view! {
                        <p class="notice error" role="alert">"The image was refused: use a PNG, JPEG, WebP or SVG file of at most 512 KiB, at most 2000×2000 pixels (a favicon 512×512)."</p>
                    })}
                    {move || uploaded().then(|| view! { <p class="notice ok">"Image added to the draft."</p> })}
                    <p>"Logo: " {editor.logo.map_or_else(|| view! { <span>"none"</span> }.into_any(), |src| view! { <img class="logo" src=src alt="Current logo" height="40"/> }.into_any())}</p>
                    <p>"Favicon: " {editor.favicon.map_or_else(|| view! { <span>"none"</span> }.into_any(), |src| view! { <img src=src alt="Current favicon" height="32"/> }.into_any())}</p>
                    <form method="post" action="/admin/theme/upload" enctype="multipart/form-data">
                        <div class="field">
                            <label for="field-kind">"Image for"</label>
                            <select id="field-kind" name="kind">
                                <option value="logo">"Logo"</option>
                                <option value="favicon">"Favicon"</option>
                            </select>
                        </div>
                        <div class="field">
                            <label for="field-image">"Image file"</label>
                            <input id="field-image" type="file" name="image" accept="image/png,image/jpeg,image/webp,image/svg+xml" required/>
                        </div>
                        <button type="submit" class="secondary">"Upload"</button>
                    </form>
                </section>
                <Versions restore versions=editor.versions/>
            </div>
        </div>
    }
}

#[component]
fn Versions(
    restore: ServerAction<RestoreTheme>,
    versions: Vec<super::theme::VersionRow>,
) -> impl IntoView {
    view! {
        <section class="admin-form" aria-labelledby="versions-heading">
            <h2 id="versions-heading">"Published versions"</h2>
            {versions.is_empty().then(|| view! { <p class="hint">"Nothing published yet: customers see the default theme."</p> })}
            <ol class="theme-versions">
                {versions.into_iter().map(|v| view! {
                    <li data-version=v.id>
                        <span class="swatch" style=format!("background:{}", v.accent)></span>
                        <span>{v.published_at} " · " {v.heading_font}</span>
                        {if v.live {
                            view! { <strong>"Live"</strong> }.into_any()
                        } else {
                            view! {
                                <ActionForm action=restore attr:class="inline">
                                    <input type="hidden" name="id" value=v.id/>
                                    <button type="submit" class="secondary">"Restore"</button>
                                </ActionForm>
                            }.into_any()
                        }}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// A labelled select of `choices` with its error beside it.
#[component]
fn Select(
    name: &'static str,
    label: &'static str,
    choices: Vec<Choice>,
    selected: String,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name aria-describedby=error_id.clone()>
                {choices.into_iter().map(|(value, text)| {
                    let is_selected = value == selected;
                    view! { <option value=value selected=is_selected>{text}</option> }
                }).collect_view()}
            </select>
            <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
        </div>
    }
}
