//! Session lifetimes and the sweeper that removes everything expired.

use marketplace::security::Policy;
use marketplace::sweep::Sweeper;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{add_to_cart, cart_count};
use crate::helpers::{TestApp, ADMIN_PASSWORD, PUBLIC, TECH};

#[sqlx::test(migrations = false)]
async fn staff_sessions_idle_out_and_everything_expired_is_swept(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let shopper = add_to_cart(&app, None).await;
    assert_eq!(
        app.call(TECH, "admin/store/dashboard", "", Some(&staff))
            .await
            .status,
        200
    );
    // Three quiet hours: past the staff idle timeout (2 h), not the shopper's.
    sqlx::query("update techstore.sessions set last_seen_at = now() - interval '3 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    let idle = app
        .call(TECH, "admin/store/dashboard", "", Some(&staff))
        .await;
    assert!(idle.body.contains("Unauthorized"), "{}", idle.body);
    assert_eq!(
        cart_count(&app, &shopper).await,
        1,
        "customers' sessions last longer"
    );
    // Staff sessions end 12 hours after login however busy.
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let hours: f64 = sqlx::query_scalar(
        "select extract(epoch from max(s.expires_at - s.created_at))::float8 / 3600 from techstore.sessions s \
         join techstore.users u on u.id = s.user_id where u.is_staff",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((hours - 12.0).abs() < 0.01, "{hours}");
    assert_eq!(
        app.call(TECH, "admin/store/dashboard", "", Some(&staff))
            .await
            .status,
        200
    );

    // A failed login, a platform session: then everything expires.
    app.call(
        TECH,
        "admin/login",
        "username=admin&password=wrong+password",
        None,
    )
    .await;
    app.create_platform_root().await;
    app.call(
        PUBLIC,
        "admin/login",
        "username=root&password=platform+password",
        None,
    )
    .await;
    app.call(
        PUBLIC,
        "admin/login",
        "username=root&password=wrong+password",
        None,
    )
    .await;
    for sql in [
        "update techstore.sessions set expires_at = now() - interval '1 second'",
        "update techstore.login_throttle set last_failed_at = now() - interval '2 hours'",
        "update public.platform_sessions set expires_at = now() - interval '1 second'",
        "update public.platform_login_throttle set last_failed_at = now() - interval '2 hours'",
    ] {
        let changed = sqlx::query(sql)
            .execute(&app.pool)
            .await
            .unwrap()
            .rows_affected();
        assert!(changed > 0, "{sql}");
    }
    // Sweeping is bounded: two rows a table a tick here.
    let mut policy = Policy::default();
    policy.sweep.rows_per_table = 2;
    let mut sweeper = Sweeper::new();
    let sessions_before = app.count("select count(*) from techstore.sessions").await;
    assert!(sessions_before > 2, "{sessions_before}");
    sweeper.tick(&app.pool, &policy).await.unwrap();
    assert_eq!(
        app.count("select count(*) from techstore.sessions").await,
        sessions_before - 2
    );
    for _ in 0..5 {
        sweeper.tick(&app.pool, &policy).await.unwrap();
    }
    for table in [
        "techstore.sessions",
        "techstore.carts",
        "techstore.login_throttle",
        "public.platform_sessions",
        "public.platform_login_throttle",
    ] {
        assert_eq!(
            app.count(&format!("select count(*) from {table}")).await,
            0,
            "{table}"
        );
    }
}
