//! A store's own admin: dashboard, products, orders, users, API keys, settings, theme,
//! domains, plan, one module each (as the storefront is laid out in [`crate::store`]). Every
//! server function here starts with [`crate::admin::ssr::staff`], which refuses anyone
//! but an active staff user of this very store.

pub mod api_keys;
pub mod dashboard;
pub mod domains;
pub mod orders;
pub mod plan;
pub mod products;
pub mod settings;
pub mod theme;
mod theme_view;
pub mod users;

pub use api_keys::ApiKeysPage;
pub use dashboard::{load_dashboard, Dashboard, DashboardView};
pub use domains::DomainsPage;
pub use orders::{OrderAdminPage, OrdersPage};
pub use plan::PlanPage;
pub use products::{ProductEditPage, ProductsPage};
pub use settings::SettingsPage;
pub use theme::ThemePage;
pub use users::UsersPage;
