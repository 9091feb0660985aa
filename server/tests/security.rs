//! Security rules tried as an attacker would (issue 8): racing the login throttle,
//! locking an owner out, overlong login names, staff acting as superusers, checkout
//! replays, guest orders, forged form errors, session lifetimes and the sweeper.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use marketplace::accounts::Username;
use marketplace::email::Email;
use marketplace::password::Password;
use marketplace::security::Policy;
use marketplace::sweep::Sweeper;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const TECH: &str = "techstore.localhost:8000";
const PUBLIC: &str = "localhost:8000";
const ADMIN_PASSWORD: &str = "test-password-1";
const ATTACKER: &str = "10.66.0.1";

use common::cookie_named;

async fn count(app: &common::TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// How a flood of login attempts ended: verified wrong, logged in, slowed down.
fn tally(replies: &[common::Reply]) -> (usize, usize, usize) {
    let wrong = replies
        .iter()
        .filter(|r| r.body.contains("incorrect"))
        .count();
    let ok = replies
        .iter()
        .filter(|r| {
            cookie_named(r, "mkt_session").is_some() || cookie_named(r, "mkt_platform").is_some()
        })
        .count();
    let slowed = replies
        .iter()
        .filter(|r| r.body.contains("Too many failed logins"))
        .count();
    (wrong, ok, slowed)
}

#[sqlx::test(migrations = false)]
async fn racing_wrong_passwords_cannot_get_past_the_throttle(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 12).await;
    let free = Policy::default().account_throttle.free_failures as usize;
    // 20 wrong passwords and the right one, all at once, from one client.
    let mut bodies: Vec<String> = (0..20)
        .map(|i| format!("username=admin&password=wrong+guess+{i}"))
        .collect();
    bodies.insert(10, format!("username=admin&password={ADMIN_PASSWORD}"));
    let replies = futures::future::join_all(
        bodies
            .iter()
            .map(|body| app.call_from(ATTACKER, TECH, "admin/login", body, None)),
    )
    .await;
    let (wrong, ok, slowed) = tally(&replies);
    assert!(
        wrong + ok <= free,
        "at most {free} passwords verified, got {wrong} wrong + {ok} right"
    );
    assert_eq!(
        wrong + ok + slowed,
        21,
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );

    // The same race against the platform's login.
    marketplace::platform::create(
        &app.pool,
        &Username::parse("root").unwrap(),
        &Email::parse("root@platform.example").unwrap(),
        &marketplace::password::hash(Password::parse("platform password").unwrap()).await,
    )
    .await
    .unwrap();
    let mut bodies: Vec<String> = (0..20)
        .map(|i| format!("username=root&password=wrong+guess+{i}"))
        .collect();
    bodies.insert(3, "username=root&password=platform+password".to_owned());
    let replies = futures::future::join_all(
        bodies
            .iter()
            .map(|body| app.call_from(ATTACKER, PUBLIC, "admin/login", body, None)),
    )
    .await;
    let (wrong, ok, slowed) = tally(&replies);
    assert!(
        wrong + ok <= free,
        "platform: {wrong} wrong + {ok} right verified"
    );
    assert_eq!(wrong + ok + slowed, 21);
}

#[sqlx::test(migrations = false)]
async fn a_stranger_slows_only_themself_down(_: PgPoolOptions, options: PgConnectOptions) {
    let mut policy = Policy::default();
    policy.client_throttle.free_failures = 8;
    let app = common::seeded_with_policy(options, 4, policy).await;
    // The attacker guesses at admin's password from the shop's own login form until
    // they are slowed down...
    let mut slowed = None;
    for i in 0..7 {
        let reply = app
            .call_from(
                ATTACKER,
                TECH,
                "account/login",
                &format!("email=admin&password=guess+number+{i}"),
                None,
            )
            .await;
        if reply.body.contains("Too many failed logins") {
            slowed = Some(reply);
            break;
        }
        assert!(reply.body.contains("incorrect"), "{}", reply.body);
    }
    let slowed = slowed.expect("the attacker is slowed down");
    assert!(slowed.body.contains("Try again in"), "{}", slowed.body);
    // ...and even the right password does not help them while they are.
    let blocked = app
        .call_from(
            ATTACKER,
            TECH,
            "admin/login",
            &format!("username=admin&password={ADMIN_PASSWORD}"),
            None,
        )
        .await;
    assert!(
        blocked.body.contains("Too many failed logins"),
        "{}",
        blocked.body
    );
    assert!(cookie_named(&blocked, "mkt_session").is_none());

    // The owner, from their own address, logs in as usual.
    app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;

    // Guessing across many accounts from one address is slowed too (8 here).
    let mut slowed_at = None;
    for i in 0..12 {
        let reply = app
            .call_from(
                "10.77.0.1",
                TECH,
                "account/login",
                &format!("email=user{i}%40example.com&password=some+password"),
                None,
            )
            .await;
        if reply.body.contains("Too many failed logins") {
            slowed_at = Some(i);
            break;
        }
    }
    assert_eq!(
        slowed_at,
        Some(8),
        "the 9th account tried from one address is slowed"
    );
}

