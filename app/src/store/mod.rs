//! The storefront: what a visitor of a store's host sees. Every page is rendered whole
//! on the server (it works without JavaScript, forms post to server functions) and
//! hydrates into the WebAssembly app (forms submit in place, the cart indicator updates
//! without a reload).

pub mod account;
pub mod cart;
pub mod catalogue;
pub mod checkout;
pub mod look;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use look::{StoreLook, ThemeHead};

/// How a product's stock reads to a shopper.
pub fn stock_label(stock: i32) -> Option<String> {
    match stock {
        0 => Some("Out of stock".to_owned()),
        1..=5 => Some(format!("Only {stock} left")),
        _ => None,
    }
}

/// The store's presentation, shared by every storefront page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreBrand {
    pub name: String,
    pub tagline: String,
    pub primary_colour: String,
    pub currency_symbol: String,
}

/// What the header shows: the brand, the cart's size, who is logged in, and the
/// store's theme for the page's head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreHeader {
    pub brand: StoreBrand,
    pub cart_items: i64,
    pub customer: Option<String>,
    pub look: StoreLook,
}

#[cfg(feature = "ssr")]
impl From<marketplace::settings::StoreSettings> for StoreBrand {
    fn from(settings: marketplace::settings::StoreSettings) -> Self {
        StoreBrand {
            name: settings.display_name,
            tagline: settings.tagline,
            primary_colour: settings.primary_colour,
            currency_symbol: settings.currency_symbol,
        }
    }
}

#[cfg(feature = "ssr")]
pub(crate) async fn brand(tx: &mut marketplace::tenancy::TenantTx) -> Result<StoreBrand, AppError> {
    Ok(marketplace::settings::get(tx).await?.into())
}

#[cfg(feature = "ssr")]
impl StoreHeader {
    /// The header of `brand`'s store for `visitor` (none: a first visit), in `look`.
    pub(crate) fn new(
        brand: StoreBrand,
        visitor: Option<marketplace::sessions::Visitor>,
        look: StoreLook,
    ) -> Self {
        let (cart_items, customer) = visitor.map_or((0, None), |v| (v.cart_items, v.customer));
        StoreHeader {
            brand,
            cart_items,
            customer,
            look,
        }
    }
}

/// Reads of the request's store in one round trip ([`marketplace::tenancy::read`]),
/// with the visitor's session token: its store settings, its visitor, the theme it
/// sees, then `reads`.
#[cfg(feature = "ssr")]
pub(crate) async fn read_with_header<R: marketplace::tenancy::Reads>(
    reads: R,
) -> Result<(StoreHeader, R::Output), AppError> {
    use marketplace::{sessions, settings, tenancy, theme};
    let (state, tenant) = crate::ssr::store().await?;
    let token = crate::ssr::session_token().await;
    let (settings, visitor, stored_theme, output) = tenancy::read(
        &state.stores,
        &tenant.schema_name,
        (
            settings::current(),
            sessions::visitor(token.as_deref()),
            theme::store::live(token.as_deref()),
            reads,
        ),
    )
    .await?;
    let look = stored_theme.resolve(&settings.primary_colour).into();
    Ok((StoreHeader::new(settings.into(), visitor, look), output))
}

/// The header: brand, cart size, customer — one round trip to the store.
#[server(endpoint = "store/header")]
pub async fn load_header() -> Result<StoreHeader, AppError> {
    let (header, ()) = read_with_header(marketplace::tenancy::Read::ready(())).await?;
    Ok(header)
}

/// The header's data, loaded by [`load_header`] and again after every storefront action.
pub type HeaderResource = Resource<Result<StoreHeader, AppError>>;

/// The header's resource for a page whose own loader reads the header too, in the same
/// store transaction: its first value comes from `page` (`header_of` picks it out, or
/// [`load_header`] when the page failed), later ones from
/// [`StoreActions::header_after`]. So the page costs one store transaction, not one per
/// resource. Create it in the page's component, right after
/// `page`, so the server and the browser create their resources in the same order.
pub fn header_from<T>(
    page: Resource<Result<T, AppError>>,
    header_of: fn(&T) -> StoreHeader,
) -> HeaderResource
where
    T: Clone + Send + Sync + Serialize + for<'de> Deserialize<'de> + 'static,
{
    header_resource(move || async move {
        match page.await {
            Ok(page) => Ok(header_of(&page)),
            // A page that failed (an unknown product): the header on its own.
            Err(_) => load_header().await,
        }
    })
}

