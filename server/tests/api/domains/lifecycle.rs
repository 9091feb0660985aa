//! A domain's lifecycle: pending → verified (served at once, no restart) → flagged when
//! its record vanishes → unflagged when it is back; a claim that never proves itself
//! fails; names the platform keeps are refused; one store per host; IDN hosts.

use marketplace::tenancy::registry::DomainChange;
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::verification::GIVE_UP_AFTER;
use marketplace::tenancy::{domains, DomainStatus, SchemaName};
use marketplace::Error;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{app_with_dns, check, claim, host, store_id, DnsServer};

const TXT: &str = "_marketplace-verify.shop.example.com";

#[sqlx::test(migrations = false)]
async fn a_claim_is_served_once_its_txt_record_holds_its_token(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    let claimed = claim(&app, "techstore", "Shop.Example.com").await.unwrap();
    assert_eq!(claimed.status, DomainStatus::Pending);
    assert_eq!(claimed.token.len(), 32);
    assert!(claimed.next_check_at.is_some());
    assert_eq!(app.get("shop.example.com", "/data/").await.status, 404);

    // No record yet: still pending, looked at again a minute later.
    let missed = check(&app, "techstore", "shop.example.com").await;
    assert_eq!(missed.status, DomainStatus::Pending);
    assert_eq!(missed.attempts, 1);
    let wait = missed.next_check_at.unwrap() - missed.last_checked_at.unwrap();
    assert!((55..=65).contains(&wait.num_seconds()), "{wait}");
    assert!(missed.failure_reason.unwrap().contains(TXT));

    // Someone else's token proves nothing.
    dns.set(&[(TXT, "not-the-token")]);
    let wrong = check(&app, "techstore", "shop.example.com").await;
    assert_eq!(wrong.status, DomainStatus::Pending);
    assert_eq!(app.get("shop.example.com", "/data/").await.status, 404);

    dns.set(&[(TXT, &claimed.token)]);
    let verified = check(&app, "techstore", "shop.example.com").await;
    assert_eq!(verified.status, DomainStatus::Verified);
    assert!(verified.verified_at.is_some() && verified.lost_at.is_none());
    let served = app.get("shop.example.com", "/data/").await;
    assert_eq!(served.status, 200, "served without a restart");
    assert_eq!(served.schema(), Some("techstore"));

    // The record vanishes: flagged, still served; back: unflagged.
    dns.set(&[]);
    let lost = check(&app, "techstore", "shop.example.com").await;
    assert_eq!(lost.status, DomainStatus::Verified);
    assert!(lost.lost_at.is_some());
    assert_eq!(app.get("shop.example.com", "/data/").await.status, 200);
    dns.set(&[(TXT, &claimed.token)]);
    let back = check(&app, "techstore", "shop.example.com").await;
    assert!(back.lost_at.is_none());

    // The names the platform vouched for were never proven by a record: checking one
    // leaves it as it is, never flagged.
    let vouched = check(&app, "techstore", "techstore.localhost").await;
    assert_eq!(vouched.status, DomainStatus::Verified);
    assert!(vouched.lost_at.is_none() && vouched.last_checked_at.is_none());
}

#[sqlx::test(migrations = false)]
async fn a_claim_never_proven_fails_after_72_hours_and_can_be_retried(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    let claimed = claim(&app, "techstore", "shop.example.com").await.unwrap();
    sqlx::query(
        "update public.domains set claimed_at = now() - make_interval(secs => $2) where id = $1",
    )
    .bind(claimed.id)
    .bind(GIVE_UP_AFTER.as_secs_f64() + 60.0)
    .execute(&app.pool)
    .await
    .unwrap();
    let failed = check(&app, "techstore", "shop.example.com").await;
    assert_eq!(failed.status, DomainStatus::Failed);
    assert!(failed.next_check_at.is_none());
    assert!(failed
        .failure_reason
        .unwrap()
        .starts_with("Gave up after 72 hours"));

    // The job no longer looks at it; "Check now" starts over.
    let round = marketplace::tenancy::verification::check_due(
        &app.pool,
        &*app.state.resolver,
        &app.state.verifier.dns,
        100,
    )
    .await
    .unwrap();
    assert_eq!(round.checked, 0);
    dns.set(&[(TXT, &claimed.token)]);
    let retried = check(&app, "techstore", "shop.example.com").await;
    assert_eq!(retried.status, DomainStatus::Verified);
}

#[sqlx::test(migrations = false)]
async fn the_platforms_own_names_cannot_be_claimed(_: PgPoolOptions, options: PgConnectOptions) {
    let dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    for reserved in [
        "localhost",
        "127.0.0.1",
        "shop.localhost",
        "fashion.localhost",
    ] {
        let err = claim(&app, "techstore", reserved).await.unwrap_err();
        assert_eq!(err.field(), Some("domain"), "{reserved}: {err}");
    }
    let hosts = PublicHosts::default().with_platform_domain(host("shops.example"));
    let id = store_id(&app, "techstore").await;
    for reserved in ["shops.example", "a.shops.example", "x.y.shops.example"] {
        let err = domains::claim(&app.pool, &hosts, id, &host(reserved)).await;
        let err = err.unwrap_err();
        assert!(err.message().contains("reserved"), "{reserved}: {err}");
    }
    assert!(
        domains::claim(&app.pool, &hosts, id, &host("myshops.example"))
            .await
            .is_ok()
    );
    // A custom host is only claimed, never made primary before it is verified.
    let schema = SchemaName::parse("techstore").unwrap();
    let resolver = &*app.state.resolver;
    let primary = marketplace::tenancy::registry::change_domain(
        &app.pool,
        resolver,
        &schema,
        &host("myshops.example"),
        DomainChange::MakePrimary,
    )
    .await;
    assert!(matches!(primary, Err(Error::Rejected(_))), "{primary:?}");
}

