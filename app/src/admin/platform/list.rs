//! `/admin` on the public host: the store list, a page of 50 at a time, searched by a
//! prefix of a store's name, schema or domain, with the registry's counts above it. The
//! search is a plain GET form and the pages are plain links (`?q=…&after=…`), so the
//! list works the same without JavaScript; once hydrated, the router follows those links
//! and the page's resource reloads from the new query.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A store's row in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreRow {
    pub name: String,
    pub schema: String,
    pub domain: String,
    pub status: String,
    pub products: i64,
    pub orders: i64,
}

/// The counts above the list (all read in one query, whatever the number of stores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCounts {
    pub stores: i64,
    pub active: i64,
    pub suspended: i64,
    /// How many stores the search matches (all of them without one).
    pub matching: i64,
}

/// One page of the list, with where the pages either side of it start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreListing {
    pub stores: Vec<StoreRow>,
    pub counts: StoreCounts,
    /// The search, as the page was asked for it (trimmed).
    pub search: String,
    /// The previous page shows the stores before this id.
    pub previous: Option<i64>,
    /// The next page shows the stores after this id.
    pub next: Option<i64>,
}

/// The page of stores a query asks for: `q` searches, `after` / `before` are the store
/// ids the "next" and "previous" links carry (the first page without either).
#[server(endpoint = "admin/platform/stores")]
pub async fn list_stores(
    q: Option<String>,
    after: Option<i64>,
    before: Option<i64>,
) -> Result<StoreListing, AppError> {
    use marketplace::platform;
    use marketplace::tenancy::directory::{Position, Search, PAGE_SIZE};
    let (state, _) = crate::admin::ssr::platform_staff().await?;
    let search_text = q.unwrap_or_default();
    let search = Search::parse(&search_text)?;
    let from = match (after, before) {
        (Some(id), _) => Position::After(id),
        (None, Some(id)) => Position::Before(id),
        (None, None) => Position::First,
    };
    let page = platform::store_page(&state.pool, search.as_ref(), from, PAGE_SIZE).await?;
    let counts = page.counts;
    Ok(StoreListing {
        stores: page
            .stores
            .into_iter()
            .map(|s| StoreRow {
                name: s.tenant.name,
                schema: s.tenant.schema_name.to_string(),
                domain: s.tenant.primary_domain.to_string(),
                status: format!("{:?}", s.tenant.status).to_lowercase(),
                products: s.products,
                orders: s.orders,
            })
            .collect(),
        counts: StoreCounts {
            stores: counts.stores,
            active: counts.active,
            suspended: counts.suspended,
            matching: counts.matching,
        },
        search: search_text.trim().to_owned(),
        previous: page.previous,
        next: page.next,
    })
}

/// The list query of the current URL: `(q, after, before)`, as [`list_stores`] takes it.
pub fn store_query() -> impl Fn() -> (Option<String>, Option<i64>, Option<i64>) + Copy {
    let query = use_query_map();
    move || {
        let query = query.read();
        let id = |key: &str| query.get(key).and_then(|v| v.parse().ok());
        let q = query.get("q").filter(|q| !q.trim().is_empty());
        (q, id("after"), id("before"))
    }
}

/// The address of the list at the search `q`, from `key` (`after` or `before`) `id`.
fn page_link(q: &str, key: &str, id: i64) -> String {
    #[derive(Serialize)]
    struct Link<'a> {
        #[serde(skip_serializing_if = "str::is_empty")]
        q: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        after: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        before: Option<i64>,
    }
    let link = Link {
        q,
        after: (key == "after").then_some(id),
        before: (key == "before").then_some(id),
    };
    let query = serde_urlencoded::to_string(&link).unwrap_or_default();
    format!("/admin?{query}")
}

#[component]
pub fn StoreList(home: Resource<Result<crate::admin::HomeData, AppError>>) -> impl IntoView {
    let query = store_query();
    let search = move || query().0.unwrap_or_default();
    view! {
        <Title text="Stores"/>
        <div class="admin-title">
            <h1>"Stores"</h1>
            <a class="button" href="/admin/stores/new">"New store"</a>
        </div>
        <form method="get" action="/admin" class="filter-form" role="search">
            <label>"Search "
                <input type="search" name="q" maxlength="100" prop:value=search value=search
                    placeholder="Name, schema or domain starts with…"/>
            </label>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                home.await.and_then(crate::admin::HomeData::stores).map(|listing| view! {
                    <StoreCountsLine counts=listing.counts search=listing.search.clone()/>
                    <StoreTable stores=listing.stores.clone()/>
                    <Pager listing/>
                })
            })}
        </Suspense>
    }
}

#[component]
fn StoreCountsLine(counts: StoreCounts, search: String) -> impl IntoView {
    let StoreCounts {
        stores,
        active,
        suspended,
        matching,
    } = counts;
    let found = (!search.is_empty()).then(|| format!(" · {matching} starting with “{search}”"));
    view! {
        <p class="store-counts" data-stores=stores data-matching=matching>
            {format!("{stores} stores: {active} active, {suspended} suspended")}{found}
        </p>
    }
}

#[component]
fn StoreTable(stores: Vec<StoreRow>) -> impl IntoView {
    if stores.is_empty() {
        return view! { <p class="empty">"No stores here."</p> }.into_any();
    }
    let rows = stores
        .into_iter()
        .map(|s| {
            view! {
                <tr data-schema=s.schema.clone()>
                    <th scope="row"><a href=format!("/admin/stores/{}", s.schema)>{s.name.clone()}</a></th>
                    <td><code>{s.schema.clone()}</code></td>
                    <td>{s.domain.clone()}</td>
                    <td class="status" data-status=s.status.clone()>{s.status.clone()}</td>
                    <td class="num">{s.products}</td>
                    <td class="num">{s.orders}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="cart-table admin-table">
            <thead><tr>
                <th scope="col">"Store"</th><th scope="col">"Schema"</th><th scope="col">"Primary domain"</th>
                <th scope="col">"Status"</th><th scope="col" class="num">"Products"</th><th scope="col" class="num">"Orders"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// "Previous" and "Next" links, each shown only when there is such a page.
#[component]
fn Pager(listing: StoreListing) -> impl IntoView {
    let previous = listing.previous.map(|id| {
        view! { <a rel="prev" href=page_link(&listing.search, "before", id)>"← Previous"</a> }
    });
    let next = listing.next.map(|id| {
        view! { <a rel="next" href=page_link(&listing.search, "after", id)>"Next →"</a> }
    });
    view! { <nav class="pager" aria-label="Store list pages">{previous}{next}</nav> }
}

#[cfg(test)]
mod tests {
    use super::page_link;

    #[test]
    fn page_links_carry_the_search_encoded() {
        assert_eq!(page_link("", "after", 50), "/admin?after=50");
        assert_eq!(
            page_link("tech & co", "before", 7),
            "/admin?q=tech+%26+co&before=7"
        );
    }
}
