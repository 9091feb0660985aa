//! `create-tenant` refuses hostile input and changes nothing when it does.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{marketplace, state_of, text};
use crate::helpers::database_url;

#[sqlx::test(migrations = false)]
async fn create_tenant_refuses_hostile_input_and_changes_nothing(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let url = database_url(&options);
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
async fn create_tenant_from_file_creates_the_good_rows_and_reports_the_rest(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let url = database_url(&options);
    let pool = marketplace::db::connect_with(options, 2).await.unwrap();
    assert!(marketplace(&url, &["migrate-schemas"]).status.success());
    let file = std::env::temp_dir().join(format!("stores-{}.csv", std::process::id()));
    std::fs::write(
        &file,
        "name,owner_email,schema,domain\n\
         One,a@one.example,one,one.localhost\n\
         Bad,not-an-email,bad,bad.localhost\n\
         \"Two, Ltd\",a@two.example,two,two.localhost\n\
         Again,a@x.example,one,again.localhost\n\
         Short,row\n\
         Three,a@three.example,three,three.localhost\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = marketplace(&url, &["create-tenant", "--from-file", path, "--jobs", "2"]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("3 store(s) created, 3 failed"), "{said}");
    assert!(said.contains("line 3: FAILED: email"), "{said}");
    assert!(
        said.contains("line 5: FAILED: A store with the schema 'one'"),
        "{said}"
    );
    assert!(said.contains("line 6: FAILED: unreadable row"), "{said}");
    let (schemas, tenants, domains) = state_of(&pool).await;
    assert_eq!((tenants, domains), (3, 3));
    for s in ["one", "two", "three"] {
        assert!(schemas.contains(&s.to_string()), "{schemas:?}");
    }
    let name: String =
        sqlx::query_scalar("select name from public.tenants where schema_name = 'two'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(name, "Two, Ltd");

    let help = marketplace(&url, &["create-tenant", "--help"]);
    assert!(text(&help).contains("--from-file"), "{}", text(&help));
    std::fs::remove_file(&file).unwrap();
}