#[sqlx::test(migrations = false)]
async fn a_host_serves_one_store_the_first_to_verify_it(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    let tech = claim(&app, "techstore", "shop.example.com").await.unwrap();
    let fashion = claim(&app, "fashion", "shop.example.com").await.unwrap();
    assert_ne!(tech.token, fashion.token, "each claim has its own token");
    let again = claim(&app, "techstore", "shop.example.com")
        .await
        .unwrap_err();
    assert!(matches!(again, Error::Conflict { .. }), "{again}");

    dns.set(&[(TXT, &fashion.token)]);
    assert_eq!(
        check(&app, "fashion", "shop.example.com").await.status,
        DomainStatus::Verified
    );
    let lost = domains::get(&app.pool, tech.tenant_id, &host("shop.example.com"))
        .await
        .unwrap();
    assert_eq!(lost.status, DomainStatus::Failed);
    assert_eq!(
        lost.failure_reason.as_deref(),
        Some("Another store verified this domain first.")
    );
    // Even with its own token in DNS, the other store cannot take the host over.
    dns.set(&[(TXT, &tech.token)]);
    let retried = check(&app, "techstore", "shop.example.com").await;
    assert_eq!(retried.status, DomainStatus::Failed);
    let err = claim(&app, "techstore", "shop.example.com")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already"), "{err}");
    let served = app.get("shop.example.com", "/data/").await;
    assert_eq!(served.schema(), Some("fashion"));
}

#[sqlx::test(migrations = false)]
async fn international_hosts_are_stored_as_punycode_and_shown_in_unicode(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    let claimed = claim(&app, "techstore", "Bücher.example.com")
        .await
        .unwrap();
    assert_eq!(claimed.domain.as_str(), "xn--bcher-kva.example.com");
    assert_eq!(claimed.domain.to_unicode(), "bücher.example.com");
    let records = app.state.verifier.targets.records(&claimed);
    assert_eq!(records[0].kind, "CNAME");
    assert_eq!(records[0].name, "bücher.example.com");
    assert_eq!(records[0].value, "stores.localhost.");
    assert_eq!(records[1].name, "_marketplace-verify.bücher.example.com");
    assert_eq!(records[1].value, claimed.token);

    let name = "_marketplace-verify.xn--bcher-kva.example.com";
    dns.set(&[(name, &claimed.token)]);
    assert_eq!(
        check(&app, "techstore", "bücher.example.com").await.status,
        DomainStatus::Verified
    );
    let served = app.get("xn--bcher-kva.example.com", "/data/").await;
    assert_eq!(served.schema(), Some("techstore"));
}

#[sqlx::test(migrations = false)]
async fn the_job_verifies_due_claims_and_other_servers_hear_of_it(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    use std::sync::Arc;
    use std::time::Duration;

    use marketplace::tenancy::resolver::Resolver;
    use marketplace::tenancy::verification::check_due;
    use marketplace::tenancy::Site;

    let mut dns = DnsServer::start();
    let app = app_with_dns(options, &dns).await;
    // Another server on the same database, its cache warmed, hearing changes by NOTIFY.
    let other = Arc::new(Resolver::new(app.pool.clone(), PublicHosts::default()));
    let listener = other.spawn_listener();
    while !other.is_listening() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let serves = |resolver: Arc<Resolver>| async move {
        let site = resolver
            .resolve(&host("shop.example.com"))
            .await
            .unwrap()
            .site;
        matches!(site, Some(Site::Store(_)))
    };
    assert!(!serves(other.clone()).await);

    let claimed = claim(&app, "techstore", "shop.example.com").await.unwrap();
    dns.set(&[(TXT, &claimed.token)]);
    let heard = other.heard();
    let round = check_due(
        &app.pool,
        &*app.state.resolver,
        &app.state.verifier.dns,
        100,
    )
    .await
    .unwrap();
    assert_eq!((round.checked, round.failed), (1, 0));
    let row = domains::get(&app.pool, claimed.tenant_id, &host("shop.example.com")).await;
    assert_eq!(row.unwrap().status, DomainStatus::Verified);
    while other.heard() == heard {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        serves(other.clone()).await,
        "served by the other server, no restart"
    );

    // Re-checks change nothing served: they stay silent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let heard = other.heard();
    sqlx::query("update public.domains set next_check_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    check_due(
        &app.pool,
        &*app.state.resolver,
        &app.state.verifier.dns,
        100,
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(other.heard(), heard);
    listener.abort();
}
