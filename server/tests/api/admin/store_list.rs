//! The platform admin's store list at scale: keyset pages, the prefix search, the
//! counts, with and without JavaScript, for platform staff only. The timing at 10,000
//! registry rows is an ignored test (run it by name with `--ignored --nocapture`).

use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{registry_only_stores, TestApp, ADMIN_PASSWORD, PUBLIC, TECH};

/// The list's server function at `query` (`q=…&after=…`), as platform staff `cookie`.
async fn listing(app: &TestApp, query: &str, cookie: &str) -> Value {
    let reply = app
        .call(PUBLIC, "admin/platform/stores", query, Some(cookie))
        .await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    reply.json()
}

fn schemas(listing: &Value) -> Vec<&str> {
    listing["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["schema"].as_str().unwrap())
        .collect()
}

/// The seed's two stores and `shop01` … `shop<n>`, provisioned like any store.
async fn with_shops(app: &TestApp, n: usize) {
    for i in 1..=n {
        app.create_store(&format!("shop{i:02}")).await;
    }
}

#[sqlx::test(migrations = false)]
async fn the_store_list_pages_searches_and_counts(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let root = app.platform_staff().await;
    with_shops(&app, 49).await;

    // 51 stores: a full first page of 50, then one more.
    let first = listing(&app, "", &root).await;
    assert_eq!(schemas(&first).len(), 50);
    assert_eq!(schemas(&first)[..2], ["techstore", "fashion"]);
    assert_eq!(first["stores"][0]["products"], 2);
    assert_eq!(first["previous"], Value::Null);
    let counts = serde_json::json!({"stores": 51, "active": 51, "suspended": 0, "matching": 51});
    assert_eq!(first["counts"], counts);
    let next = first["next"].as_i64().expect("a next page");
    let second = listing(&app, &format!("after={next}"), &root).await;
    assert_eq!(schemas(&second), ["shop49"]);
    assert_eq!(second["next"], Value::Null);
    let previous = second["previous"].as_i64().expect("a previous page");
    let back = listing(&app, &format!("before={previous}"), &root).await;
    assert_eq!(back, first);

    // Search: a prefix of the name, the schema or a domain, any case.
    let found = listing(&app, "q=shop0", &root).await;
    assert_eq!(schemas(&found).len(), 9, "shop01 … shop09");
    assert_eq!(found["counts"]["matching"], 9);
    assert_eq!(found["counts"]["stores"], 51);
    assert_eq!(found["next"], Value::Null);
    assert_eq!(
        schemas(&listing(&app, "q=+TECH", &root).await),
        ["techstore"]
    );
    assert_eq!(
        schemas(&listing(&app, "q=fashion.local", &root).await),
        ["fashion"]
    );
    assert!(schemas(&listing(&app, "q=shop%25", &root).await).is_empty());
    let long = app
        .call(
            PUBLIC,
            "admin/platform/stores",
            &format!("q={}", "x".repeat(101)),
            Some(&root),
        )
        .await;
    assert!(long.body.contains("\"field\":\"q\""), "{}", long.body);

    // Suspending shows in the counts at once.
    app.call(
        PUBLIC,
        "admin/platform/store/status",
        "schema=shop07&suspended=true",
        Some(&root),
    )
    .await;
    let counts = &listing(&app, "q=shop0", &root).await["counts"];
    assert_eq!(
        (counts["active"].as_i64(), counts["suspended"].as_i64()),
        (Some(50), Some(1))
    );

    // Without JavaScript: the search form and the page links are plain GETs.
    let page = app.get_with(PUBLIC, "/admin?q=shop0", Some(&root)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("9 starting with “shop0”"),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-schema=\"shop09\""));
    assert!(!page.body.contains("data-schema=\"techstore\""));
    assert!(page.body.contains("<form method=\"get\" action=\"/admin\""));
    let page = app.get_with(PUBLIC, "/admin", Some(&root)).await;
    assert!(
        page.body.contains(&format!("href=\"/admin?after={next}\"")),
        "{}",
        page.body
    );
    let page = app
        .get_with(PUBLIC, &format!("/admin?after={next}"), Some(&root))
        .await;
    assert!(page.body.contains("data-schema=\"shop49\""));
    assert!(page
        .body
        .contains(&format!("href=\"/admin?before={previous}\"")));
}

