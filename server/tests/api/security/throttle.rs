//! The login throttle under attack: racing wrong passwords, strangers slowing only
//! themselves down, overlong names refused before any query.

use marketplace::security::Policy;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{Reply, TestApp, ADMIN_PASSWORD, PUBLIC, TECH};

const ATTACKER: &str = "10.66.0.1";

/// How a flood of login attempts ended: verified wrong, logged in, slowed down.
fn tally(replies: &[Reply]) -> (usize, usize, usize) {
    let wrong = replies
        .iter()
        .filter(|r| r.body.contains("incorrect"))
        .count();
    let ok = replies
        .iter()
        .filter(|r| r.cookie("mkt_session").is_some() || r.cookie("mkt_platform").is_some())
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
    let app = TestApp::seeded(options, 12).await;
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
    app.create_platform_root().await;
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
    let app = TestApp::seeded_with_policy(options, 4, policy).await;
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
    assert!(blocked.cookie("mkt_session").is_none());

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
    let app = TestApp::seeded(options, 4).await;
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
        app.count("select count(*) from techstore.login_throttle")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from public.platform_login_throttle")
            .await,
        0
    );
}
