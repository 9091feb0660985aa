//! Form helpers shared by every page: the error of a form's last submission, whether
//! it came back through the server function's response (JavaScript) or through the
//! URL the server redirected a plain HTML form to (no JavaScript).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use server_fn::error::ServerFnUrlError;
use server_fn::ServerFn;

use crate::error::AppError;

/// The error of `action`'s last submission, if it failed.
pub fn action_error<S>(
    action: ServerAction<S>,
) -> impl Fn() -> Option<AppError> + Copy + Send + Sync + 'static
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let query = use_query_map();
    move || match action.value().get() {
        Some(Err(err)) => Some(err),
        Some(Ok(_)) => None,
        None => query.with(|q| {
            (q.get_str("__path") == Some(S::PATH))
                .then(|| {
                    q.get_str("__err")
                        .map(ServerFnUrlError::<AppError>::decode_err)
                })
                .flatten()
        }),
    }
}

/// The message to show beside `field`, from a form error.
pub fn field_message(error: Option<AppError>, field: &str) -> Option<String> {
    error.and_then(|e| e.for_field(field))
}

/// The message for the form as a whole: any error that is not about a single field.
pub fn form_message(error: Option<AppError>) -> Option<String> {
    error
        .filter(|e| !e.is_about_a_field())
        .map(|e| e.to_string())
}

/// A labelled input with its error shown beside it (and tied to it for screen readers).
#[component]
pub fn Field(
    /// The form field's name, also the server function argument.
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let input = if multiline {
        view! {
            <textarea
                id=id.clone()
                name=name
                rows="3"
                required=required
                autocomplete=autocomplete
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=error_id.clone()
            >
                {value}
            </textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                type=kind
                name=name
                value=value
                required=required
                autocomplete=autocomplete
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=error_id.clone()
            />
        }
        .into_any()
    };
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id>{label}</label>
            {input}
            <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
        </div>
    }
}
