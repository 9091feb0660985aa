//! Themes in the store's schema: a draft nobody but a previewing staff session sees,
//! publishing, the last ten versions kept, restoring, and each store's own look.

use super::{fashion, new_session, seeded, techstore};
use marketplace::security::Policy;
use marketplace::sessions;
use marketplace::tenancy::{self, SchemaName, TenantTx};
use marketplace::theme::{presets, store, Colour, Font, Theme};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// The theme a visitor with `token` sees in `schema`, as the storefront reads it.
async fn seen(pool: &PgPool, schema: &SchemaName, token: Option<&str>) -> store::LiveTheme {
    let (settings, stored) = tenancy::read(
        pool,
        schema,
        (marketplace::settings::current(), store::live(token)),
    )
    .await
    .unwrap();
    stored.resolve(&settings.primary_colour)
}

/// A session of techstore's seeded `admin`.
async fn staff_session(pool: &PgPool, schema: &SchemaName) -> (i64, String) {
    let mut tx = TenantTx::begin(pool, schema).await.unwrap();
    let admin: i64 = sqlx::query_scalar("select id from techstore.users where username = 'admin'")
        .fetch_one(pool)
        .await
        .unwrap();
    let new = sessions::create(&mut tx, Some(admin), Policy::default().staff_sessions)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (new.session.id, new.token)
}

fn red_playfair() -> Theme {
    let mut theme = presets::default();
    theme.accent = Colour::parse("#aa3300").unwrap();
    theme.heading_font = Font::PlayfairDisplay;
    theme
}

#[sqlx::test(migrations = false)]
async fn the_draft_is_seen_only_by_the_previewing_staff_session(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = seeded(options, 4).await;
    let tech = techstore();
    let (staff_id, staff) = staff_session(&pool, &tech).await;
    let (_, other_staff) = staff_session(&pool, &tech).await;
    let (customer_id, customer) = new_session(&pool, &tech).await;

    let fresh = seen(&pool, &tech, None).await;
    assert_eq!(
        fresh.theme,
        presets::default(),
        "a new store wears the default"
    );

    let mut tx = TenantTx::begin(&pool, &tech).await.unwrap();
    store::save_draft(&mut tx, &red_playfair()).await.unwrap();
    store::set_preview(&mut tx, staff_id, true).await.unwrap();
    // A customer's session listed as previewing (it cannot be, through the admin)
    // still sees nothing of the draft: preview is for staff.
    store::set_preview(&mut tx, customer_id, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let previewing = seen(&pool, &tech, Some(&staff)).await;
    assert!(previewing.previewing);
    assert_eq!(previewing.theme, red_playfair());
    for token in [None, Some(other_staff.as_str()), Some(customer.as_str())] {
        let other = seen(&pool, &tech, token).await;
        assert!(!other.previewing);
        assert_eq!(other.theme, presets::default(), "{token:?}");
    }
    assert_eq!(
        seen(&pool, &fashion(), Some(&staff)).await.theme,
        presets::default()
    );

    let mut tx = TenantTx::begin(&pool, &tech).await.unwrap();
    store::set_preview(&mut tx, staff_id, false).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        seen(&pool, &tech, Some(&staff)).await.theme,
        presets::default()
    );
}

#[sqlx::test(migrations = false)]
async fn publishing_keeps_ten_versions_and_any_can_be_restored(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let pool = seeded(options, 4).await;
    let tech = techstore();
    let mut tx = TenantTx::begin(&pool, &tech).await.unwrap();
    let mut first = None;
    for radius in 0..12u8 {
        let mut theme = red_playfair();
        theme.radius = radius;
        store::save_draft(&mut tx, &theme).await.unwrap();
        let version = store::publish(&mut tx).await.unwrap();
        if radius == 2 {
            first = Some(version.id);
        }
    }
    tx.commit().await.unwrap();

    let live = seen(&pool, &tech, None).await.theme;
    assert_eq!(
        (live.radius, live.accent.to_string()),
        (11, "#aa3300".into())
    );
    let settings = tenancy::read(&pool, &tech, marketplace::settings::current())
        .await
        .unwrap();
    assert_eq!(
        settings.primary_colour, "#aa3300",
        "the accent is the primary colour"
    );

    let mut tx = TenantTx::begin(&pool, &tech).await.unwrap();
    let versions = store::versions(&mut tx).await.unwrap();
    let radii: Vec<u8> = versions.iter().map(|v| v.theme.radius).collect();
    assert_eq!(
        radii,
        (2..12).rev().collect::<Vec<_>>(),
        "the newest ten, newest first"
    );
    let oldest = first.unwrap();
    assert_eq!(versions.last().unwrap().id, oldest);

    let restored = store::restore(&mut tx, oldest).await.unwrap();
    assert_eq!(restored.theme.radius, 2);
    assert!(matches!(
        store::restore(&mut tx, oldest - 1).await,
        Err(marketplace::Error::NotFound(_))
    ));
    tx.commit().await.unwrap();
    assert_eq!(seen(&pool, &tech, None).await.theme.radius, 2);
    assert_eq!(
        seen(&pool, &fashion(), None).await.theme,
        presets::default()
    );
}
