//! The admins, both at `/admin`: on a store's host the store's own admin (its staff
//! users manage products, orders, users and settings), on the public host the platform
//! admin (platform staff manage stores and domains).
//!
//! Authorization lives in the server functions: every one of them checks the session's
//! role itself ([`ssr`] guards) before touching anything. A store's staff session is
//! stored in that store's schema and means nothing on another store's host or on the
//! public host; a platform session is stored in `public` and means nothing on a store.

pub mod domains;
pub mod platform;
pub mod store;

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::forms::{action_error, field_message, form_message, Field};

/// Who is at the admin door of this host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AdminGate {
    /// A store host; `staff` is the logged-in staff member, if any.
    Store {
        store_name: String,
        staff: Option<String>,
    },
    /// The public host; `staff` is the logged-in platform user, if any.
    Platform { staff: Option<String> },
}

#[server(endpoint = "admin/gate")]
pub async fn load_admin_gate() -> Result<AdminGate, AppError> {
    let site = crate::ssr::site().await?;
    match site.tenant() {
        Some(_) => {
            // Read-write: a staff member's visit keeps their session from idling out.
            let mut tx = crate::ssr::write().await?;
            let store_name = marketplace::settings::get(&mut tx).await?.display_name;
            let staff = ssr::staff_in(&mut tx).await.ok().map(|u| u.username);
            tx.commit().await?;
            Ok(AdminGate::Store { store_name, staff })
        }
        None => Ok(AdminGate::Platform {
            staff: ssr::platform_staff().await.ok().map(|(_, u)| u.username),
        }),
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The guards every admin server function starts with.

    use marketplace::accounts::{self, User};
    use marketplace::platform::{self, PlatformUser};
    use marketplace::tenancy::TenantTx;

    use crate::error::AppError;
    use crate::ssr::{AppState, RequestSite};

    /// The cookie of a platform session (public host only; host-only like all ours).
    pub const PLATFORM_COOKIE: &str = "mkt_platform";

    /// The logged-in, active staff user of this store, inside `tx`.
    pub async fn staff_in(tx: &mut TenantTx) -> Result<User, AppError> {
        let session = crate::ssr::current_session(tx)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let user_id = session.user_id.ok_or(AppError::Unauthorized)?;
        let user = accounts::find(tx, user_id)
            .await?
            .ok_or(AppError::Unauthorized)?;
        if !user.is_active {
            return Err(AppError::Unauthorized);
        }
        if !user.is_staff {
            return Err(AppError::forbidden());
        }
        Ok(user)
    }

    /// A read-write transaction in this store, for its staff only.
    pub async fn staff() -> Result<(TenantTx, User), AppError> {
        let mut tx = crate::ssr::write().await?;
        let user = staff_in(&mut tx).await?;
        Ok((tx, user))
    }

    /// The platform session's token from its cookie.
    pub async fn platform_token() -> Option<String> {
        crate::ssr::cookies::get(PLATFORM_COOKIE).await
    }

    /// The public host's site, or Forbidden: platform functions never run on a store.
    pub async fn public_site() -> Result<(AppState, RequestSite), AppError> {
        let site = crate::ssr::site().await?;
        if site.tenant().is_some() {
            return Err(AppError::forbidden());
        }
        Ok((crate::ssr::state()?, site))
    }

    /// The application state and the logged-in platform user, on the public host only.
    pub async fn platform_staff() -> Result<(AppState, PlatformUser), AppError> {
        let (state, _) = public_site().await?;
        let token = platform_token().await.ok_or(AppError::Unauthorized)?;
        let user = platform::session_user(&state.pool, &token)
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok((state, user))
    }

    /// Sets or clears (`None`) the platform session cookie.
    pub fn set_platform_cookie(token: Option<&str>) -> Result<(), AppError> {
        let lifetime = crate::ssr::state()?.policy.staff_sessions.absolute;
        match token {
            Some(token) => crate::ssr::cookies::set(PLATFORM_COOKIE, token, lifetime.as_secs()),
            None => crate::ssr::cookies::clear(PLATFORM_COOKIE),
        }
        Ok(())
    }
}

#[server(endpoint = "admin/login")]
pub async fn admin_login(username: String, password: String) -> Result<(), AppError> {
    use marketplace::accounts::Door;
    use marketplace::platform;
    let site = crate::ssr::site().await?;
    if site.tenant().is_some() {
        crate::ssr::log_in(&username, &password, Door::Admin).await?;
    } else {
        let state = crate::ssr::state()?;
        let attempt = crate::ssr::attempt(&username).await?;
        let user = platform::login(&state.pool, &attempt, &password, &state.policy).await?;
        let token =
            platform::start_session(&state.pool, user.id, state.policy.staff_sessions).await?;
        ssr::set_platform_cookie(Some(&token))?;
    }
    leptos_axum::redirect("/admin");
    Ok(())
}

#[server(endpoint = "admin/logout")]
pub async fn admin_logout() -> Result<(), AppError> {
    use marketplace::platform;
    let site = crate::ssr::site().await?;
    if site.tenant().is_some() {
        crate::ssr::log_out().await?;
    } else {
        let state = crate::ssr::state()?;
        if let Some(token) = ssr::platform_token().await {
            platform::end_session(&state.pool, &token).await?;
        }
        ssr::set_platform_cookie(None)?;
    }
    leptos_axum::redirect("/admin");
    Ok(())
}

/// The admin's pages share this context: its login/logout actions and a version that
/// changes whenever either completes.
#[derive(Clone, Copy)]
pub struct AdminActions {
    pub login: ServerAction<AdminLogin>,
    pub logout: ServerAction<AdminLogout>,
}

impl AdminActions {
    pub fn new() -> Self {
        AdminActions {
            login: ServerAction::new(),
            logout: ServerAction::new(),
        }
    }

    pub fn version(&self) -> usize {
        self.login.version().get() + self.logout.version().get()
    }
}

/// Changes whenever someone logs in or out at this admin: every page's data depends on
/// it, so that a page loaded before login (its data then refused) loads again after.
pub fn session_version() -> impl Fn() -> usize + Copy + Send + Sync + 'static {
    let actions = expect_context::<AdminActions>();
    move || actions.version()
}

