//! The `marketplace` binary itself against a fresh database: hostile input gets a clear
//! message, a non-zero exit and no change; the commands are idempotent where promised.

mod common;

use std::process::{Command, Output};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

fn marketplace(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .env_remove("MARKETPLACE_DEMO_ADMIN_PASSWORD")
        .output()
        .expect("run marketplace")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn state_of(pool: &PgPool) -> (Vec<String>, i64, i64) {
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

#[sqlx::test(migrations = false)]
async fn create_tenant_refuses_hostile_input_and_changes_nothing(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let url = common::database_url(&options);
    let pool = marketplace::db::connect_with(options, 2).await.unwrap();
    let migrate = marketplace(&url, &["migrate-schemas"]);
    assert!(migrate.status.success(), "{}", text(&migrate));
    let ok = marketplace(
        &url,
        &[
            "create-tenant",
            "--name",
            "TechStore",
            "--email",
            "admin@techstore.local",
            "--schema",
            "techstore",
            "--domain",
            "techstore.localhost",
        ],
    );
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("Created store 'TechStore'"));
    let before = state_of(&pool).await;

    let cases: &[(&[&str], &str)] = &[
        (
            &["--schema", "public", "--domain", "a.localhost"],
            "reserved",
        ),
        (
            &["--schema", "information_schema", "--domain", "a.localhost"],
            "reserved",
        ),
        (
            &["--schema", "pg_shop", "--domain", "a.localhost"],
            "reserved",
        ),
        (
            &["--schema", "Tech-Store", "--domain", "a.localhost"],
            "not a valid schema name",
        ),
        (
            &[
                "--schema",
                "x\"; drop schema public cascade; --",
                "--domain",
                "a.localhost",
            ],
            "not a valid schema name",
        ),
        (
            &["--schema", &"s".repeat(64), "--domain", "a.localhost"],
            "at most 63",
        ),
        (
            &["--schema", "techstore", "--domain", "other.localhost"],
            "already exists",
        ),
        (
            &["--schema", "other", "--domain", "techstore.localhost"],
            "already serves a store",
        ),
        (
            &["--schema", "other", "--domain", "TECHSTORE.localhost."],
            "already serves a store",
        ),
        (
            &["--schema", "other", "--domain", "bad domain"],
            "not a valid domain",
        ),
        (
            &["--schema", "other", "--domain", "other.localhost:8000"],
            "without scheme, port or path",
        ),
        (
            &["--schema", "other", "--domain", "localhost"],
            "public site",
        ),
    ];
    for (args, expected) in cases {
        let mut full = vec![
            "create-tenant",
            "--name",
            "Other",
            "--email",
            "o@other.example",
        ];
        full.extend_from_slice(args);
        let out = marketplace(&url, &full);
        assert!(!out.status.success(), "{args:?} succeeded");
        let said = text(&out);
        assert!(
            said.contains(expected),
            "{args:?}: expected {expected:?} in {said:?}"
        );
        assert!(said.starts_with("error:"), "{said}");
        assert_eq!(
            state_of(&pool).await,
            before,
            "{args:?} changed the database"
        );
    }
    let bad_email = marketplace(
        &url,
        &[
            "create-tenant",
            "--name",
            "X",
            "--email",
            "not-an-email",
            "--schema",
            "xs",
            "--domain",
            "xs.localhost",
        ],
    );
    assert!(!bad_email.status.success() && text(&bad_email).contains("@"));
    let no_name = marketplace(
        &url,
        &[
            "create-tenant",
            "--name",
            "  ",
            "--email",
            "a@b.example",
            "--schema",
            "xs",
            "--domain",
            "xs.localhost",
        ],
    );
    assert!(!no_name.status.success() && text(&no_name).contains("needs a name"));
    assert_eq!(state_of(&pool).await, before);
}

#[sqlx::test(migrations = false)]
async fn seed_migrate_list_and_superusers(_: PgPoolOptions, options: PgConnectOptions) {
    let url = common::database_url(&options);
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

    let staff = marketplace(
        &url,
        &[
            "create-superuser",
            "--schema",
            "techstore",
            "--username",
            "boss",
            "--email",
            "boss@techstore.local",
            "--password",
            "a long password",
        ],
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

    let dup = marketplace(
        &url,
        &[
            "create-superuser",
            "--schema",
            "techstore",
            "--username",
            "boss",
            "--email",
            "b@x.example",
            "--password",
            "a long password",
        ],
    );
    assert!(!dup.status.success() && text(&dup).contains("already taken"));
    let short = marketplace(
        &url,
        &[
            "create-superuser",
            "--username",
            "root",
            "--email",
            "r@x.example",
            "--password",
            "short",
        ],
    );
    assert!(!short.status.success() && text(&short).contains("at least 8"));
    let no_store = marketplace(
        &url,
        &[
            "create-superuser",
            "--schema",
            "nope",
            "--username",
            "x",
            "--email",
            "x@x.example",
            "--password",
            "a long password",
        ],
    );
    assert!(!no_store.status.success() && text(&no_store).contains("not found"));
    let platform = marketplace(
        &url,
        &[
            "create-superuser",
            "--username",
            "root",
            "--email",
            "r@x.example",
            "--password",
            "a long password",
        ],
    );
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

/// Runs the binary on a pseudo-terminal (util-linux `script`), typing `input` into it.
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
    let url = common::database_url(&options);
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
