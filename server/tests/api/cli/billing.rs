//! `billing …` from the terminal: list, comp, extend a trial, tick.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{marketplace, text};
use crate::helpers::database_url;

#[sqlx::test(migrations = false)]
async fn billing_commands_list_comp_extend_and_tick(_: PgPoolOptions, options: PgConnectOptions) {
    let url = database_url(&options);
    let pool = marketplace::db::connect_with(options, 2).await.unwrap();
    assert!(marketplace(&url, &["migrate-schemas"]).status.success());
    assert!(marketplace(&url, &["create-test-data"]).status.success());

    let list = marketplace(&url, &["billing", "list"]);
    let listed = text(&list);
    assert!(list.status.success(), "{listed}");
    assert!(
        listed.contains("plan starter") && listed.contains("staff 5"),
        "{listed}"
    );
    assert!(
        listed.contains("techstore") && listed.contains("(comped)"),
        "{listed}"
    );

    let comp = marketplace(
        &url,
        &[
            "billing", "comp", "--schema", "fashion", "--plan", "starter",
        ],
    );
    assert!(comp.status.success(), "{}", text(&comp));
    let extend = marketplace(
        &url,
        &[
            "billing",
            "extend-trial",
            "--schema",
            "techstore",
            "--days",
            "30",
        ],
    );
    // The demo stores are comped (active): only a store on a trial, lapsed or paused is
    // put on a trial.
    let said = text(&extend);
    assert!(!extend.status.success(), "{said}");
    assert!(
        said.contains("An active subscription cannot extend its trial"),
        "{said}"
    );
    let plans: Vec<(String, String)> = sqlx::query_as(
        "select plan_code, state from public.subscriptions s join public.tenants t on t.id = s.tenant_id order by t.schema_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        plans,
        [
            ("starter".to_owned(), "active".to_owned()),
            ("scale".to_owned(), "active".to_owned())
        ]
    );
    let limit: Option<i32> = sqlx::query_scalar("select max_staff from fashion.plan_limits")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(limit, Some(5), "the store's own copy follows the plan");

    let tick = marketplace(&url, &["billing", "tick"]);
    assert!(
        tick.status.success() && text(&tick).contains("0 periods ended"),
        "{}",
        text(&tick)
    );
    let unknown = marketplace(
        &url,
        &["billing", "comp", "--schema", "fashion", "--plan", "gold"],
    );
    assert!(
        !unknown.status.success() && text(&unknown).contains("no plan 'gold'"),
        "{}",
        text(&unknown)
    );
}
