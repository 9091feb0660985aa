//! The store's accounts: a superuser sees and manages everyone, plain staff only
//! themselves (and may change their own password).

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::admin::{session_version, AdminShell};
use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
    pub is_me: bool,
}

/// The users page: every account for a superuser, only their own for plain staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsersView {
    /// Whether the viewer may create, (de)activate and reset others (a superuser).
    pub manages_users: bool,
    pub users: Vec<AdminUser>,
}

#[server(endpoint = "admin/store/users")]
pub async fn list_users() -> Result<UsersView, AppError> {
    let (mut tx, me) = crate::admin::ssr::staff().await?;
    let manages_users = me.manages_users();
    let users = if manages_users {
        marketplace::accounts::list(&mut tx).await?
    } else {
        vec![me.clone()]
    };
    tx.commit().await?;
    Ok(UsersView {
        manages_users,
        users: users
            .into_iter()
            .map(|u| AdminUser {
                is_me: u.id == me.id,
                id: u.id,
                username: u.username,
                email: u.email,
                is_staff: u.is_staff,
                is_superuser: u.is_superuser,
                is_active: u.is_active,
            })
            .collect(),
    })
}

/// Creates a staff user (`role` "staff" or "superuser"); superusers only.
#[server(endpoint = "admin/store/users/create")]
pub async fn create_staff(
    username: String,
    email: String,
    password: String,
    role: Option<String>,
) -> Result<(), AppError> {
    use marketplace::accounts::{self, NewUser, Role, Username};
    use marketplace::email::Email;
    use marketplace::password::Password;
    let (tx, me) = crate::admin::ssr::staff().await?;
    if !me.manages_users() {
        return Err(AppError::Forbidden(
            "Only a store superuser can manage users.".into(),
        ));
    }
    // No connection is held while the password is hashed; the role is checked again
    // in the transaction that writes.
    drop(tx);
    let role = match role.as_deref().unwrap_or("staff") {
        "staff" => Role::Staff,
        "superuser" => Role::Superuser,
        _ => return Err(marketplace::Error::invalid("role", "Choose staff or superuser.").into()),
    };
    let new = NewUser {
        username: Username::parse(&username)?,
        email: Email::parse(&email)?,
        full_name: String::new(),
        password: marketplace::password::hash(Password::parse(&password)?).await,
        role,
    };
    let (mut tx, me) = crate::admin::ssr::staff().await?;
    accounts::create_by(&mut tx, &me, new).await?;
    tx.commit().await?;
    Ok(())
}

#[server(endpoint = "admin/store/users/active")]
pub async fn set_user_active(id: i64, active: bool) -> Result<(), AppError> {
    let (mut tx, me) = crate::admin::ssr::staff().await?;
    marketplace::accounts::set_active_by(&mut tx, &me, id, active).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a user's password: one's own, or anyone's for a superuser. Every other session
/// of that user ends.
#[server(endpoint = "admin/store/users/password")]
pub async fn reset_password(id: i64, password: String) -> Result<(), AppError> {
    use marketplace::password::Password;
    let (tx, me) = crate::admin::ssr::staff().await?;
    if id != me.id && !me.manages_users() {
        return Err(AppError::Forbidden(
            "Only a store superuser can reset another user's password.".into(),
        ));
    }
    // No connection is held while the password is hashed; the rules are checked again
    // in the transaction that writes.
    drop(tx);
    let password = marketplace::password::hash(Password::parse(&password)?).await;
    let (mut tx, me) = crate::admin::ssr::staff().await?;
    let current = crate::ssr::current_session(&mut tx).await?.map(|s| s.id);
    marketplace::accounts::change_password_by(&mut tx, &me, id, &password, current).await?;
    tx.commit().await?;
    Ok(())
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let actions = UserActions {
        create: ServerAction::new(),
        toggle: ServerAction::new(),
        reset: ServerAction::new(),
    };
    let session = session_version();
    let users = Resource::new(
        move || {
            (
                actions.create.version().get(),
                actions.toggle.version().get(),
                actions.reset.version().get(),
                session(),
            )
        },
        |_| list_users(),
    );
    view! { <AdminShell store=move || view! { <UserAdmin actions users/> }/> }
}

/// The users page's actions; the page's data reloads after each.
#[derive(Clone, Copy)]
struct UserActions {
    create: ServerAction<CreateStaff>,
    toggle: ServerAction<SetUserActive>,
    reset: ServerAction<ResetPassword>,
}

#[component]
fn UserAdmin(actions: UserActions, users: Resource<Result<UsersView, AppError>>) -> impl IntoView {
    let UserActions {
        create,
        toggle,
        reset,
    } = actions;
    let create_error = action_error(create);
    let toggle_error = action_error(toggle);
    let reset_error = action_error(reset);
    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <div aria-live="polite">
            {move || toggle_error().or_else(reset_error).map(|e| view! { <p class="notice error" role="alert">{e.to_string()}</p> })}
            {move || matches!(reset.value().get(), Some(Ok(()))).then(|| view! { <p class="notice ok">"Password changed."</p> })}
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                users.await.map(|page| {
                    let manages = page.manages_users;
                    let rows = page.users.into_iter().map(|u| view! { <UserRow user=u manages toggle reset/> }).collect_view();
                    view! {
                        <table class="cart-table admin-table">
                            <thead><tr>
                                <th scope="col">"Username"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                                <th scope="col">"State"</th><th scope="col"><span class="visually-hidden">"Activate"</span></th>
                                <th scope="col"><span class="visually-hidden">"Password"</span></th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        {manages.then(|| view! { <NewStaffForm create error=create_error/> })}
                    }
                })
            })}
        </Suspense>
    }
}