#[sqlx::test(migrations = false)]
async fn overlong_login_names_are_refused_before_any_query(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let long = "a".repeat(2800);
    for (host, function, field) in [
        (TECH, "account/login", "email"),
        (TECH, "admin/login", "username"),
        (PUBLIC, "admin/login", "username"),
    ] {
        let reply = app
            .call(host, function, &format!("{field}={long}&password=x"), None)
            .await;
        assert!(reply.body.contains("\"Invalid\""), "{}", reply.body);
        assert!(
            reply.body.contains("up to 254 characters"),
            "{}",
            reply.body
        );
    }
    assert_eq!(
        count(&app, "select count(*) from techstore.login_throttle").await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from public.platform_login_throttle").await,
        0
    );
}

#[sqlx::test(migrations = false)]
async fn plain_staff_cannot_manage_users(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
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
    let admin_id = count(
        &app,
        "select id from techstore.users where username = 'admin'",
    )
    .await;
    let clerk_id = count(
        &app,
        "select id from techstore.users where username = 'clerk'",
    )
    .await;
    let clerk = app.staff_login(TECH, "clerk", "clerk password").await;
    let users_before = count(&app, "select count(*) from techstore.users").await;

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
        count(&app, "select count(*) from techstore.users").await,
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
    let app = common::seeded(options, 6).await;
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
    let admin_id = count(
        &app,
        "select id from techstore.users where username = 'admin'",
    )
    .await;
    let boss2_id = count(
        &app,
        "select id from techstore.users where username = 'boss2'",
    )
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
    let active = count(
        &app,
        "select count(*) from techstore.users where is_superuser and is_active",
    )
    .await;
    assert_eq!(active, 1, "{} / {}", a.body, b.body);
}

