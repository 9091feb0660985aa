//! The committed OpenAPI document is the generated one, byte for byte, and the server
//! serves it: an API change shows in review as a diff of `openapi/v1.json`.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::helpers::{TestApp, TECH};

#[test]
fn the_committed_spec_is_the_generated_one() {
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/v1.json"),
    )
    .expect("openapi/v1.json is committed");
    assert!(
        committed == server::api::spec(),
        "openapi/v1.json is out of date; regenerate it with \
         `cargo run -p server -- openapi > openapi/v1.json` and commit the diff"
    );
}

#[sqlx::test(migrations = false)]
async fn the_spec_is_served_without_a_key(_: PgPoolOptions, options: PgConnectOptions) {
    let app = TestApp::seeded(options, 2).await;
    let reply = app.get(TECH, "/api/v1/openapi.json").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(reply.body, server::api::spec());
    let spec = reply.json();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert!(spec["paths"]["/api/v1/products"]["get"].is_object());
}

/// `marketplace openapi` prints the document without a database (how it is regenerated),
/// and `create-api-key` prints a working key alone on stdout (how scripts get one).
#[sqlx::test(migrations = false)]
async fn the_cli_prints_the_spec_and_makes_keys(_: PgPoolOptions, options: PgConnectOptions) {
    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .arg("openapi")
        .env_remove("DATABASE_URL")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(printed.status.success());
    assert_eq!(
        String::from_utf8(printed.stdout).unwrap(),
        server::api::spec()
    );

    let url = crate::helpers::database_url(&options);
    let app = TestApp::seeded(options, 2).await;
    let run = |args: &[&str]| crate::cli::marketplace(&url, args);
    let made = run(&[
        "create-api-key",
        "--schema",
        "techstore",
        "--name",
        "Sync",
        "--scopes",
        "read_settings",
    ]);
    assert!(made.status.success(), "{}", crate::cli::text(&made));
    let key = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    let settings = super::get(&app, TECH, "/api/v1/settings", &key).await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    assert_eq!(
        super::get(&app, TECH, "/api/v1/products", &key)
            .await
            .status,
        403
    );

    let refused = run(&[
        "create-api-key",
        "--schema",
        "techstore",
        "--name",
        "x",
        "--scopes",
        "admin",
    ]);
    assert!(!refused.status.success());
    assert!(
        crate::cli::text(&refused).contains("not a scope"),
        "{}",
        crate::cli::text(&refused)
    );
}
