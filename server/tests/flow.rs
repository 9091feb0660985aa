//! The request-flow page and its server functions, through the real Router with Host
//! headers: measured stages (present, non-negative, in order), the replay of other hosts,
//! and the database-routing comparison.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use marketplace::tenancy::{registry, SchemaName, TenantStatus};
use marketplace::{catalog, orders};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const TECH: &str = "techstore.localhost:8000";

/// Calls a server function of the page as the browser would from `host`'s page.
async fn call(
    app: &common::TestApp,
    host: &str,
    function: &str,
    form: &[(&str, &str)],
) -> common::Reply {
    call_as(app, host, function, form, None).await
}

/// [`call`] with a session cookie.
async fn call_as(
    app: &common::TestApp,
    host: &str,
    function: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> common::Reply {
    let body: String = form
        .iter()
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let mut request = Request::post(format!("/api/flow/{function}"))
        .header(header::HOST, host)
        .header(header::ORIGIN, format!("http://{host}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

const PUBLIC: &str = "localhost:8000";

/// Platform staff, logged in on the public host: their session cookie.
async fn platform_staff(app: &common::TestApp) -> String {
    use marketplace::accounts::Username;
    use marketplace::email::Email;
    use marketplace::password::{self, Password};
    marketplace::platform::create(
        &app.pool,
        &Username::parse("root").unwrap(),
        &Email::parse("root@platform.example").unwrap(),
        &password::hash(Password::parse("platform password").unwrap()).await,
    )
    .await
    .unwrap();
    let request = Request::post("/api/admin/login")
        .header(header::HOST, PUBLIC)
        .header(header::ORIGIN, format!("http://{PUBLIC}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from("username=root&password=platform+password"))
        .unwrap();
    let reply = app.send(request).await;
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("mkt_platform="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("a platform session: {}", reply.body))
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `key` of every element of a JSON list, as strings.
fn each<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap())
        .collect()
}

fn kinds(trace: &Value) -> Vec<&str> {
    each(&trace["stages"], "kind")
}

/// The stages of a request that reaches a store.
const STORE_PATH: [&str; 7] = [
    "received",
    "middleware",
    "lookup",
    "tenant_found",
    "schema_switch",
    "query",
    "response",
];

/// Every stage has a non-negative integer start and duration, is numbered in order, and
/// starts no earlier than the previous one ended; the total covers the last stage.
fn assert_measured_in_order(trace: &Value) {
    let stages = trace["stages"].as_array().expect("stages");
    assert!(!stages.is_empty());
    let mut previous_end = 0;
    for (i, stage) in stages.iter().enumerate() {
        assert_eq!(stage["step"].as_u64(), Some(i as u64 + 1), "{stage}");
        let started = stage["started_us"]
            .as_u64()
            .unwrap_or_else(|| panic!("no started_us: {stage}"));
        let duration = stage["duration_us"]
            .as_u64()
            .unwrap_or_else(|| panic!("no duration_us: {stage}"));
        assert!(
            started >= previous_end,
            "stage {} starts before the previous one ended: {trace}",
            i + 1
        );
        previous_end = started + duration;
    }
    assert!(
        trace["total_us"].as_u64().unwrap() >= previous_end,
        "{trace}"
    );
}

fn stage<'a>(trace: &'a Value, kind: &str) -> &'a Value {
    trace["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} stage: {trace}"))
}

#[sqlx::test(migrations = false)]
async fn the_page_measures_every_stage_of_its_request_in_order(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let first = call(&app, TECH, "overview", &[]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let overview = first.json();
    let trace = &overview["trace"];
    assert_eq!(kinds(trace), STORE_PATH);
    assert_measured_in_order(trace);
    assert_eq!(trace["host"], TECH);
    assert_eq!(trace["hostname"], "techstore.localhost");
    assert_eq!(trace["tenant"], "TechStore");
    assert_eq!(trace["schema"], "techstore");
    assert_eq!(trace["status"], 200);
    assert_eq!(trace["replayed"], false);
    // What PostgreSQL itself reported inside the store's transaction.
    assert_eq!(trace["search_path"], "techstore, public");

    // The first request for the host missed the cache and ran the domain query.
    assert_eq!(trace["cache_hit"], false);
    let lookup = stage(trace, "lookup");
    assert_eq!(lookup["outcome"], "cache_miss");
    assert_eq!(lookup["sql"], json!([registry::FIND_BY_DOMAIN_SQL]));
    // The statements that ran: the switch, then the core call behind /data/.
    assert_eq!(
        stage(trace, "schema_switch")["sql"],
        json!([
            "begin read only; set local search_path to \"techstore\", public; \
             set local role \"mkt_techstore\""
        ])
    );
    let query = stage(trace, "query");
    assert_eq!(query["sql"], json!([catalog::LIST_SQL, orders::LIST_SQL]));
    assert!(
        query["observed"].as_str().unwrap().contains("2 products"),
        "{query}"
    );

    let again = call(&app, TECH, "overview", &[]).await.json();
    assert_eq!(again["trace"]["cache_hit"], true);
    assert_eq!(stage(&again["trace"], "lookup")["outcome"], "cache_hit");
    assert_eq!(stage(&again["trace"], "lookup")["sql"], json!([]));

    // The page opens with the stores to choose from; on a store's host it compares
    // none (that would read another store's data)...
    assert_eq!(
        each(&overview["stores"], "host"),
        ["techstore.localhost:8000", "fashion.localhost:8000"]
    );
    assert_eq!(overview["can_compare"], false);
    assert_eq!(overview["routing"], Value::Null);
    // ...for platform staff on the platform's host it compares the first two.
    let staff = platform_staff(&app).await;
    let overview = call_as(&app, PUBLIC, "overview", &[], Some(&staff))
        .await
        .json();
    assert_eq!(overview["can_compare"], true);
    assert_eq!(overview["routing"]["left"]["schema"], "techstore");
    assert_eq!(overview["routing"]["right"]["schema"], "fashion");
}

#[sqlx::test(migrations = false)]
async fn request_flow_json_and_the_page_share_their_steps(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let json = app.get(TECH, "/request-flow/").await.json();
    let page = call(&app, TECH, "overview", &[]).await.json();
    let seed_steps = |steps: &Value| -> Vec<(Value, Value)> {
        steps
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .map(|s| (s["step"].clone(), s["details"].clone()))
            .collect()
    };
    let mut from_page = seed_steps(&page["trace"]["stages"]);
    // The path differs (the page's server function, the JSON route); the rest is one text.
    from_page[0].1 = json["request_flow"][0]["details"].clone();
    assert_eq!(seed_steps(&json["request_flow"]), from_page);
    let steps = json["request_flow"].as_array().unwrap();
    for step in steps {
        assert!(
            step["started_us"].is_u64() && step["duration_us"].is_u64(),
            "{step}"
        );
    }

    // The public host keeps answering, marked public, with nothing switched.
    let public = app.get("localhost:8000", "/request-flow/").await;
    assert_eq!(public.status, 200);
    let public = public.json();
    assert_eq!(public["current_state"]["is_public"], true);
    assert_eq!(public["current_state"]["schema"], "public");
    assert_eq!(public["current_state"]["tenant"], "No tenant");
    assert_eq!(
        each(&public["request_flow"], "action"),
        [
            "Request Received",
            "TenantMainMiddleware Processing",
            "Domain Lookup",
            "Public Host",
            "Schema Switch"
        ]
    );
    assert_eq!(
        public["request_flow"][4]["details"],
        "PostgreSQL: SET search_path TO public;"
    );
    assert_eq!(public["request_flow"][4]["duration_us"], 0);
}

#[sqlx::test(migrations = false)]
async fn the_page_is_rendered_on_the_server_on_every_host(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let redirect = app.get(TECH, "/flow/").await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.headers[header::LOCATION], "/flow");

    let page = app.get(TECH, "/flow").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.schema(), Some("techstore"));
    for expected in [
        "<title>Request flow</title>",
        "<h1>Request flow</h1>",
        r#"data-fact="schema">techstore<"#,
        "set local search_path to",
        "Tenant middleware",
        " µs",
        "Try another host",
        "Database routing",
    ] {
        assert!(page.body.contains(expected), "missing {expected:?}");
    }
    let order: Vec<usize> = STORE_PATH
        .iter()
        .map(|kind| {
            page.body
                .find(&format!(r#"data-stage="{kind}""#))
                .unwrap_or_else(|| panic!("no {kind}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "stages out of order: {order:?}"
    );

    let public = app.get("localhost:8000", "/flow").await;
    assert_eq!(public.status, 200);
    assert_eq!(public.schema(), Some("public"));
    assert!(public.body.contains(r#"data-fact="schema">public<"#));
    assert!(public.body.contains(r#"data-stage="public_host""#));
    assert!(
        public.body.contains("pg_catalog"),
        "the pool's neutral search_path is shown"
    );
    assert!(!public.body.contains(r#"data-stage="tenant_found""#));
}

#[sqlx::test(migrations = false)]
async fn replaying_an_unknown_host_ends_in_404(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    let reply = call(&app, TECH, "replay", &[("host", "nobody.localhost:8000")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let trace = reply.json();
    assert_eq!(
        kinds(&trace),
        ["received", "middleware", "lookup", "no_store", "response"]
    );
    assert_measured_in_order(&trace);
    assert_eq!(trace["status"], 404);
    assert_eq!(trace["replayed"], true);
    assert_eq!(trace["hostname"], "nobody.localhost");
    assert_eq!(trace["schema"], Value::Null);
    assert_eq!(trace["search_path"], Value::Null);
    assert_eq!(stage(&trace, "lookup")["outcome"], "cache_miss");
    assert_eq!(stage(&trace, "response")["outcome"], "failed");
    assert!(stage(&trace, "response")["observed"]
        .as_str()
        .unwrap()
        .contains("No store is served at nobody.localhost"));
    // No store's SQL ran for it.
    let statements: Vec<&Value> = trace["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["sql"].as_array().unwrap())
        .collect();
    assert_eq!(statements, [&json!(registry::FIND_BY_DOMAIN_SQL)]);

    // The shared resolver remembered the answer: a second replay is a cache hit.
    let again = call(&app, TECH, "replay", &[("host", "NOBODY.localhost")])
        .await
        .json();
    assert_eq!(again["cache_hit"], true);
    assert_eq!(again["status"], 404);
}

#[sqlx::test(migrations = false)]
async fn replaying_another_store_finds_it_and_reads_it_only_for_platform_staff(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let request = Request::post("/api/flow/replay")
        .header(header::HOST, TECH)
        .header(header::ORIGIN, format!("http://{TECH}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "mkt_session=a-techstore-session")
        .body(Body::from("host=fashion.localhost%3A8000"))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Answered by the page's own store; the replay found fashion on the server, and
    // did not enter it: techstore's page reads techstore only.
    assert_eq!(reply.schema(), Some("techstore"));
    assert!(reply.headers.get(header::SET_COOKIE).is_none());
    let trace = reply.json();
    assert_eq!(
        kinds(&trace),
        ["received", "middleware", "lookup", "tenant_found"]
    );
    assert_measured_in_order(&trace);
    assert_eq!(trace["tenant"], "Fashion Boutique");
    assert_eq!(trace["schema"], "fashion");
    assert_eq!(trace["search_path"], Value::Null);
    assert!(!reply.body.contains("T-Shirt") && !reply.body.contains("FASH001"));

    // Platform staff follow it all the way.
    let staff = platform_staff(&app).await;
    let trace = call_as(
        &app,
        PUBLIC,
        "replay",
        &[("host", "fashion.localhost:8000")],
        Some(&staff),
    )
    .await
    .json();
    assert_eq!(kinds(&trace), STORE_PATH);
    assert_measured_in_order(&trace);
    assert_eq!(trace["search_path"], "fashion, public");
    assert_eq!(trace["status"], 200);

    let public = call(&app, TECH, "replay", &[("host", "localhost")])
        .await
        .json();
    assert_eq!(
        kinds(&public),
        [
            "received",
            "middleware",
            "lookup",
            "public_host",
            "schema_switch",
            "query",
            "response"
        ]
    );
    assert_eq!(public["schema"], "public");
    assert_eq!(public["search_path"], "pg_catalog");
    assert_eq!(stage(&public, "schema_switch")["outcome"], "skipped");
    assert_eq!(stage(&public, "query")["sql"], json!([registry::LIST_SQL]));
}

#[sqlx::test(migrations = false)]
async fn replay_refuses_text_that_is_not_a_host(_: PgPoolOptions, options: PgConnectOptions) {
    let app = common::seeded(options, 4).await;
    for bad in [
        "",
        "   ",
        "a b",
        "http://fashion.localhost/",
        "fashion.localhost:http",
        "x:y:z",
    ] {
        let reply = call(&app, TECH, "replay", &[("host", bad)]).await;
        assert_ne!(reply.status, 200, "{bad:?}");
        let error = reply.json();
        assert_eq!(error["Invalid"]["field"], "host", "{bad:?}: {error}");
        let message = error["Invalid"]["message"].as_str().unwrap();
        assert!(
            message.contains("for example fashion.localhost:8000"),
            "{bad:?}: {message}"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn routing_runs_the_same_sql_in_two_stores_and_reads_disjoint_rows(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    // Comparing stores reads their rows: refused to a store's visitors (whichever
    // store) and to anonymous visitors of the platform's host.
    for host in [TECH, "fashion.localhost:8000", PUBLIC] {
        let refused = call(
            &app,
            host,
            "routing",
            &[("left", "techstore"), ("right", "fashion")],
        )
        .await;
        assert_eq!(refused.status, 403, "{host}: {}", refused.body);
        assert!(!refused.body.contains("Laptop") && !refused.body.contains("T-Shirt"));
    }
    let staff = platform_staff(&app).await;
    let reply = call_as(
        &app,
        PUBLIC,
        "routing",
        &[("left", "techstore"), ("right", "fashion")],
        Some(&staff),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let routing = reply.json();
    let (left, right) = (&routing["left"], &routing["right"]);
    assert_eq!(
        left["statements"],
        json!([catalog::LIST_SQL, orders::LIST_SQL])
    );
    assert_eq!(left["statements"], right["statements"]);
    assert_eq!(left["search_path"], "techstore, public");
    assert_eq!(right["search_path"], "fashion, public");
    let labels = |rows: &Value| -> Vec<String> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["label"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(labels(&left["products"]), ["Laptop", "Mouse"]);
    assert_eq!(labels(&right["products"]), ["T-Shirt", "Jeans"]);
    assert_eq!(labels(&left["orders"]), ["TECH001"]);
    assert_eq!(labels(&right["orders"]), ["FASH001"]);
    assert!(left["switch_us"].is_u64() && left["query_us"].is_u64());

    let unknown = call_as(
        &app,
        PUBLIC,
        "routing",
        &[("left", "techstore"), ("right", "nowhere")],
        Some(&staff),
    )
    .await;
    assert_ne!(unknown.status, 200);
    assert!(
        unknown.json()["NotFound"]
            .as_str()
            .unwrap()
            .contains("nowhere"),
        "{}",
        unknown.body
    );
    let reserved = call_as(
        &app,
        PUBLIC,
        "routing",
        &[("left", "public"), ("right", "fashion")],
        Some(&staff),
    )
    .await;
    assert_eq!(
        reserved.json()["Invalid"]["field"],
        "schema",
        "{}",
        reserved.body
    );
}

#[sqlx::test(migrations = false)]
async fn replaying_a_suspended_store_ends_in_503_without_entering_it(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let app = common::seeded(options, 4).await;
    let fashion = registry::get_by_schema(&app.pool, &SchemaName::parse("fashion").unwrap())
        .await
        .unwrap();
    registry::set_status(&app.pool, fashion.id, TenantStatus::Suspended)
        .await
        .unwrap();
    app.state.resolver.invalidate();
    let trace = call(&app, TECH, "replay", &[("host", "fashion.localhost")])
        .await
        .json();
    assert_eq!(
        kinds(&trace),
        [
            "received",
            "middleware",
            "lookup",
            "tenant_found",
            "response"
        ]
    );
    assert_measured_in_order(&trace);
    assert_eq!(trace["status"], 503);
    assert_eq!(trace["tenant"], "Fashion Boutique");
    assert_eq!(trace["schema"], Value::Null);
    assert_eq!(stage(&trace, "tenant_found")["outcome"], "failed");
    // Nor can the routing panel read it, even for platform staff.
    let staff = platform_staff(&app).await;
    let routing = call_as(
        &app,
        PUBLIC,
        "routing",
        &[("left", "techstore"), ("right", "fashion")],
        Some(&staff),
    )
    .await;
    assert!(
        routing.json()["Rejected"]
            .as_str()
            .unwrap()
            .contains("suspended"),
        "{}",
        routing.body
    );
}
