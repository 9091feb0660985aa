//! Honest answers: status codes that say what happened, money that cannot overflow,
//! and a database that is away answering 503 rather than hanging.

use axum::http::{header, StatusCode};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::server_fn_request as post;
use crate::helpers::{TestApp, ADMIN_PASSWORD, TECH};

#[sqlx::test(migrations = false)]
async fn server_functions_answer_with_honest_status_codes(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let boss = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;

    let anonymous = app
        .send(post(TECH, "admin/store/dashboard", "", None))
        .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    assert!(anonymous.headers.contains_key("x-request-id"));

    app.send(post(
        TECH,
        "admin/store/users/create",
        "username=clerk&email=clerk%40tech.example&password=clerk+password",
        Some(&boss),
    ))
    .await;
    let clerk = app.staff_login(TECH, "clerk", "clerk password").await;
    let forbidden = app
        .send(post(
            TECH,
            "admin/store/users/create",
            "username=x&email=x%40tech.example&password=long+enough",
            Some(&clerk),
        ))
        .await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );

    let invalid = app
        .send(post(
            TECH,
            "admin/store/product/save",
            "name=Webcam&description=&price=-5&stock=3",
            Some(&boss),
        ))
        .await;
    assert_eq!(
        invalid.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        invalid.body
    );
    assert!(
        invalid.body.contains("\"field\":\"price\""),
        "{}",
        invalid.body
    );

    let taken = app
        .send(post(
            TECH,
            "admin/store/users/create",
            "username=clerk&email=c2%40tech.example&password=long+enough",
            Some(&boss),
        ))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);

    let unknown = app
        .send(post(TECH, "admin/store/order", "number=NOPE1", Some(&boss)))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);

    // Slowed down: 429 with Retry-After.
    let mut last = None;
    for i in 0..6 {
        let body = format!("username=admin&password=wrong+guess+{i}");
        last = Some(app.send(post(TECH, "admin/login", &body, None)).await);
    }
    let slowed = last.unwrap();
    assert_eq!(
        slowed.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        slowed.body
    );
    assert!(slowed.headers.contains_key(header::RETRY_AFTER));

    // A body over the limit: 413, and nothing reached the function.
    let huge = "x".repeat(2 * 1024 * 1024);
    let too_large = app
        .send(post(
            TECH,
            "cart/add",
            &format!("product_id=1&quantity=1&pad={huge}"),
            None,
        ))
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Malformed arguments are the client's mistake, not ours.
    let malformed = app
        .send(post(TECH, "cart/add", "product_id=abc", None))
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.body
    );
}

#[sqlx::test(migrations = false)]
async fn order_totals_cannot_overflow(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let boss = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    for name in ["Yacht", "Jet"] {
        let saved = app
            .send(post(
                TECH,
                "admin/store/product/save",
                &format!("name={name}&description=&price=9999999999.99&stock=1000"),
                Some(&boss),
            ))
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    }
    let id = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select id from techstore.products where name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (yacht, jet) = (id("Yacht").await, id("Jet").await);

    // 99 of the dearest product: 989,999,999,999.01, which numeric(12,2) could not hold.
    let add = app
        .send(post(
            TECH,
            "cart/add",
            &format!("product_id={yacht}&quantity=99"),
            None,
        ))
        .await;
    let shopper = add.cookie("mkt_session").expect("a session");
    let form = "name=Rich&email=rich%40example.com&address=Harbour+1&key=bigorder0123456789abcd";
    let placed = app
        .send(post(TECH, "checkout/place", form, Some(&shopper)))
        .await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    let total: String =
        sqlx::query_scalar("select total::text from techstore.orders order by id desc limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(total, "989999999999.01");

    // Two such lines pass the documented maximum: refused, clearly, nothing written.
    for product in [yacht, jet] {
        app.send(post(
            TECH,
            "cart/add",
            &format!("product_id={product}&quantity=99"),
            Some(&shopper),
        ))
        .await;
    }
    let orders_before: i64 = sqlx::query_scalar("select count(*) from techstore.orders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let form = "name=Rich&email=rich%40example.com&address=Harbour+1&key=toobig0123456789abcdefg";
    let refused = app
        .send(post(TECH, "checkout/place", form, Some(&shopper)))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("at most 1,000,000,000,000.00"),
        "{}",
        refused.body
    );
    let orders_after: i64 = sqlx::query_scalar("select count(*) from techstore.orders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(orders_before, orders_after);

    // Revenue over big orders still adds up.
    let dashboard = app
        .send(post(TECH, "admin/store/dashboard", "", Some(&boss)))
        .await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    // The seed's 1,029.98 and the yacht order's 989,999,999,999.01.
    assert!(
        dashboard.body.contains("\"revenue\":\"990000001028.99\""),
        "{}",
        dashboard.body
    );
}

#[sqlx::test(migrations = false)]
async fn a_database_that_is_away_answers_503_not_a_hang(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 2).await;
    // Resolve the host once (cached), then take the database away.
    assert_eq!(app.get(TECH, "/data/").await.status, StatusCode::OK);
    app.pool.close().await;
    let json = app.get(TECH, "/data/").await;
    assert_eq!(
        json.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        json.body
    );
    assert!(json.body.contains("briefly unavailable"), "{}", json.body);
    let function = app
        .send(post(TECH, "cart/add", "product_id=1&quantity=1", None))
        .await;
    assert_eq!(
        function.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        function.body
    );
    assert!(function.headers.contains_key(header::RETRY_AFTER));
}
