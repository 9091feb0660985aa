//! The store list at its edges: keyset pages forwards and back, the search (prefixes
//! of name, schema and domain, with `like`'s wildcards taken literally), the counts.
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::*;
use crate::tenancy::registry::TenantStatus;
use crate::tenancy::testing::platform;

/// Registry rows only (`store_1` … `store_<n>`, served at `store-<i>.localhost`): the
/// list reads nothing else, and rows are far cheaper than provisioned stores.
async fn registry_rows(pool: &PgPool, n: i64) {
    sqlx::query(
        "with t as (insert into public.tenants (name, schema_name, owner_email) \
           select 'Store ' || i, 'store_' || i, 'owner@example.com' \
           from generate_series(1, $1) i returning id, schema_name) \
         insert into public.domains (domain, tenant_id, is_primary) \
         select replace(schema_name, '_', '-') || '.localhost', id, true from t",
    )
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
}

fn names(page: &Page) -> Vec<&str> {
    page.stores.iter().map(|t| t.schema_name.as_str()).collect()
}

fn search(raw: &str) -> Option<Search> {
    Search::parse(raw).unwrap()
}

#[sqlx::test(migrations = false)]
async fn pages_meet_at_their_edges(_: PgPoolOptions, options: PgConnectOptions) {
    let pool = platform(options).await;
    let empty = page(&pool, None, Position::First, 2).await.unwrap();
    assert_eq!(
        (empty.stores.len(), empty.previous, empty.next),
        (0, None, None)
    );

    registry_rows(&pool, 5).await;
    let first = page(&pool, None, Position::First, 2).await.unwrap();
    assert_eq!(names(&first), ["store_1", "store_2"]);
    assert_eq!(first.previous, None);
    let second = page(&pool, None, Position::After(first.next.unwrap()), 2)
        .await
        .unwrap();
    assert_eq!(names(&second), ["store_3", "store_4"]);
    let last = page(&pool, None, Position::After(second.next.unwrap()), 2)
        .await
        .unwrap();
    assert_eq!(names(&last), ["store_5"]);
    assert_eq!(last.next, None, "nothing after the last store");

    // Back from the last page, then back to a full first page.
    let back = page(&pool, None, Position::Before(last.previous.unwrap()), 2)
        .await
        .unwrap();
    assert_eq!(names(&back), ["store_3", "store_4"]);
    let start = page(&pool, None, Position::Before(back.previous.unwrap()), 2)
        .await
        .unwrap();
    assert_eq!(start, first);

    // Exactly a page's worth: no next page.
    let all = page(&pool, None, Position::First, 5).await.unwrap();
    assert_eq!((all.stores.len(), all.next), (5, None));
    // Past the end: empty, with the way back.
    let beyond = page(&pool, None, Position::After(99), 2).await.unwrap();
    assert!(beyond.stores.is_empty());
    let back = page(&pool, None, Position::Before(beyond.previous.unwrap()), 2)
        .await
        .unwrap();
    assert_eq!(names(&back), ["store_4", "store_5"]);
    // Sizes are kept within bounds.
    let one = page(&pool, None, Position::First, 0).await.unwrap();
    assert_eq!(one.stores.len(), 1);
}

#[sqlx::test(migrations = false)]
async fn search_finds_prefixes_of_name_schema_and_any_domain(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = platform(options).await;
    registry_rows(&pool, 120).await;
    let found = |raw: &'static str| {
        let pool = pool.clone();
        async move {
            let search = search(raw);
            let page = page(&pool, search.as_ref(), Position::First, 50)
                .await
                .unwrap();
            names(&page)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        }
    };
    // Name, case-insensitively: "Store 11" and "Store 110" … "Store 119".
    let by_name = found("  STORE 11").await;
    assert_eq!(by_name.len(), 11, "{by_name:?}");
    assert_eq!(by_name[0], "store_11");
    // Schema: `_` is a character here, not `like`'s any-character.
    assert_eq!(found("store_12").await.len(), 2, "store_12 and store_120");
    assert!(found("store%").await.is_empty());
    assert!(found("store1").await.is_empty(), "no '_' wildcard");
    // Any of a store's domains, not only its primary one.
    let tenant_id: i64 =
        sqlx::query_scalar("select id from public.tenants where schema_name = 'store_7'")
            .fetch_one(&pool)
            .await
            .unwrap();
    sqlx::query(
        "insert into public.domains (domain, tenant_id, is_primary) values ('shop.example', $1, false)",
    )
    .bind(tenant_id)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(found("shop.ex").await, ["store_7"]);
    assert_eq!(found("store-99.").await, ["store_99"]);
    assert!(found("nothing").await.is_empty());

    // A search pages like the whole list.
    let store_1 = search("store 1");
    let first = page(&pool, store_1.as_ref(), Position::First, 20)
        .await
        .unwrap();
    assert_eq!(first.stores.len(), 20);
    let rest = page(
        &pool,
        store_1.as_ref(),
        Position::After(first.next.unwrap()),
        20,
    )
    .await
    .unwrap();
    // "Store 1", "Store 10" … "Store 19", "Store 100" … "Store 120": 32 in all.
    assert_eq!((rest.stores.len(), rest.next), (12, None));
    assert!(rest.stores.iter().all(|t| t.name.starts_with("Store 1")));

    assert!(Search::parse("   ").unwrap().is_none());
    let long = Search::parse(&"x".repeat(101)).unwrap_err();
    assert_eq!(long.field(), Some("q"));
}

#[sqlx::test(migrations = false)]
async fn counts_come_from_one_query_over_the_registry(_: PgPoolOptions, options: PgConnectOptions) {
    let pool = platform(options).await;
    registry_rows(&pool, 30).await;
    sqlx::query(
        "update public.tenants set status = 'suspended' where schema_name like 'store\\_2%'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let all = counts(&pool, None).await.unwrap();
    assert_eq!(
        all,
        Counts {
            stores: 30,
            active: 19,
            suspended: 11,
            matching: 30
        }
    );
    let some = counts(&pool, search("store 3").as_ref()).await.unwrap();
    assert_eq!(
        (some.stores, some.matching),
        (30, 2),
        "store_3 and store_30"
    );
    let page = page(&pool, None, Position::First, 50).await.unwrap();
    let suspended = page
        .stores
        .iter()
        .filter(|t| t.status == TenantStatus::Suspended)
        .count();
    assert_eq!(suspended as i64, all.suspended);
}

#[sqlx::test(migrations = false)]
async fn the_stream_yields_every_store_after_a_position(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    use futures::TryStreamExt as _;
    let pool = platform(options).await;
    registry_rows(&pool, 7).await;
    let all: Vec<Tenant> = stream(&pool, None, 0, None).try_collect().await.unwrap();
    assert_eq!(all.len(), 7);
    let after: Vec<Tenant> = stream(&pool, None, all[4].id, None)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(after, all[5..]);
    let limited: Vec<Tenant> = stream(&pool, None, 0, Some(3)).try_collect().await.unwrap();
    assert_eq!(limited, all[..3]);
    let found = search("store 7");
    let matching: Vec<Tenant> = stream(&pool, found.as_ref(), 0, None)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(matching, all[6..]);
}
