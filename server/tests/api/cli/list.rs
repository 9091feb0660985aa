//! `list-tenants` at scale: a search, a limit and a position, over registry rows (the
//! command reads nothing else).

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{marketplace, text};
use crate::helpers::{database_url, registry_only_stores};

/// The schema column of each store line (the header and any notice left out).
fn schemas(out: &str) -> Vec<String> {
    out.lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(3))
        .map(str::to_owned)
        .collect()
}

#[sqlx::test(migrations = false)]
async fn list_tenants_searches_limits_and_pages(_: PgPoolOptions, options: PgConnectOptions) {
    let url = database_url(&options);
    let pool = marketplace::db::connect_with(options, 2).await.unwrap();
    assert!(marketplace(&url, &["migrate-schemas"]).status.success());
    let empty = marketplace(&url, &["list-tenants"]);
    assert!(text(&empty).contains("No stores yet"), "{}", text(&empty));
    registry_only_stores(&pool, "Shop", 120).await;

    let all = marketplace(&url, &["list-tenants"]);
    assert!(all.status.success());
    let listed = text(&all);
    assert!(listed.starts_with("      ID NAME"), "{listed}");
    assert_eq!(listed.lines().count(), 121, "a header and every store");

    let first = marketplace(&url, &["list-tenants", "--limit", "50"]);
    let first = text(&first);
    let names = schemas(&first);
    assert_eq!((names.len(), names[0].as_str()), (50, "shop_1"));
    let last_id = first
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let next = marketplace(&url, &["list-tenants", "--limit", "50", "--after", last_id]);
    assert_eq!(schemas(&text(&next))[0], "shop_51");

    let found = marketplace(&url, &["list-tenants", "--search", "SHOP 11"]);
    let found = schemas(&text(&found));
    assert_eq!(found.len(), 11, "Shop 11 and Shop 110 … 119: {found:?}");
    let by_domain = marketplace(&url, &["list-tenants", "--search", "shop-7."]);
    assert_eq!(schemas(&text(&by_domain)), ["shop_7"]);
    let none = marketplace(&url, &["list-tenants", "--search", "nothing"]);
    assert!(none.status.success() && text(&none).contains("No stores match"));
    let long = "x".repeat(101);
    let refused = marketplace(&url, &["list-tenants", "--search", &long]);
    assert!(!refused.status.success(), "{}", text(&refused));
}
