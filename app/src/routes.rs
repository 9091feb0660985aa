//! The route table, and which pages the browser downloads only when they are visited.
//!
//! A shopper on a store's home page should not download the admins or the request-flow
//! page to buy a mouse. Every page named here with [`lazy_page!`] is compiled into its
//! own WebAssembly chunk by `cargo leptos build --split` (scripts/build): the main
//! bundle holds the router, the store's frame (header, cart indicator, the shared
//! actions) and its home page; every other page — product, cart, checkout, accounts,
//! both admins, the request-flow page — loads when it is first visited.
//! On the server nothing changes: every page still renders whole (`SsrMode::Async`),
//! so forms work before — and without — the WebAssembly, and a page loaded directly
//! gets `<link rel="preload">` hints for its chunks in the HTML.
//!
//! Two rules follow from the splitting. The browser must hydrate with
//! `leptos::mount::hydrate_lazy` (the frontend does), because a lazy page's chunk has to
//! arrive before its server HTML can be hydrated. And the wasm must always be built with
//! `--split`: without it the glue imports a loader file that only the split writes.

use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};

use crate::admin::platform::{NewStorePage, StoreAdminPage, SubscriptionsPage};
use crate::admin::store::{
    ApiKeysPage, DomainsPage, OrderAdminPage, OrdersPage, PlanPage, ProductEditPage, ProductsPage,
    SettingsPage, ThemePage, UsersPage,
};
use crate::admin::{AdminActions, AdminHome};
use crate::flow::page::FlowPage;
use crate::store::account::{LoginPage, LogoutPage, MyOrdersPage, RegisterPage};
use crate::store::cart::CartPage;
use crate::store::catalogue::{HomePage, ProductDetailPage};
use crate::store::checkout::{CheckoutPage, OrderPage};

/// Declares `$route`, a route whose page (`$page`, a component without props) lives in a
/// WebAssembly chunk of its own. The page creates its resources itself when it renders,
/// as it always has, so the route has no data to start loading before the chunk arrives.
/// Under `admin:`, the route also provides the admins' login and logout actions
/// ([`AdminActions`]), which the storefront's bundle then never holds.
macro_rules! lazy_page {
    (admin: $($route:ident => $page:ident,)*) => {
        lazy_page!(@with provide_admin_actions $($route => $page,)*);
    };
    ($($route:ident => $page:ident,)*) => {
        lazy_page!(@with nothing_to_provide $($route => $page,)*);
    };
    (@with $setup:ident $($route:ident => $page:ident,)*) => {$(
        #[doc = concat!("The lazily loaded route of [`", stringify!($page), "`].")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_route: Self) -> AnyView {
                $setup();
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

fn nothing_to_provide() {}

fn provide_admin_actions() {
    provide_context(AdminActions::new());
}

lazy_page! {
    ProductDetailRoute => ProductDetailPage,
    CartRoute => CartPage,
    CheckoutRoute => CheckoutPage,
    OrderRoute => OrderPage,
    RegisterRoute => RegisterPage,
    LoginRoute => LoginPage,
    LogoutRoute => LogoutPage,
    MyOrdersRoute => MyOrdersPage,
    FlowRoute => FlowPage,
}

lazy_page! {
    admin:
    AdminHomeRoute => AdminHome,
    ProductsRoute => ProductsPage,
    ProductEditRoute => ProductEditPage,
    OrdersRoute => OrdersPage,
    OrderAdminRoute => OrderAdminPage,
    UsersRoute => UsersPage,
    ApiKeysRoute => ApiKeysPage,
    SettingsRoute => SettingsPage,
    ThemeRoute => ThemePage,
    DomainsRoute => DomainsPage,
    PlanRoute => PlanPage,
    BillingRoute => SubscriptionsPage,
    NewStoreRoute => NewStorePage,
    StoreAdminRoute => StoreAdminPage,
}

/// Every page of every host. Each one renders whole on the server (`SsrMode::Async`):
/// titles are right and forms work before (or without) the WebAssembly app.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <crate::NotFound/> }>
            <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
            <Route path=path!("/products/:id") view={Lazy::<ProductDetailRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/cart") view={Lazy::<CartRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/checkout") view={Lazy::<CheckoutRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/orders/:number") view={Lazy::<OrderRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/account/register") view={Lazy::<RegisterRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/account/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/account/logout") view={Lazy::<LogoutRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/account/orders") view={Lazy::<MyOrdersRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/flow") view={Lazy::<FlowRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin") view={Lazy::<AdminHomeRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/products") view={Lazy::<ProductsRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/products/new") view={Lazy::<ProductEditRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/products/:id") view={Lazy::<ProductEditRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/orders") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/orders/:number") view={Lazy::<OrderAdminRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/api-keys") view={Lazy::<ApiKeysRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/theme") view={Lazy::<ThemeRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/domains") view={Lazy::<DomainsRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/plan") view={Lazy::<PlanRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/billing") view={Lazy::<BillingRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/stores/new") view={Lazy::<NewStoreRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/stores/:schema") view={Lazy::<StoreAdminRoute>::new()} ssr=SsrMode::Async/>
        </Routes>
    }
}
