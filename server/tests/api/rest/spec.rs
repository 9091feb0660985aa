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