#[sqlx::test(migrations = false)]
async fn only_platform_staff_on_the_public_host_see_the_list(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let root = app.platform_staff().await;
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    for (host, cookie, refusal) in [
        (PUBLIC, None, "Unauthorized"),
        (PUBLIC, Some(&staff), "Unauthorized"),
        (TECH, Some(&root), "Forbidden"),
    ] {
        for (function, query) in [
            ("admin/platform/stores", "q=tech&after=0"),
            ("admin/home", "q=tech"),
        ] {
            let reply = app
                .call(host, function, query, cookie.map(String::as_str))
                .await;
            assert!(
                !reply.body.contains("techstore"),
                "{function} on {host}: {}",
                reply.body
            );
            if function == "admin/platform/stores" {
                assert!(reply.body.contains(refusal), "{host}: {}", reply.body);
            }
        }
    }
}

/// The median of `runs` timings of `f`, after one warm-up run.
async fn median<F, Fut>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f().await;
        times.push(start.elapsed());
    }
    times.sort();
    times[runs / 2]
}

/// Server time of the store list over 10,000 registry rows (this test's build profile;
/// the router is called in-process, so no network is counted). The first 150 stores
/// are provisioned for real, since the list reads each listed store's own counts; the
/// other 9,850 are registry rows only, which is all that the list's registry queries
/// read. `cargo test -p server --test api store_list_at_ten_thousand -- --ignored --nocapture`
#[sqlx::test(migrations = false)]
#[ignore = "a measurement: provisions 150 stores and prints timings"]
async fn store_list_at_ten_thousand_stores(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 10).await;
    let root = app.platform_staff().await;
    with_shops(&app, 148).await;
    registry_only_stores(&app.pool, "Bulk", 9850).await;
    sqlx::query("analyze public.tenants, public.domains")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.count("select count(*) from public.tenants").await,
        10_000
    );
    let first = listing(&app, "", &root).await;
    let after_50 = first["next"].as_i64().unwrap();
    let second = listing(&app, &format!("after={after_50}"), &root).await;
    let after_100 = second["next"].as_i64().unwrap();

    let mut report = Vec::new();
    for (what, query) in [
        ("first page", String::new()),
        ("third page", format!("after={after_100}")),
        (
            "back to the second page",
            format!("before={}", after_100 + 1),
        ),
        ("search 'shop1' (59 match)", "q=shop1".to_owned()),
        (
            "search 'store-no-such' (none)",
            "q=store-no-such".to_owned(),
        ),
        ("search 'shop12.' by domain", "q=shop12.".to_owned()),
    ] {
        let function = median(21, || async {
            listing(&app, &query, &root).await;
        })
        .await;
        let path = format!("/admin?{query}");
        let page = median(21, || async {
            let reply = app.get_with(PUBLIC, &path, Some(&root)).await;
            assert_eq!(reply.status, 200);
        })
        .await;
        report.push(format!(
            "{what:<32} server fn {:>6.1} ms   full page (SSR) {:>6.1} ms",
            function.as_secs_f64() * 1e3,
            page.as_secs_f64() * 1e3
        ));
    }
    // The registry part alone, deep in the list and over every row.
    use marketplace::tenancy::directory::{self, Position, Search};
    let pool = &app.pool;
    let deep = median(21, || async {
        directory::page(pool, None, Position::After(9_900), 50)
            .await
            .unwrap();
    })
    .await;
    let counts = median(21, || async {
        directory::counts(pool, Search::parse("bulk_99").unwrap().as_ref())
            .await
            .unwrap();
    })
    .await;
    report.push(format!(
        "registry page after id 9,900 {:>6.1} ms   counts with a search {:>6.1} ms",
        deep.as_secs_f64() * 1e3,
        counts.as_secs_f64() * 1e3
    ));
    println!(
        "store list over 10,000 stores (median of 21):\n{}",
        report.join("\n")
    );
}
