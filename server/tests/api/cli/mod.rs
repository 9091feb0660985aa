//! The `marketplace` binary itself against a fresh database: hostile input gets a clear
//! message, a non-zero exit and no change; the commands are idempotent where promised.

mod billing;
mod commands;
mod list;
mod tenants;

use std::process::{Command, Output};

use sqlx::PgPool;

pub(super) fn marketplace(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .env_remove("MARKETPLACE_DEMO_ADMIN_PASSWORD")
        .output()
        .expect("run marketplace")
}

pub(super) fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub(super) async fn state_of(pool: &PgPool) -> (Vec<String>, i64, i64) {
    let schemas = sqlx::query_scalar(
        "select nspname::text from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema' order by 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let (tenants, domains) = sqlx::query_as(
        "select (select count(*) from public.tenants), (select count(*) from public.domains)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (schemas, tenants, domains)
}

#[test]
fn no_database_url_is_explained() {
    let out = Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .arg("list-tenants")
        .env_remove("DATABASE_URL")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("DATABASE_URL is not set"),
        "{}",
        text(&out)
    );
}
