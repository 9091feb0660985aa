//! Paging over more than 250 rows while others insert: every row that existed when the
//! paging began comes exactly once, in id order, and the pages chain through `Link`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{get, key};
use crate::helpers::{TestApp, TECH};

#[sqlx::test(migrations = false)]
async fn pages_have_no_duplicates_and_no_gaps_while_rows_are_inserted(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = Arc::new(TestApp::seeded(options, 4).await);
    sqlx::query(
        "insert into techstore.products (name, price, stock) \
         select 'Bulk ' || i, 1.00, 1 from generate_series(1, 400) i",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let before: Vec<i64> = sqlx::query_scalar("select id from techstore.products order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(before.len() > 250);
    let reader = key(&app, "techstore", &["read_products"]).await;

    // The largest page is 250, and the next one follows from Link.
    let first = get(&app, TECH, "/api/v1/products?limit=250", &reader).await;
    assert_eq!(first.json()["items"].as_array().unwrap().len(), 250);
    let link = first
        .headers
        .get("link")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let cursor = first.json()["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(
        link,
        format!("</api/v1/products?limit=250&cursor={cursor}>; rel=\"next\"")
    );

    // Another client inserts products all the while.
    let inserting = Arc::new(AtomicBool::new(true));
    let writer = {
        let (pool, inserting) = (app.pool.clone(), inserting.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while inserting.load(Ordering::Relaxed) {
                sqlx::query(
                    "insert into techstore.products (name, price, stock) values ($1, 2.00, 1)",
                )
                .bind(format!("Concurrent {n}"))
                .execute(&pool)
                .await
                .unwrap();
                n += 1;
                tokio::task::yield_now().await;
            }
            n
        })
    };

    let mut seen: Vec<i64> = Vec::new();
    let mut path = "/api/v1/products?limit=37".to_owned();
    loop {
        let page = get(&app, TECH, &path, &reader).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let json = page.json();
        let items = json["items"].as_array().unwrap();
        assert!(items.len() <= 37);
        seen.extend(items.iter().map(|p| p["id"].as_i64().unwrap()));
        match page.headers.get("link") {
            Some(link) => {
                let link = link.to_str().unwrap();
                path = link[1..link.find('>').unwrap()].to_owned();
            }
            None => {
                assert!(json["next_cursor"].is_null());
                break;
            }
        }
    }
    inserting.store(false, Ordering::Relaxed);
    let inserted = writer.await.unwrap();
    assert!(inserted > 0, "the writer ran during the paging");

    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "strictly in id order, no duplicates"
    );
    let missing: Vec<&i64> = before.iter().filter(|id| !seen.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "rows that existed were skipped: {missing:?}"
    );
}