/// The header's resource: `first` gives its first value; after each storefront action
/// it follows [`StoreActions::header_after`].
fn header_resource<Fut>(first: impl Fn() -> Fut + Send + Sync + 'static) -> HeaderResource
where
    Fut: std::future::Future<Output = Result<StoreHeader, AppError>> + Send + 'static,
{
    let actions = expect_context::<StoreActions>();
    let at_first = untrack(|| actions.completions());
    // The completions the shown header followed, and the resource itself (to read the
    // header it shows: after hydration that value came from the server, not a fetch).
    let followed = StoredValue::new(at_first);
    let this = StoredValue::new(None::<HeaderResource>);
    let resource = Resource::new(
        move || actions.completions(),
        move |now| {
            let before = followed.get_value();
            followed.set_value(now);
            let shown = this
                .get_value()
                .and_then(|resource| resource.get_untracked())
                .and_then(Result::ok);
            let first = (now == at_first).then(&first);
            async move {
                match first {
                    Some(first) => first.await,
                    None => actions.header_after(before, shown, now).await,
                }
            }
        },
    );
    this.set_value(Some(resource));
    resource
}

/// The completions the header follows: "Add to cart"'s, and the pages' own actions'.
type Completions = (usize, usize);

/// The storefront's actions, shared so that any page's form updates the header.
///
/// Only adding to the cart — the store home's own action — lives here. Every other page
/// creates its actions with [`StoreActions::action`] when it renders, so their code
/// stays in that page's WebAssembly chunk (see `crate::routes`) instead of the bundle
/// every shopper downloads, and their completions still refresh the header.
#[derive(Clone, Copy)]
pub struct StoreActions {
    pub add_to_cart: ServerAction<cart::AddToCart>,
    /// Completions of the pages' own actions.
    completed: RwSignal<usize>,
}

impl StoreActions {
    pub fn new() -> Self {
        StoreActions {
            add_to_cart: ServerAction::new(),
            completed: RwSignal::new(0),
        }
    }

    /// A storefront action of the page rendering now; each completion counts in
    /// [`StoreActions::version`]. The count stops with the page.
    pub fn action<S>(&self) -> ServerAction<S>
    where
        S: ServerFn + Send + Sync + Clone + 'static,
        S::Output: Send + Sync + 'static,
        S::Error: Send + Sync + 'static,
    {
        let action = ServerAction::<S>::new();
        let completed = self.completed;
        Effect::watch(
            move || action.version().get(),
            move |_, _, _| completed.update(|n| *n += 1),
            false,
        );
        action
    }

    /// Changes whenever any action completes: resources that show cart or login state
    /// refetch on it.
    pub fn version(&self) -> usize {
        self.add_to_cart.version().get() + self.completed.get()
    }

    fn completions(&self) -> Completions {
        (self.add_to_cart.version().get(), self.completed.get())
    }

    /// The header once the completions are `now`, the header shown being `shown` as of
    /// the completions `before`. When "Add to cart" is all that completed since, its
    /// own answer carries the cart's new size — the one thing an add changes in the
    /// header — so the indicator updates one round trip after the click, not two.
    /// Otherwise (a login, a checkout, a first load) the header is read again.
    async fn header_after(
        self,
        before: Completions,
        shown: Option<StoreHeader>,
        now: Completions,
    ) -> Result<StoreHeader, AppError> {
        let ((added_before, completed_before), (added_now, completed_now)) = (before, now);
        if added_now != added_before && completed_now == completed_before {
            if let (Some(header), Some(Ok(added))) =
                (shown, self.add_to_cart.value().get_untracked())
            {
                return Ok(StoreHeader {
                    cart_items: added.cart_items,
                    ..header
                });
            }
        }
        load_header().await
    }
}

impl Default for StoreActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The frame of every storefront page: header with the brand, account links and the
/// cart indicator, then the page. `header` comes from [`header_from`] when the page's
/// loader reads it; without one the layout loads it itself.
#[component]
pub fn StoreLayout(
    children: Children,
    #[prop(optional)] header: Option<HeaderResource>,
) -> impl IntoView {
    let header = header.unwrap_or_else(|| header_resource(load_header));
    view! {
        <Suspense fallback=|| view! { <header class="store-header"><span class="brand">"…"</span></header> }>
            {move || Suspend::new(async move {
                match header.await {
                    Ok(header) => view! { <Header header/> }.into_any(),
                    Err(err) => view! {
                        <header class="store-header"><p class="error" role="alert">{err.to_string()}</p></header>
                    }.into_any(),
                }
            })}
        </Suspense>
        <main>{children()}</main>
    }
}

#[component]
fn Header(header: StoreHeader) -> impl IntoView {
    let StoreHeader {
        brand,
        cart_items,
        customer,
        look,
    } = header;
    let logo = look.logo.clone();
    let items_label = if cart_items == 1 {
        "1 item".to_owned()
    } else {
        format!("{cart_items} items")
    };
    let account = match customer {
        Some(name) => view! {
            <span class="greeting">"Hi, " {name}</span>
            <a href="/account/orders">"My orders"</a>
            <a href="/account/logout">"Log out"</a>
        }
        .into_any(),
        None => view! {
            <a href="/account/login">"Log in"</a>
            <a href="/account/register">"Register"</a>
        }
        .into_any(),
    };
    view! {
        <ThemeHead look/>
        <header class="store-header">
            <a class="brand" href="/">
                {logo.map(|src| view! { <img class="logo" src=src alt=""/> })}
                {brand.name}
            </a>
            <nav aria-label="Account and cart">
                {account}
                <a class="cart-link" href="/cart" aria-label=format!("Cart, {items_label}")>
                    <span aria-hidden="true">"Cart"</span>
                    <span class="badge" aria-hidden="true" data-count=cart_items>{cart_items}</span>
                </a>
            </nav>
        </header>
    }
}
