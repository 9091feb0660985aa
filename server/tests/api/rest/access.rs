//! Who may use the API: a key of this store with the scope the operation needs. A key
//! of another store is refused on this store's host whatever it claims, and a revoked
//! key from the very next request on.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{assert_problem, get, key, post, request};
use crate::helpers::{TestApp, FASHION, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn each_operation_needs_its_scope(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let reader = key(&app, "techstore", &["read_products"]).await;

    let products = get(&app, TECH, "/api/v1/products", &reader).await;
    assert_eq!(products.status, 200, "{}", products.body);
    let names: Vec<String> = products.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Laptop", "Mouse"]);
    assert!(
        products.json()["items"][0]["price"].is_string(),
        "money as a decimal string"
    );

    for path in ["/api/v1/orders", "/api/v1/customers", "/api/v1/settings"] {
        let refused = get(&app, TECH, path, &reader).await;
        assert_problem(&refused, 403, "insufficient-scope", Some("scope"));
    }
    let create = post(
        &app,
        TECH,
        "/api/v1/products",
        &reader,
        r#"{"name": "Cable", "price": "9.99"}"#,
        &[],
    )
    .await;
    assert_problem(&create, 403, "insufficient-scope", Some("scope"));
    assert_eq!(
        app.count("select count(*) from techstore.products").await,
        2
    );

    let everything = key(
        &app,
        "techstore",
        &["read_orders", "read_customers", "read_settings"],
    )
    .await;
    for path in ["/api/v1/orders", "/api/v1/customers", "/api/v1/settings"] {
        assert_eq!(
            get(&app, TECH, path, &everything).await.status,
            200,
            "{path}"
        );
    }
    let settings = get(&app, TECH, "/api/v1/settings", &everything)
        .await
        .json();
    assert_eq!(settings["order_prefix"], "TECH");
}

#[sqlx::test(migrations = false)]
async fn a_key_works_on_its_own_store_only(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let tech = key(&app, "techstore", &["read_products"]).await;
    let fashion = key(&app, "fashion", &["read_products"]).await;

    let mine = get(&app, FASHION, "/api/v1/products", &fashion).await;
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("T-Shirt") && !mine.body.contains("Laptop"));

    // TechStore's key on Fashion's host: Fashion's schema does not know it.
    let theirs = get(&app, FASHION, "/api/v1/products", &tech).await;
    let problem = assert_problem(&theirs, 401, "unauthorized", Some("Authorization"));
    assert!(!theirs.body.contains("Laptop") && !theirs.body.contains("T-Shirt"));
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("not valid for this store"));
    assert_eq!(
        theirs.headers.get("www-authenticate").unwrap(),
        "Bearer realm=\"api\""
    );
    // Not on the public host either.
    let public = get(&app, PUBLIC, "/api/v1/products", &tech).await;
    assert_problem(&public, 404, "not-found", None);

    // No key, another scheme, a malformed key, a made-up key of the right shape.
    let none = app
        .send(request("GET", TECH, "/api/v1/products", None, None, &[]))
        .await;
    assert_problem(&none, 401, "unauthorized", Some("Authorization"));
    let basic = app
        .send(request(
            "GET",
            TECH,
            "/api/v1/products",
            None,
            None,
            &[("authorization", "Basic YWRtaW46YWRtaW4=")],
        ))
        .await;
    assert_problem(&basic, 401, "unauthorized", Some("Authorization"));
    let forged = format!("{}{}", &tech[..16], "x".repeat(40));
    for wrong in ["nonsense", forged.as_str()] {
        let reply = get(&app, TECH, "/api/v1/products", wrong).await;
        assert_problem(&reply, 401, "unauthorized", Some("Authorization"));
    }
}

#[sqlx::test(migrations = false)]
async fn a_revoked_key_is_refused_at_once_and_uses_are_recorded(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let tech = key(&app, "techstore", &["read_products"]).await;
    let last_used =
        || app.count("select count(*) from techstore.api_keys where last_used_at is not null");
    assert_eq!(last_used().await, 0);
    assert_eq!(get(&app, TECH, "/api/v1/products", &tech).await.status, 200);
    assert_eq!(last_used().await, 1, "the use is recorded");

    // Revoked through the admin's server function, as a superuser does it.
    let staff = app
        .staff_login(TECH, "admin", crate::helpers::ADMIN_PASSWORD)
        .await;
    let id = app.count("select id from techstore.api_keys").await;
    let revoked = app
        .call(
            TECH,
            "admin/store/api-keys/revoke",
            &format!("id={id}"),
            Some(&staff),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let refused = get(&app, TECH, "/api/v1/products", &tech).await;
    assert_problem(&refused, 401, "unauthorized", Some("Authorization"));
}

#[sqlx::test(migrations = false)]
async fn only_this_stores_superusers_manage_its_keys(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let boss = app
        .staff_login(TECH, "admin", crate::helpers::ADMIN_PASSWORD)
        .await;
    let created = app
        .call(
            TECH,
            "admin/store/api-keys/create",
            "name=ERP&read_orders=on&write_orders=on",
            Some(&boss),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let plaintext = created.json()["plaintext"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&app, TECH, "/api/v1/orders", &plaintext).await.status,
        200
    );
    assert_eq!(
        get(&app, TECH, "/api/v1/products", &plaintext).await.status,
        403,
        "only the scopes ticked"
    );
    let listed = app
        .call(TECH, "admin/store/api-keys", "", Some(&boss))
        .await;
    assert!(listed.body.contains("\"write_orders\"") && !listed.body.contains(&plaintext[16..]));
    let none = app
        .call(
            TECH,
            "admin/store/api-keys/create",
            "name=Nothing",
            Some(&boss),
        )
        .await;
    assert!(none.body.contains("\"field\":\"scopes\""), "{}", none.body);

    // Plain staff, another store's superuser and nobody are refused every function.
    let clerk_made = app
        .call(
            TECH,
            "admin/store/users/create",
            "username=clerk&email=clerk%40tech.example&password=clerk+password",
            Some(&boss),
        )
        .await;
    assert_eq!(clerk_made.status, 200, "{}", clerk_made.body);
    let clerk = app.staff_login(TECH, "clerk", "clerk password").await;
    let fashion = app
        .staff_login(FASHION, "admin", crate::helpers::ADMIN_PASSWORD)
        .await;
    let id = app.count("select id from techstore.api_keys").await;
    for cookie in [Some(clerk.as_str()), Some(fashion.as_str()), None] {
        for (function, body) in [
            ("admin/store/api-keys", String::new()),
            (
                "admin/store/api-keys/create",
                "name=Mole&read_customers=on".to_owned(),
            ),
            ("admin/store/api-keys/revoke", format!("id={id}")),
        ] {
            let reply = app.call(TECH, function, &body, cookie).await;
            assert!(
                reply.status == 401 || reply.status == 403,
                "{function}: {} {}",
                reply.status,
                reply.body
            );
        }
    }
    assert_eq!(
        app.count("select count(*) from techstore.api_keys").await,
        1
    );
    assert_eq!(
        app.count("select count(*) from techstore.api_keys where revoked_at is not null")
            .await,
        0
    );
}
