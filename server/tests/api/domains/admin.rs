//! Both admins' domain functions, as the pages call them: a store's superuser claims,
//! sees the records to create, checks now and makes the domain primary; plain staff
//! and other stores cannot; platform staff see and check the same domains.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{app_with_dns, DnsServer};
use crate::helpers::{ADMIN_PASSWORD, FASHION, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn store_superusers_connect_a_domain_from_their_admin(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    let admin = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let change = |body: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.call(TECH, "admin/store/domains/change", body, Some(&admin))
                .await
        }
    };
    let list = || async {
        app.call(TECH, "admin/store/domains", "", Some(&admin))
            .await
            .json()
    };

    assert_eq!(
        change("domain=B%C3%BCcher.example.com&op=add").await.status,
        200
    );
    let reserved = change("domain=shop.localhost&op=add").await;
    assert!(reserved.body.contains("reserved"), "{}", reserved.body);
    let domains = list().await;
    let claimed = domains
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["host"] == "xn--bcher-kva.example.com")
        .unwrap()
        .clone();
    assert_eq!(claimed["display"], "bücher.example.com");
    assert_eq!(claimed["status"], "pending");
    assert_eq!(claimed["checked"], true);
    let txt = &claimed["records"][1];
    assert_eq!(txt["kind"], "TXT");
    assert_eq!(txt["name"], "_marketplace-verify.bücher.example.com");
    let token = txt["value"].as_str().unwrap().to_owned();
    // The store's own platform-vouched host shows no records and no check.
    assert_eq!(domains[0]["host"], "techstore.localhost");
    assert_eq!(domains[0]["checked"], false);

    let early = change("domain=xn--bcher-kva.example.com&op=primary").await;
    assert!(early.body.contains("not verified"), "{}", early.body);
    dns.set(&[("_marketplace-verify.xn--bcher-kva.example.com", &token)]);
    assert_eq!(
        change("domain=xn--bcher-kva.example.com&op=check")
            .await
            .status,
        200
    );
    assert_eq!(
        change("domain=xn--bcher-kva.example.com&op=primary")
            .await
            .status,
        200
    );
    let moved = app.get("techstore.localhost:8000", "/").await;
    assert_eq!(moved.location(), "http://xn--bcher-kva.example.com:8000/");

    // Platform staff see the same domain, verified and primary.
    let root = app.platform_staff().await;
    let detail = app
        .call(
            PUBLIC,
            "admin/platform/store",
            "schema=techstore",
            Some(&root),
        )
        .await
        .json();
    assert_eq!(detail["details"][0]["display"], "bücher.example.com");
    assert_eq!(detail["details"][0]["status"], "verified");
    assert_eq!(detail["details"][0]["primary"], true);
    let check = app
        .call(
            PUBLIC,
            "admin/platform/store/domain",
            "schema=techstore&domain=xn--bcher-kva.example.com&op=check",
            Some(&root),
        )
        .await;
    assert_eq!(check.status, 200, "{}", check.body);

    // Another store's admin session means nothing here, and nobody's means nothing.
    let fashion = app.staff_login(FASHION, "admin", ADMIN_PASSWORD).await;
    let foreign = app
        .call(TECH, "admin/store/domains", "", Some(&fashion))
        .await;
    assert_ne!(foreign.status, 200);
    let anonymous = app.call(TECH, "admin/store/domains", "", None).await;
    assert_ne!(anonymous.status, 200);
}
