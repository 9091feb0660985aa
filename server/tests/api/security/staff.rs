//! Staff rights: plain staff are not superusers, the last superuser stays, and
//! anonymous callers learn nothing about admin forms.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{TestApp, ADMIN_PASSWORD, TECH};

#[sqlx::test(migrations = false)]
async fn plain_staff_cannot_manage_users(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 4).await;
    let boss = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let created = app
        .call(
            TECH,
            "admin/store/users/create",
            "username=clerk&email=clerk%40tech.example&password=clerk+password",
            Some(&boss),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let admin_id = app
        .count("select id from techstore.users where username = 'admin'")
        .await;
    let clerk_id = app
        .count("select id from techstore.users where username = 'clerk'")
        .await;
    let clerk = app.staff_login(TECH, "clerk", "clerk password").await;
    let users_before = app.count("select count(*) from techstore.users").await;

    for (function, body) in [
        (
            "admin/store/users/create",
            "username=mole&email=mole%40tech.example&password=mole+password&role=superuser"
                .to_owned(),
        ),
        (
            "admin/store/users/active",
            format!("id={admin_id}&active=false"),
        ),
        (
            "admin/store/users/password",
            format!("id={admin_id}&password=taken+over+now"),
        ),
    ] {
        let refused = app.call(TECH, function, &body, Some(&clerk)).await;
        assert!(
            refused.body.contains("Forbidden"),
            "{function}: {}",
            refused.body
        );
        assert!(
            refused.body.contains("superuser"),
            "{function}: {}",
            refused.body
        );
    }
    // Nothing changed: no new user, admin active with the same password.
    assert_eq!(
        app.count("select count(*) from techstore.users").await,
        users_before
    );
    app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    // The clerk sees only themself on the users page.
    let page = app
        .call(TECH, "admin/store/users", "", Some(&clerk))
        .await
        .json();
    assert_eq!(page["manages_users"], false);
    assert_eq!(page["users"].as_array().unwrap().len(), 1);

    // A user may change their own password; their other sessions end, this one stays.
    let other_device = app.staff_login(TECH, "clerk", "clerk password").await;
    let changed = app
        .call(
            TECH,
            "admin/store/users/password",
            &format!("id={clerk_id}&password=new+clerk+password"),
            Some(&clerk),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        app.call(TECH, "admin/store/dashboard", "", Some(&clerk))
            .await
            .status,
        200
    );
    let dead = app
        .call(TECH, "admin/store/dashboard", "", Some(&other_device))
        .await;
    assert!(dead.body.contains("Unauthorized"), "{}", dead.body);

    // A superuser's reset ends every session of that user.
    app.call(
        TECH,
        "admin/store/users/password",
        &format!("id={clerk_id}&password=reset+by+boss"),
        Some(&boss),
    )
    .await;
    let dead = app
        .call(TECH, "admin/store/dashboard", "", Some(&clerk))
        .await;
    assert!(dead.body.contains("Unauthorized"), "{}", dead.body);
}

#[sqlx::test(migrations = false)]
async fn the_last_active_superuser_stays(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 6).await;
    let admin = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let created = app
        .call(
            TECH,
            "admin/store/users/create",
            "username=boss2&email=boss2%40tech.example&password=boss2+password&role=superuser",
            Some(&admin),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let boss2 = app.staff_login(TECH, "boss2", "boss2 password").await;
    let admin_id = app
        .count("select id from techstore.users where username = 'admin'")
        .await;
    let boss2_id = app
        .count("select id from techstore.users where username = 'boss2'")
        .await;
    // Two superusers deactivate each other at the same moment: one of them wins.
    let (off_boss2, off_admin) = (
        format!("id={boss2_id}&active=false"),
        format!("id={admin_id}&active=false"),
    );
    let (a, b) = tokio::join!(
        app.call(TECH, "admin/store/users/active", &off_boss2, Some(&admin)),
        app.call(TECH, "admin/store/users/active", &off_admin, Some(&boss2)),
    );
    let active = app
        .count("select count(*) from techstore.users where is_superuser and is_active")
        .await;
    assert_eq!(active, 1, "{} / {}", a.body, b.body);
}

#[sqlx::test(migrations = false)]
async fn anonymous_callers_learn_nothing_about_admin_forms(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    for (function, body) in [
        (
            "admin/store/product/save",
            "name=&description=&price=-1&stock=x",
        ),
        (
            "admin/store/users/create",
            "username=&email=bad&password=short",
        ),
        ("admin/store/users/password", "id=1&password=short"),
        (
            "admin/store/settings/save",
            "display_name=&tagline=&primary_colour=red",
        ),
        ("admin/store/order/status", "number=TECH001&status=nonsense"),
        ("admin/store/orders", "status=nonsense"),
    ] {
        let reply = app.call(TECH, function, body, None).await;
        assert!(
            reply.body.contains("Unauthorized"),
            "{function}: {}",
            reply.body
        );
        assert!(!reply.body.contains("field"), "{function}: {}", reply.body);
    }
}
