//! The theme editor over HTTP: validation (nothing saved on a refusal), preview seen
//! by the previewing session alone, publish and restore, the theme in the page's head,
//! logo uploads judged by their bytes, and each store's own look.

use axum::body::Body;
use axum::http::{header, Request};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{encode_form, Reply, TestApp, ADMIN_PASSWORD, FASHION, TECH};

/// The default preset's values as the form posts them, with `changes` applied.
fn form(changes: &[(&str, &str)]) -> String {
    let mut fields = vec![
        ("accent", "#2f5bea"),
        ("accent_text", "#ffffff"),
        ("background", "#f5f7fb"),
        ("surface", "#ffffff"),
        ("text", "#1c2230"),
        ("heading_font", "system"),
        ("body_font", "system"),
        ("radius", "10"),
        ("page_width", "1152"),
        ("button_style", "filled"),
    ];
    for (name, value) in changes {
        fields.iter_mut().find(|(n, _)| n == name).unwrap().1 = value;
    }
    encode_form(&fields)
}

/// The `<style id="store-theme">` of a page (its head's theme block).
fn theme_css(page: &Reply) -> &str {
    let start = page
        .body
        .find("<style id=\"store-theme\"")
        .unwrap_or_else(|| panic!("a theme style: {}", page.body));
    let end = start + page.body[start..].find("</style>").unwrap();
    &page.body[start..end]
}

#[sqlx::test(migrations = false)]
async fn invalid_values_and_unknown_keys_are_refused_and_nothing_is_saved(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    for (field, value) in [
        ("accent", "red"),
        ("accent_text", "#ffffff;}body{display:none"),
        ("background", "#fff0"),
        ("surface", ""),
        ("text", "var(--x)"),
        ("heading_font", "comic-sans"),
        ("body_font", "../../fonts/x"),
        ("radius", "99"),
        ("page_width", "100"),
        ("button_style", "blink"),
    ] {
        let reply = app
            .call(
                TECH,
                "admin/store/theme/save",
                &form(&[(field, value)]),
                Some(&staff),
            )
            .await;
        assert_eq!(reply.status, 422, "{field}: {}", reply.body);
        assert!(
            reply.body.contains(&format!("\"field\":\"{field}\"")),
            "{field}: {}",
            reply.body
        );
    }
    let extra = format!("{}&custom_css=body%7Bdisplay%3Anone%7D", form(&[]));
    let reply = app
        .call(TECH, "admin/store/theme/save", &extra, Some(&staff))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("custom_css"), "{}", reply.body);
    assert_eq!(
        app.count("select count(*) from techstore.theme_draft")
            .await,
        0
    );

    let anonymous = app
        .call(TECH, "admin/store/theme/save", &form(&[]), None)
        .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        app.count("select count(*) from techstore.theme_draft")
            .await,
        0
    );
}

#[sqlx::test(migrations = false)]
async fn only_the_previewing_session_sees_the_draft_until_it_is_published(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let owner = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let other = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let draft = form(&[("accent", "#aa3300"), ("heading_font", "playfair-display")]);
    let saved = app
        .call(TECH, "admin/store/theme/save", &draft, Some(&owner))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let on = app
        .call(TECH, "admin/store/theme/preview", "on=true", Some(&owner))
        .await;
    assert_eq!(on.status, 200, "{}", on.body);

    let previewed = app.get_with(TECH, "/", Some(&owner)).await;
    let head = &previewed.body[..previewed.body.find("<body").unwrap()];
    assert!(
        head.contains("<style id=\"store-theme\""),
        "in the head: {head}"
    );
    assert!(theme_css(&previewed).contains("--accent:#aa3300"));
    assert!(theme_css(&previewed).contains("playfair-display-latin-700-normal.woff2"));
    assert!(previewed.body.contains("Previewing the draft theme"));
    for cookie in [None, Some(other.as_str())] {
        let page = app.get_with(TECH, "/", cookie).await;
        assert!(theme_css(&page).contains("--accent:#2f5bea"), "{cookie:?}");
        assert!(!page.body.contains("Previewing the draft theme"));
    }

    let published = app
        .call(TECH, "admin/store/theme/publish", "", Some(&owner))
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    let first = published.json().as_i64().unwrap();
    let cart = app.get(TECH, "/cart").await;
    assert!(
        theme_css(&cart).contains("--accent:#aa3300"),
        "every storefront page"
    );
    let editor = app.get_with(TECH, "/admin/theme", Some(&owner)).await;
    assert!(
        editor.body.contains("<h1>Theme</h1>")
            && editor.body.contains("Stop preview")
            && editor.body.contains("Live"),
        "{}",
        editor.body
    );
    let seen = app.get(TECH, "/").await;
    assert!(theme_css(&seen).contains("--accent:#aa3300"));
    assert!(theme_css(&seen).contains("--font-heading:\"Playfair Display\""));
    let fashion = app.get(FASHION, "/").await;
    assert!(
        theme_css(&fashion).contains("--accent:#2f5bea"),
        "fashion keeps its look"
    );
    assert!(!fashion.body.contains("Playfair"));

    // The settings form's primary colour is the live accent, as before themes.
    let settings = app
        .call(
            TECH,
            "admin/store/settings/save",
            "display_name=TechStore&tagline=&primary_colour=%23116633",
            Some(&owner),
        )
        .await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    assert!(theme_css(&app.get(TECH, "/").await).contains("--accent:#116633"));

    let second = form(&[("accent", "#000000"), ("accent_text", "#111111")]);
    app.call(TECH, "admin/store/theme/save", &second, Some(&owner))
        .await;
    let editor = app
        .call(TECH, "admin/store/theme", "", Some(&owner))
        .await
        .json();
    let warning = editor["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("accent text on accent has a contrast of 1.1"),
        "{warning}"
    );
    app.call(TECH, "admin/store/theme/publish", "", Some(&owner))
        .await;
    assert!(theme_css(&app.get(TECH, "/").await).contains("--accent:#000000"));
    let restored = app
        .call(
            TECH,
            "admin/store/theme/restore",
            &format!("id={first}"),
            Some(&owner),
        )
        .await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert!(theme_css(&app.get(TECH, "/").await).contains("--accent:#aa3300"));
}

