//! `Idempotency-Key` on POST, and each key's rate limit.

use std::time::Duration;

use axum::http::header;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{assert_problem, get, key, post};
use crate::helpers::{TestApp, TECH};

#[sqlx::test(migrations = false)]
async fn a_retry_replays_the_first_answer_and_a_different_body_is_refused(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let writer = key(&app, "techstore", &["write_products"]).await;
    let products = "/api/v1/products";
    let body = r#"{"name": "Cable", "price": "3.00"}"#;
    let once = [("idempotency-key", "order-sync-42")];

    let first = post(&app, TECH, products, &writer, body, &once).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = post(&app, TECH, products, &writer, body, &once).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body, "the same product, not a second one");
    assert_eq!(again.location(), first.location());
    assert_eq!(
        again.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(
        app.count("select count(*) from techstore.products where name = 'Cable'")
            .await,
        1
    );

    let other = post(
        &app,
        TECH,
        products,
        &writer,
        r#"{"name": "Other", "price": "3.00"}"#,
        &once,
    )
    .await;
    assert_problem(
        &other,
        422,
        "idempotency-key-reused",
        Some("Idempotency-Key"),
    );

    // Without a key, or with another one, each POST is its own.
    post(&app, TECH, products, &writer, body, &[]).await;
    post(
        &app,
        TECH,
        products,
        &writer,
        body,
        &[("idempotency-key", "another")],
    )
    .await;
    assert_eq!(
        app.count("select count(*) from techstore.products where name = 'Cable'")
            .await,
        3
    );

    // Refusals are kept too: the same invalid request gets the same 422.
    let invalid = r#"{"name": "Cable", "price": "-1"}"#;
    let bad = [("idempotency-key", "bad-one")];
    let first = post(&app, TECH, products, &writer, invalid, &bad).await;
    let again = post(&app, TECH, products, &writer, invalid, &bad).await;
    assert_eq!(first.status, 422);
    assert_eq!(again.status, 422);
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");

    // Another key's records are its own: the same Idempotency-Key runs afresh.
    let other_key = key(&app, "techstore", &["write_products"]).await;
    let fresh = post(&app, TECH, products, &other_key, body, &once).await;
    assert_eq!(fresh.status, 201);
    assert!(fresh.headers.get("idempotent-replayed").is_none());
}

#[sqlx::test(migrations = false)]
async fn a_retry_while_the_first_runs_is_a_conflict_and_old_records_expire(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let writer = key(&app, "techstore", &["write_products"]).await;
    let body = r#"{"name": "Cable", "price": "3.00"}"#;
    let once = [("idempotency-key", "slow-one")];

    // The first request holds the product row lock, so it waits mid-way.
    let id = app.count("select min(id) from techstore.products").await;
    let mut lock = app.pool.begin().await.unwrap();
    sqlx::query("select 1 from techstore.products where id = $1 for update")
        .bind(id)
        .execute(&mut *lock)
        .await
        .unwrap();
    let path = format!("/api/v1/products/{id}/stock");
    let running = {
        let (router, writer, path) = (app.router.clone(), writer.clone(), path.clone());
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = super::request(
                "POST",
                TECH,
                &path,
                Some(&writer),
                Some(r#"{"delta": 1}"#),
                &once,
            );
            router.oneshot(request).await.unwrap().status()
        })
    };
    // Once the first has claimed the key (and waits on the lock), retry.
    let claimed = "select count(*) from techstore.idempotency_keys where key = 'slow-one'";
    for _ in 0..250 {
        if app.count(claimed).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let conflict = post(&app, TECH, &path, &writer, r#"{"delta": 1}"#, &once).await;
    assert_problem(
        &conflict,
        409,
        "idempotency-key-in-use",
        Some("Idempotency-Key"),
    );
    lock.rollback().await.unwrap();
    assert_eq!(running.await.unwrap(), 200);
    let replay = post(&app, TECH, &path, &writer, r#"{"delta": 1}"#, &once).await;
    assert_eq!(replay.headers.get("idempotent-replayed").unwrap(), "true");

    // After 24 hours a key is free again.
    let first = post(
        &app,
        TECH,
        "/api/v1/products",
        &writer,
        body,
        &[("idempotency-key", "old")],
    )
    .await;
    assert_eq!(first.status, 201);
    sqlx::query("update techstore.idempotency_keys set created_at = now() - interval '25 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    let later = post(
        &app,
        TECH,
        "/api/v1/products",
        &writer,
        body,
        &[("idempotency-key", "old")],
    )
    .await;
    assert_eq!(later.status, 201);
    assert!(later.headers.get("idempotent-replayed").is_none());
    assert_ne!(later.json()["id"], first.json()["id"]);
}

#[sqlx::test(migrations = false)]
async fn each_key_has_its_own_rate_limit(_: PgPoolOptions, options: PgConnectOptions) {
    let mut app = TestApp::seeded(options, 4).await;
    app.router = server::startup::router(
        app.state.clone(),
        server::startup::ServerConfig {
            api_rates: server::api::RateRules {
                burst: 3,
                per_second: 0.2,
            },
            ..Default::default()
        },
    );
    let busy = key(&app, "techstore", &["read_products"]).await;
    let quiet = key(&app, "techstore", &["read_products"]).await;

    let remaining: Vec<String> = {
        let mut remaining = Vec::new();
        for _ in 0..3 {
            let reply = get(&app, TECH, "/api/v1/products", &busy).await;
            assert_eq!(reply.status, 200);
            assert_eq!(reply.headers.get("ratelimit-limit").unwrap(), "3");
            remaining.push(
                reply
                    .headers
                    .get("ratelimit-remaining")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        remaining
    };
    assert_eq!(remaining, ["2", "1", "0"]);
    let refused = get(&app, TECH, "/api/v1/products", &busy).await;
    let problem = assert_problem(&refused, 429, "rate-limited", None);
    assert_eq!(refused.headers.get("retry-after").unwrap(), "5");
    assert_eq!(problem["retry_after"], 5);
    assert_eq!(refused.headers.get("ratelimit-remaining").unwrap(), "0");
    assert!(refused.headers.get("ratelimit-reset").is_some());

    // Another key of the same store is not slowed down.
    assert_eq!(
        get(&app, TECH, "/api/v1/products", &quiet).await.status,
        200
    );
}
