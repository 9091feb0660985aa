//! Products in the admin: validated, and in the store the moment they are saved.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{TestApp, ADMIN_PASSWORD, FASHION, TECH};

#[sqlx::test(migrations = false)]
async fn products_are_validated_and_saved_ones_are_in_the_store_at_once(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from techstore.products")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };

    for (body, field) in [
        ("name=Cable&description=&price=-1&stock=3", "price"),
        ("name=Cable&description=&price=abc&stock=3", "price"),
        ("name=Cable&description=&price=1.234&stock=3", "price"),
        ("name=Cable&description=&price=1&stock=-3", "stock"),
        ("name=+&description=&price=1&stock=3", "name"),
    ] {
        let reply = app
            .call(TECH, "admin/store/product/save", body, Some(&staff))
            .await;
        assert!(
            reply.body.contains(&format!("\"field\":\"{field}\"")),
            "{body}: {}",
            reply.body
        );
    }
    let long = format!("name={}&description=&price=1&stock=3", "n".repeat(201));
    assert!(app
        .call(TECH, "admin/store/product/save", &long, Some(&staff))
        .await
        .body
        .contains("\"field\":\"name\""));
    assert_eq!(count().await, 2, "refused forms changed nothing");

    let saved = app
        .call(
            TECH,
            "admin/store/product/save",
            "name=USB+Cable&description=1+metre&price=9.5&stock=4",
            Some(&staff),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let id = saved.json().as_i64().unwrap();
    let home = app.get(TECH, "/").await;
    assert!(
        home.body.contains("USB Cable")
            && home.body.contains("$9.50")
            && home.body.contains("Only 4 left")
    );
    assert!(!app.get(FASHION, "/").await.body.contains("USB Cable"));

    let edit = format!("id={id}&name=USB-C+Cable&description=&price=12&stock=0");
    assert_eq!(
        app.call(TECH, "admin/store/product/save", &edit, Some(&staff))
            .await
            .status,
        200
    );
    assert!(app.get(TECH, "/").await.body.contains("USB-C Cable"));
    let off = format!("id={id}&active=false");
    app.call(TECH, "admin/store/product/active", &off, Some(&staff))
        .await;
    assert!(
        !app.get(TECH, "/").await.body.contains("USB-C Cable"),
        "inactive products leave the store"
    );
    app.call(
        TECH,
        "admin/store/product/delete",
        &format!("id={id}"),
        Some(&staff),
    )
    .await;
    assert_eq!(count().await, 2);
}
