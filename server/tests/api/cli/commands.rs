//! The other commands: seeding, migrating, listing, superusers (also prompted for on
//! a terminal).

use std::process::{Command, Output};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{marketplace, text};
use crate::helpers::database_url;

#[sqlx::test(migrations = false)]
async fn seed_migrate_list_and_superusers(_: PgPoolOptions, options: PgConnectOptions) {
    let url = database_url(&options);
    let pool = marketplace::db::connect_with(options, 2).await.unwrap();
    assert!(marketplace(&url, &["migrate-schemas"]).status.success());

    let first = marketplace(&url, &["create-test-data"]);
    assert!(first.status.success(), "{}", text(&first));
    let said = text(&first);
    assert!(
        said.contains("placed order TECH001") && said.contains("placed order FASH001"),
        "{said}"
    );
    assert_eq!(said.matches("admin login: admin / ").count(), 2);
    let again = marketplace(&url, &["create-test-data"]);
    assert!(again.status.success());
    assert!(!text(&again).contains("placed order"), "{}", text(&again));
    let counts: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from techstore.products), (select count(*) from techstore.orders), \
         (select count(*) from fashion.users)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counts, (2, 1, 1));

    let migrate = marketplace(&url, &["migrate-schemas", "--jobs", "2"]);
    assert!(migrate.status.success());
    assert!(
        text(&migrate).contains("2 store schema(s) checked, 0 migrated, 0 failed"),
        "{}",
        text(&migrate)
    );
    let one = marketplace(&url, &["migrate-schemas", "--schema", "fashion"]);
    assert!(one.status.success() && text(&one).contains("1 store schema(s) checked"));
    let unknown = marketplace(&url, &["migrate-schemas", "--schema", "nope"]);
    assert!(!unknown.status.success() && text(&unknown).contains("store 'nope' not found"));

    let list = marketplace(&url, &["list-tenants"]);
    let listed = text(&list);
    assert!(
        listed.contains("TechStore")
            && listed.contains("fashion.localhost")
            && listed.contains("active")
    );

    let staff = superuser(
        &url,
        Some("techstore"),
        "boss",
        "boss@techstore.local",
        "a long password",
    );
    assert!(staff.status.success(), "{}", text(&staff));
    let is_staff: bool = sqlx::query_scalar(
        "select is_staff and is_superuser from techstore.users where username = 'boss'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(is_staff);
    let exists: bool =
        sqlx::query_scalar("select exists(select 1 from fashion.users where username = 'boss')")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!exists, "a techstore user appeared in fashion");

    let dup = superuser(
        &url,
        Some("techstore"),
        "boss",
        "b@x.example",
        "a long password",
    );
    assert!(!dup.status.success() && text(&dup).contains("already taken"));
    let short = superuser(&url, None, "root", "r@x.example", "short");
    assert!(!short.status.success() && text(&short).contains("at least 8"));
    let no_store = superuser(&url, Some("nope"), "x", "x@x.example", "a long password");
    assert!(!no_store.status.success() && text(&no_store).contains("not found"));
    let platform = superuser(&url, None, "root", "r@x.example", "a long password");
    assert!(platform.status.success(), "{}", text(&platform));
    let platform_users: i64 = sqlx::query_scalar("select count(*) from public.platform_users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(platform_users, 1);
    // No prompt possible without a terminal: a clear refusal, not a hang.
    let no_password = marketplace(
        &url,
        &[
            "create-superuser",
            "--username",
            "r2",
            "--email",
            "r@x.example",
        ],
    );
    assert!(!no_password.status.success() && text(&no_password).contains("no --password"));
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), typing `input` into it.
/// `create-superuser` with a password: staff of `schema`'s store, or platform staff.
fn superuser(
    url: &str,
    schema: Option<&str>,
    username: &str,
    email: &str,
    password: &str,
) -> Output {
    let mut args = vec!["create-superuser"];
    if let Some(schema) = schema {
        args.extend(["--schema", schema]);
    }
    args.extend([
        "--username",
        username,
        "--email",
        email,
        "--password",
        password,
    ]);
    marketplace(url, &args)
}

fn marketplace_on_a_terminal(url: &str, args: &str, input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("{} {args}", env!("CARGO_BIN_EXE_marketplace")),
            "/dev/null",
        ])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run marketplace under script(1)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[sqlx::test(migrations = false)]
async fn create_superuser_prompts_for_the_password_twice(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let url = database_url(&options);
    let pool = marketplace::db::connect_with(options, 2).await.unwrap();
    assert!(marketplace(&url, &["migrate-schemas"]).status.success());

    let mismatch = marketplace_on_a_terminal(
        &url,
        "create-superuser --username typo --email t@x.example",
        "first password\nsecond password\n",
    );
    assert!(!mismatch.status.success());
    assert!(
        text(&mismatch).contains("did not match"),
        "{}",
        text(&mismatch)
    );

    let typed = marketplace_on_a_terminal(
        &url,
        "create-superuser --username root --email r@x.example",
        "a typed password\na typed password\n",
    );
    assert!(typed.status.success(), "{}", text(&typed));
    assert!(text(&typed).contains("Password (again):"));
    let users: Vec<String> = sqlx::query_scalar("select username from public.platform_users")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(users, ["root"]);
    let user = marketplace::platform::authenticate(&pool, "root", "a typed password")
        .await
        .unwrap();
    assert!(user.is_some(), "the typed password is the one stored");
}

#[sqlx::test(migrations = false)]
async fn a_bench_migration_runs_over_every_store(_: PgPoolOptions, options: PgConnectOptions) {
    let url = database_url(&options);
    let pool = marketplace::db::connect_with(options, 2).await.unwrap();
    assert!(marketplace(&url, &["migrate-schemas"]).status.success());
    assert!(marketplace(&url, &["create-test-data"]).status.success());
    let file = std::env::temp_dir().join(format!("bench-migration-{}.sql", std::process::id()));
    std::fs::write(&file, "alter table products add column bench_flag boolean").unwrap();
    let bench = marketplace(
        &url,
        &[
            "migrate-schemas",
            "--bench-migration",
            file.to_str().unwrap(),
        ],
    );
    std::fs::remove_file(&file).ok();
    assert!(
        bench.status.success() && text(&bench).contains("2 store schema(s) checked, 2 migrated"),
        "{}",
        text(&bench)
    );
    let columns: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.columns where column_name = 'bench_flag'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(columns, 2, "the migration ran in both stores");
    let help = text(&marketplace(&url, &["migrate-schemas", "--help"]));
    assert!(
        !help.contains("bench-migration"),
        "hidden from --help: {help}"
    );
}