impl Default for AdminActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The frame of every admin page. It asks once who is at this host's admin door, then
/// shows strangers the login form and staff the page with the admin's navigation:
/// `store` on a store's host, `platform` on the public host. A page that has no view
/// for this kind of host explains where it lives instead.
///
/// **The pages' views only read resources; they never create one.** Every `Resource`
/// of an admin page is created by its route component, before this shell renders. On
/// the server, Leptos runs the children of a `Suspense` more than once (dry runs before
/// the real render) but the browser runs them once while hydrating, so a resource
/// created in here would be created twice on the server and once in the browser: the
/// browser would then read a discarded copy's value — at times an error, when that
/// copy lost its request context — and the page would die while hydrating.
#[component]
pub fn AdminShell(
    #[prop(optional, into)] store: Option<ViewFn>,
    #[prop(optional, into)] platform: Option<ViewFn>,
) -> impl IntoView {
    let actions = expect_context::<AdminActions>();
    let gate = Resource::new(move || actions.version(), |_| load_admin_gate());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let (store, platform) = (store.clone(), platform.clone());
                Suspend::new(async move {
                    match gate.await {
                        Ok(AdminGate::Store { store_name, staff }) => match (store, staff) {
                            (Some(page), Some(user)) => view! {
                                <AdminFrame title=format!("{store_name} admin") user nav=store_nav()>
                                    {page.run()}
                                </AdminFrame>
                            }.into_any(),
                            (Some(_), None) => view! { <LoginForm title=format!("{store_name} admin")/> }.into_any(),
                            (None, _) => view! { <WrongHost for_platform=true/> }.into_any(),
                        },
                        Ok(AdminGate::Platform { staff }) => match (platform, staff) {
                            (Some(page), Some(user)) => view! {
                                <AdminFrame title="Platform admin".to_owned() user nav=platform_nav()>
                                    {page.run()}
                                </AdminFrame>
                            }.into_any(),
                            (Some(_), None) => view! { <LoginForm title="Platform admin".to_owned()/> }.into_any(),
                            (None, _) => view! { <WrongHost for_platform=false/> }.into_any(),
                        },
                        Err(error) => view! { <crate::ui::PageError error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn store_nav() -> Vec<(&'static str, &'static str)> {
    vec![
        ("/admin", "Dashboard"),
        ("/admin/products", "Products"),
        ("/admin/orders", "Orders"),
        ("/admin/users", "Users"),
        ("/admin/api-keys", "API keys"),
        ("/admin/settings", "Settings"),
        ("/admin/theme", "Theme"),
        ("/admin/domains", "Domains"),
        ("/admin/plan", "Plan"),
        ("/", "View store"),
    ]
}

fn platform_nav() -> Vec<(&'static str, &'static str)> {
    vec![
        ("/admin", "Stores"),
        ("/admin/stores/new", "New store"),
        ("/admin/billing", "Billing"),
    ]
}

#[component]
fn AdminFrame(
    title: String,
    user: String,
    nav: Vec<(&'static str, &'static str)>,
    children: Children,
) -> impl IntoView {
    let logout = expect_context::<AdminActions>().logout;
    let links = nav
        .into_iter()
        .map(|(href, label)| view! { <a href=href>{label}</a> })
        .collect_view();
    view! {
        <header class="admin-header">
            <a class="brand" href="/admin">{title}</a>
            <nav aria-label="Admin">{links}</nav>
            <div class="admin-user">
                <span>"Signed in as " <strong>{user}</strong></span>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="secondary">"Log out"</button>
                </ActionForm>
            </div>
        </header>
        <main class="admin">{children()}</main>
    }
}

#[component]
fn LoginForm(title: String) -> impl IntoView {
    let login = expect_context::<AdminActions>().login;
    let error = action_error(login);
    let field = move |name: &'static str| Signal::derive(move || field_message(error(), name));
    view! {
        <Title text=format!("Log in · {title}")/>
        <main class="admin">
            <section class="account-form admin-login">
                <h1>{title}</h1>
                <ActionForm action=login attr:novalidate=true>
                    <div aria-live="polite">
                        {move || form_message(error()).map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
                    </div>
                    <Field name="username" label="Username" autocomplete="username" required=true error=field("username")/>
                    <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error=field("password")/>
                    <button type="submit" disabled=move || login.pending().get()>"Log in"</button>
                </ActionForm>
            </section>
        </main>
    }
}

#[component]
fn WrongHost(for_platform: bool) -> impl IntoView {
    let message = if for_platform {
        "Store management lives on the platform's own address (for example http://localhost:8000/admin)."
    } else {
        "This page belongs to a store's admin; open it on the store's address."
    };
    view! {
        <main class="admin">
            <section class="page-error">
                <h1>"Not here"</h1>
                <p>{message}</p>
                <p><a href="/admin">"Go to this site's admin"</a></p>
            </section>
        </main>
    }
}

/// `/admin`: the store dashboard on a store host, the store list on the public host.
#[component]
pub fn AdminHome() -> impl IntoView {
    // Created here, before the shell's Suspense (see [`AdminShell`]).
    let stores = platform::list::store_query();
    let session = session_version();
    let home = Resource::new(
        move || (stores(), session()),
        |((q, after, before), _)| load_admin_home(q, after, before),
    );
    view! {
        <AdminShell
            store=move || view! { <store::Dashboard home/> }
            platform=move || view! { <platform::StoreList home/> }
        />
    }
}

/// What `/admin` shows: a store's dashboard on its host, the store list on the
/// platform's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HomeData {
    Store(store::DashboardView),
    Platform(platform::StoreListing),
}

impl HomeData {
    fn dashboard(self) -> Result<store::DashboardView, AppError> {
        match self {
            HomeData::Store(view) => Ok(view),
            HomeData::Platform(_) => Err(AppError::NoStore),
        }
    }

    fn stores(self) -> Result<platform::StoreListing, AppError> {
        match self {
            HomeData::Platform(listing) => Ok(listing),
            HomeData::Store(_) => Err(AppError::forbidden()),
        }
    }
}

/// `/admin`'s data, for whichever kind of host asks: one request, never one meant for
/// the other kind of host. The store list's query (`q`, `after`, `before`: see
/// [`platform::list_stores`]) means nothing on a store's host.
#[server(endpoint = "admin/home")]
pub async fn load_admin_home(
    q: Option<String>,
    after: Option<i64>,
    before: Option<i64>,
) -> Result<HomeData, AppError> {
    match crate::ssr::site().await?.tenant() {
        Some(_) => Ok(HomeData::Store(store::load_dashboard().await?)),
        None => Ok(HomeData::Platform(
            platform::list_stores(q, after, before).await?,
        )),
    }
}
