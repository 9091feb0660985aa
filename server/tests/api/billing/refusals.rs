//! A plan's refusal as each road to the write shows it: the store admin's server
//! functions and the REST API (409, the limit named), the Plan page that leads up, and
//! a feature (the own logo) the plan does not include.

use marketplace::tenancy::TenantTx;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::limits::refused_by_plan;
use super::BillingApp;
use crate::helpers::{ADMIN_PASSWORD, TECH};

#[sqlx::test(migrations = false)]
async fn the_admin_refuses_a_staff_account_past_the_plan_with_409_naming_the_limit(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let b = BillingApp::seeded(options).await;
    let techstore = marketplace::tenancy::registry::get_by_schema(
        &b.app.pool,
        &marketplace::tenancy::SchemaName::parse("techstore").unwrap(),
    )
    .await
    .unwrap();
    b.change_plan(&techstore, "starter").await.unwrap();
    let cookie = b.app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let staff_now = b
        .app
        .count("select count(*) from techstore.users where is_staff")
        .await;
    let mut last = None;
    for n in staff_now..=5 {
        let body = format!(
            "username=clerk{n}&email=clerk{n}%40tech.example&password=clerk+password&role=staff"
        );
        last = Some(
            b.app
                .call(TECH, "admin/store/users/create", &body, Some(&cookie))
                .await,
        );
    }
    let refused = last.unwrap();
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Starter plan allows 5 staff accounts"),
        "{}",
        refused.body
    );

    // The Plan page shows the usage and the way up.
    let plan = b
        .app
        .call(TECH, "admin/store/plan", "", Some(&cookie))
        .await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    let plan = plan.json();
    assert_eq!(plan["plan_name"], "Starter");
    let staff = plan["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["label"] == "Staff accounts")
        .unwrap()
        .clone();
    assert_eq!(
        (staff["used"].as_i64(), staff["limit"].as_i64()),
        (Some(5), Some(5))
    );
    let upgrade = b
        .app
        .call(
            TECH,
            "admin/store/plan/change",
            "op=change&plan=growth",
            Some(&cookie),
        )
        .await;
    assert_eq!(upgrade.status, 200, "{}", upgrade.body);
    let body = "username=clerk9&email=clerk9%40tech.example&password=clerk+password&role=staff";
    let created = b
        .app
        .call(TECH, "admin/store/users/create", body, Some(&cookie))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);

    // Payment details: off to the provider's portal, which comes back to the Plan page.
    let portal = b
        .app
        .call(TECH, "admin/store/plan/change", "op=portal", Some(&cookie))
        .await;
    let headers = format!("{:?}", portal.headers);
    assert!(
        headers.contains("/admin/plan?portal=fake&customer=cus_fake_"),
        "{headers}"
    );
}

#[sqlx::test(migrations = false)]
async fn starter_has_no_logo_upload_and_an_upgrade_brings_it(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    use marketplace::theme::assets::{AssetKind, Upload};
    let b = BillingApp::new(options).await;
    let shop = b.app.create_store("shop").await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>"#;
    let upload = || Upload::parse(AssetKind::Logo, svg.to_vec()).unwrap();
    b.change_plan(&shop, "starter").await.unwrap();
    let mut tx = TenantTx::begin(&b.app.state.stores, &shop.schema_name)
        .await
        .unwrap();
    refused_by_plan(
        marketplace::theme::store::put_asset(&mut tx, &upload()).await,
        "Starter plan does not include your own logo",
    );
    tx.rollback().await.unwrap();
    b.change_plan(&shop, "growth").await.unwrap();
    let mut tx = TenantTx::begin(&b.app.state.stores, &shop.schema_name)
        .await
        .unwrap();
    marketplace::theme::store::put_asset(&mut tx, &upload())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrations = false)]
async fn the_rest_api_is_refused_past_the_plan_too(_: PgPoolOptions, options: PgConnectOptions) {
    use crate::rest::{key, post};
    let b = BillingApp::seeded(options).await;
    b.add_tiny_plan().await;
    let techstore = marketplace::tenancy::registry::get_by_schema(
        &b.app.pool,
        &marketplace::tenancy::SchemaName::parse("techstore").unwrap(),
    )
    .await
    .unwrap();
    b.change_plan(&techstore, "tiny").await.unwrap();
    let api = key(&b.app, "techstore", &["write_products"]).await;
    let body = r#"{"name": "USB Cable", "description": "", "price": "9.50", "stock": 4}"#;
    let refused = post(&b.app, TECH, "/api/v1/products", &api, body, &[]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("Tiny plan allows 1 product"),
        "{}",
        refused.body
    );
    // The seed's second product went off sale with the downgrade: the storefront
    // shows one product.
    let on_sale = b
        .app
        .count("select count(*) from techstore.products where is_active")
        .await;
    assert_eq!(on_sale, 1);
    b.change_plan(&techstore, "growth").await.unwrap();
    let created = post(&b.app, TECH, "/api/v1/products", &api, body, &[]).await;
    assert_eq!(created.status, 201, "{}", created.body);
}
