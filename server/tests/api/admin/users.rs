//! The store's staff users and its settings.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{TestApp, ADMIN_PASSWORD, FASHION, TECH};

#[sqlx::test(migrations = false)]
async fn staff_users_and_settings(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;

    let short = app
        .call(
            TECH,
            "admin/store/users/create",
            "username=clerk&email=clerk%40tech.example&password=short",
            Some(&staff),
        )
        .await;
    assert!(
        short.body.contains("\"field\":\"password\""),
        "{}",
        short.body
    );
    let created = app
        .call(
            TECH,
            "admin/store/users/create",
            "username=clerk&email=clerk%40tech.example&password=clerk+password",
            Some(&staff),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let dup = app
        .call(
            TECH,
            "admin/store/users/create",
            "username=clerk&email=c2%40tech.example&password=clerk+password",
            Some(&staff),
        )
        .await;
    assert!(dup.body.contains("already taken"));
    let users = app
        .call(TECH, "admin/store/users", "", Some(&staff))
        .await
        .json()["users"]
        .clone();
    let clerk = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "clerk")
        .unwrap()
        .clone();
    assert_eq!(clerk["is_staff"], true);
    let me = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["is_me"] == true)
        .unwrap()
        .clone();

    let clerk_session = app.staff_login(TECH, "clerk", "clerk password").await;
    assert_eq!(
        app.call(TECH, "admin/store/dashboard", "", Some(&clerk_session))
            .await
            .status,
        200
    );
    // Deactivating ends the clerk's sessions at once; one cannot deactivate oneself.
    let self_off = app
        .call(
            TECH,
            "admin/store/users/active",
            &format!("id={}&active=false", me["id"]),
            Some(&staff),
        )
        .await;
    assert!(self_off.body.contains("cannot deactivate yourself"));
    app.call(
        TECH,
        "admin/store/users/active",
        &format!("id={}&active=false", clerk["id"]),
        Some(&staff),
    )
    .await;
    assert!(app
        .call(TECH, "admin/store/dashboard", "", Some(&clerk_session))
        .await
        .body
        .contains("Unauthorized"));
    let relogin = app
        .call(
            TECH,
            "admin/login",
            "username=clerk&password=clerk+password",
            None,
        )
        .await;
    assert!(relogin.cookie("mkt_session").is_none());
    app.call(
        TECH,
        "admin/store/users/active",
        &format!("id={}&active=true", clerk["id"]),
        Some(&staff),
    )
    .await;
    app.call(
        TECH,
        "admin/store/users/password",
        &format!("id={}&password=new+clerk+password", clerk["id"]),
        Some(&staff),
    )
    .await;
    app.staff_login(TECH, "clerk", "new clerk password").await;

    let bad = app
        .call(
            TECH,
            "admin/store/settings/save",
            "display_name=Tech&tagline=&primary_colour=blue",
            Some(&staff),
        )
        .await;
    assert!(bad.body.contains("\"field\":\"primary_colour\""));
    let saved = app
        .call(
            TECH,
            "admin/store/settings/save",
            "display_name=TechStore+Pro&tagline=Gadgets+galore&primary_colour=%23aa3300",
            Some(&staff),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let home = app.get(TECH, "/").await;
    assert!(
        home.body.contains("<h1>TechStore Pro</h1>")
            && home.body.contains("Gadgets galore")
            && home.body.contains("#aa3300")
    );
    assert!(app
        .get(FASHION, "/")
        .await
        .body
        .contains("<h1>Fashion Boutique</h1>"));
}