/// A multipart upload of `bytes` as file `filename` (claimed as `claimed_type`).
fn upload(
    kind: &str,
    filename: &str,
    claimed_type: &str,
    bytes: &[u8],
    cookie: &str,
) -> Request<Body> {
    let boundary = "theme-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{filename}\"\r\n\
         Content-Type: {claimed_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post("/admin/theme/upload")
        .header(header::HOST, TECH)
        .header(header::ORIGIN, format!("http://{TECH}"))
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

/// A PNG header claiming `width`×`height`.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend([width.to_be_bytes(), height.to_be_bytes()].concat());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

#[sqlx::test(migrations = false)]
async fn logos_are_judged_by_their_bytes_and_served_for_a_year(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = TestApp::seeded(options, 4).await;
    let staff = app.staff_login(TECH, "admin", ADMIN_PASSWORD).await;
    let assets = "select count(*) from techstore.theme_assets";

    let mut big = png(100, 100);
    big.resize(600 * 1024, 0);
    for (kind, name, claimed, bytes) in [
        (
            "logo",
            "logo.png",
            "image/png",
            b"GIF89a\x10\0\x10\0\0\0\0\0".to_vec(),
        ),
        (
            "logo",
            "logo.png",
            "image/png",
            b"<html><script>alert(1)</script>".to_vec(),
        ),
        ("logo", "logo.png", "image/png", big),
        ("logo", "logo.png", "image/png", png(3000, 40)),
        ("favicon", "icon.png", "image/png", png(1024, 1024)),
    ] {
        let reply = app.send(upload(kind, name, claimed, &bytes, &staff)).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(
            reply.location(),
            format!("/admin/theme?upload_error={kind}")
        );
    }
    assert_eq!(app.count(assets).await, 0, "refused images are not stored");

    // Named and labelled as a GIF, but a PNG by its bytes: accepted as a PNG.
    let reply = app
        .send(upload(
            "logo",
            "logo.gif",
            "image/gif",
            &png(400, 100),
            &staff,
        ))
        .await;
    assert_eq!(reply.location(), "/admin/theme?uploaded=1");
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let reply = app
        .send(upload("favicon", "icon.txt", "text/plain", svg, &staff))
        .await;
    assert_eq!(reply.location(), "/admin/theme?uploaded=1");
    assert_eq!(app.count(assets).await, 2);

    let customer = app
        .send(upload(
            "logo",
            "l.png",
            "image/png",
            &png(10, 10),
            "mkt_session=nope",
        ))
        .await;
    assert_eq!(customer.status, 401);

    app.call(TECH, "admin/store/theme/publish", "", Some(&staff))
        .await;
    let page = app.get(TECH, "/").await;
    let logo = page
        .body
        .split("src=\"/theme/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(
        logo.starts_with("logo-") && logo.ends_with(".png"),
        "{logo}"
    );
    let served = app.get(TECH, &format!("/theme/{logo}")).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(
        served.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        app.get(FASHION, &format!("/theme/{logo}")).await.status,
        404
    );

    let icon = page
        .body
        .split("href=\"/theme/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(
        icon.starts_with("favicon-") && icon.ends_with(".svg"),
        "{icon}"
    );
    let served = app.get(TECH, &format!("/theme/{icon}")).await;
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(
        served.headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    assert_eq!(served.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}