/// One account's row. Only a superuser sees the buttons that act on others; anyone may
/// change their own password.
#[component]
fn UserRow(
    user: AdminUser,
    manages: bool,
    toggle: ServerAction<SetUserActive>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let u = user;
    let toggle_label = format!(
        "{} {}",
        if u.is_active {
            "Deactivate"
        } else {
            "Activate"
        },
        u.username
    );
    let pw_id = format!("pw-{}", u.id);
    let pw_label = format!("New password for {}", u.username);
    let reset_label = format!("Reset password of {}", u.username);
    let role = if u.is_superuser {
        "Superuser"
    } else if u.is_staff {
        "Staff"
    } else {
        "Customer"
    };
    let may_reset = manages || u.is_me;
    view! {
        <tr data-user=u.username.clone()>
            <th scope="row">{u.username.clone()}{u.is_me.then_some(" (you)")}</th>
            <td>{u.email.clone()}</td>
            <td>{role}</td>
            <td>{if u.is_active { "Active" } else { "Inactive" }}</td>
            <td>
                {manages.then(|| view! {
                    <ActionForm action=toggle attr:class="inline">
                        <input type="hidden" name="id" value=u.id/>
                        <input type="hidden" name="active" value=(!u.is_active).to_string()/>
                        <button type="submit" class="secondary" aria-label=toggle_label disabled=u.is_me>
                            {if u.is_active { "Deactivate" } else { "Activate" }}
                        </button>
                    </ActionForm>
                })}
            </td>
            <td>
                {may_reset.then(|| view! {
                    <ActionForm action=reset attr:class="inline">
                        <input type="hidden" name="id" value=u.id/>
                        <label for=pw_id.clone() class="visually-hidden">{pw_label}</label>
                        <input id=pw_id type="password" name="password" autocomplete="new-password" placeholder="New password"/>
                        <button type="submit" class="secondary" aria-label=reset_label>"Reset password"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[component]
fn NewStaffForm(
    create: ServerAction<CreateStaff>,
    error: impl Fn() -> Option<AppError> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    view! {
        <section class="admin-form" aria-labelledby="new-staff-heading">
            <h2 id="new-staff-heading">"New staff user"</h2>
            <ActionForm action=create attr:novalidate=true>
                <div aria-live="polite">
                    {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                    {move || matches!(create.value().get(), Some(Ok(()))).then(|| view! { <p class="notice ok">"Staff user created."</p> })}
                </div>
                <Field name="username" label="Username" autocomplete="off" required=true error=field("username")/>
                <Field name="email" label="Email" kind="email" required=true error=field("email")/>
                <Field name="password" label="Password" kind="password" autocomplete="new-password" required=true error=field("password")/>
                <div class="field">
                    <label for="field-role">"Role"</label>
                    <select id="field-role" name="role">
                        <option value="staff" selected=true>"Staff: products and orders"</option>
                        <option value="superuser">"Superuser: also users"</option>
                    </select>
                </div>
                <button type="submit">"Create staff user"</button>
            </ActionForm>
        </section>
    }
}