#[sqlx::test(migrations = false)]
async fn anonymous_callers_learn_nothing_about_admin_forms(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
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

/// Adds product 2 to the cart of the session `cookie` (starting one when `None`).
async fn add_to_cart(app: &common::TestApp, cookie: Option<&str>) -> String {
    let reply = app
        .call(TECH, "cart/add", "product_id=2&quantity=1", cookie)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    cookie
        .map(str::to_owned)
        .or_else(|| cookie_named(&reply, "mkt_session"))
        .expect("a session")
}

async fn cart_count(app: &common::TestApp, cookie: &str) -> i64 {
    let page = app
        .send(
            Request::get("/cart")
                .header(header::HOST, TECH)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let marker = "Cart, ";
    let at = page.body.find(marker).expect("cart count in the header") + marker.len();
    page.body[at..].split(' ').next().unwrap().parse().unwrap()
}

#[sqlx::test(migrations = false)]
async fn checkout_replays_belong_to_the_buyer(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let buyer = add_to_cart(&app, None).await;
    let key = "replaykey0123456789abcdef";
    let form = format!("name=Ada&email=ada%40example.com&address=1+Loop+Road&key={key}");
    let first = app.call(TECH, "checkout/place", &form, Some(&buyer)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("TECH002"), "{}", first.body);
    let orders_after_first = count(&app, "select count(*) from techstore.orders").await;

    // The buyer shops on, then the old form is sent again: same order, cart kept.
    add_to_cart(&app, Some(&buyer)).await;
    assert_eq!(cart_count(&app, &buyer).await, 1);
    let replay = app.call(TECH, "checkout/place", &form, Some(&buyer)).await;
    assert!(replay.body.contains("TECH002"), "{}", replay.body);
    assert_eq!(
        cart_count(&app, &buyer).await,
        1,
        "the new cart is untouched"
    );

    // Someone else with the same key: refused, told nothing, their cart untouched.
    let other = add_to_cart(&app, None).await;
    let stolen = app.call(TECH, "checkout/place", &form, Some(&other)).await;
    assert!(stolen.body.contains("already been used"), "{}", stolen.body);
    assert!(!stolen.body.contains("TECH002"), "{}", stolen.body);
    assert_eq!(cart_count(&app, &other).await, 1);
    assert_eq!(
        count(&app, "select count(*) from techstore.orders").await,
        orders_after_first
    );
}

#[sqlx::test(migrations = false)]
async fn guest_orders_stay_the_guests(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let guest = add_to_cart(&app, None).await;
    let form =
        "name=Guest&email=guest%40example.com&address=Secret+Street+1&key=guestkey0123456789abcd";
    let placed = app.call(TECH, "checkout/place", form, Some(&guest)).await;
    assert!(placed.body.contains("TECH002"), "{}", placed.body);
    // Someone else logs in (registers) in that browser afterwards.
    let registered = app
        .call(
            TECH,
            "account/register",
            "name=Next&email=next%40example.com&password=next+password",
            Some(&guest),
        )
        .await;
    let next = cookie_named(&registered, "mkt_session").expect("logged in");
    let mine = app.call(TECH, "account/orders", "", Some(&next)).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(!mine.body.contains("TECH002"), "{}", mine.body);
    assert_eq!(
        count(&app, "select count(*) from techstore.orders where order_number = 'TECH002' and customer_id is null").await,
        1
    );
}

#[sqlx::test(migrations = false)]
async fn form_errors_in_links_cannot_be_forged(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    // {"Rejected":"Call 555-0100 to verify your account"}, as Leptos encodes errors.
    let forged = "eyJSZWplY3RlZCI6IkNhbGwgNTU1LTAxMDAgdG8gdmVyaWZ5IHlvdXIgYWNjb3VudCJ9";
    let url = format!("/account/login?__path=%2Fapi%2Faccount%2Flogin&__err={forged}");
    let reply = app.get(TECH, &url).await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    assert_eq!(reply.headers[header::LOCATION], "/account/login");
    assert!(!reply.body.contains("555-0100"));

    // A genuine error comes back with its own cookie and shows; with another
    // visitor's cookie, or none, the same link shows nothing.
    let post = |cookie: Option<&'static str>| {
        let mut request = Request::post("/api/account/login")
            .header(header::HOST, TECH)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::ORIGIN, format!("http://{TECH}"))
            .header(header::REFERER, format!("http://{TECH}/account/login"));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request
            .body(Body::from(
                "email=nobody%40example.com&password=wrong+password",
            ))
            .unwrap()
    };
    let failed = app.send(post(None)).await;
    let location = failed.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        location.contains("__err=") && location.contains("__sig="),
        "{location}"
    );
    let nonce = cookie_named(&failed, "mkt_form_error").expect("a form-error cookie");
    let path = location.trim_start_matches(&format!("http://{TECH}"));
    let get = |cookie: Option<String>| {
        let mut request = Request::get(path).header(header::HOST, TECH);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    };
    let shown = app.send(get(Some(nonce))).await;
    assert_eq!(shown.status, 200);
    assert!(
        shown.body.contains("The email or password is incorrect."),
        "{}",
        shown.body
    );
    let elsewhere = app
        .send(get(Some("mkt_form_error=someoneelsesnonce".into())))
        .await;
    assert!(elsewhere.status.is_redirection());
    let none = app.send(get(None)).await;
    assert!(none.status.is_redirection());
}

#[sqlx::test(migrations = false)]
async fn staff_sessions_idle_out_and_everything_expired_is_swept(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
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
    marketplace::platform::create(
        &app.pool,
        &Username::parse("root").unwrap(),
        &Email::parse("root@platform.example").unwrap(),
        &marketplace::password::hash(Password::parse("platform password").unwrap()).await,
    )
    .await
    .unwrap();
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
    let sessions_before = count(&app, "select count(*) from techstore.sessions").await;
    assert!(sessions_before > 2, "{sessions_before}");
    sweeper.tick(&app.pool, &policy).await.unwrap();
    assert_eq!(
        count(&app, "select count(*) from techstore.sessions").await,
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
            count(&app, &format!("select count(*) from {table}")).await,
            0,
            "{table}"
        );
    }
}
