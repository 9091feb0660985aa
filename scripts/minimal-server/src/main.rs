//! A bare server for `scripts/bench-minimal`: techstore's `/data/` reads (all products,
//! all orders, every column decoded, the names and prices answered as JSON) behind
//! nothing but axum — no host resolution, limits, sessions, request ids or headers —
//! through each client shape, so that the real server's figures can be set beside what
//! the same machine allows at all.
//!
//! * `/empty`: no database; what axum and `wrk` cost on their own.
//! * `/pool`: the real server's message (`BEGIN READ ONLY`, the two `SET LOCAL`s, two
//!   `EXECUTE`s of prepared statements, `COMMIT`, one simple-protocol message) on a sqlx
//!   pool, which pings every connection given back to it.
//! * `/held`: the same message on sqlx connections the server holds itself (no pool, no
//!   ping on release).
//! * `/pipelined`: tokio-postgres, the extended protocol: `BEGIN READ ONLY`,
//!   `set_config` of the path and the role, the two prepared reads and `COMMIT`, sent
//!   together before any answer is read.
//! * `/qualified`: tokio-postgres, the two reads schema-qualified and pipelined with no
//!   transaction and no role — a bound, not an isolation the platform accepts.
//!
//! `DATABASE_URL` names a database seeded by `create-test-data`; `MINIMAL_ADDR` (default
//! 127.0.0.1:8400) where to listen; `MINIMAL_CONNECTIONS` (default 20) connections per
//! shape.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::{Connection as _, Either, Executor as _, PgConnection, PgPool, Postgres, Row as _};
use tokio::sync::{Mutex, MutexGuard};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PRODUCTS: &str = "select id, name, description, price, stock, is_active, created_at, \
     updated_at from products order by id";
const ORDERS: &str = "select id, order_number, customer_id, customer_name, email, address, \
     status, total, created_at, updated_at from orders order by id";
/// What the real server sends for `/data/` (its statements are prepared per connection).
const MESSAGE: &str = "begin read only; set local search_path to \"techstore\", public; \
     set local role \"mkt_techstore\"; execute products; execute orders; commit";
const ENTER: &str = "select set_config('search_path', '\"techstore\", public', true), \
     set_config('role', 'mkt_techstore', true)";

/// The columns the real server decodes.
#[allow(dead_code)] // Decoded like the real server's rows; only some are answered.
struct Product {
    id: i64,
    name: String,
    description: String,
    price: Decimal,
    stock: i32,
    is_active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[allow(dead_code)]
struct Order {
    id: i64,
    order_number: String,
    customer_id: Option<i64>,
    customer_name: String,
    email: String,
    address: String,
    status: String,
    total: Decimal,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Builds a `Product` and an `Order` from any row type with a `get(index)`.
macro_rules! decode {
    ($products:expr, $orders:expr) => {{
        let products = $products
            .iter()
            .map(|r| Product {
                id: r.get(0),
                name: r.get(1),
                description: r.get(2),
                price: r.get(3),
                stock: r.get(4),
                is_active: r.get(5),
                created_at: r.get(6),
                updated_at: r.get(7),
            })
            .collect();
        let orders = $orders
            .iter()
            .map(|r| Order {
                id: r.get(0),
                order_number: r.get(1),
                customer_id: r.get(2),
                customer_name: r.get(3),
                email: r.get(4),
                address: r.get(5),
                status: r.get(6),
                total: r.get(7),
                created_at: r.get(8),
                updated_at: r.get(9),
            })
            .collect();
        answer(products, orders)
    }};
}

#[derive(Serialize)]
struct Line {
    name: String,
    price: String,
}

#[derive(Serialize)]
struct Data {
    products: Vec<Line>,
    orders: Vec<Line>,
}

fn answer(products: Vec<Product>, orders: Vec<Order>) -> Json<Data> {
    Json(Data {
        products: products
            .into_iter()
            .map(|p| Line {
                name: p.name,
                price: p.price.to_string(),
            })
            .collect(),
        orders: orders
            .into_iter()
            .map(|o| Line {
                name: o.order_number,
                price: o.total.to_string(),
            })
            .collect(),
    })
}

/// Connections the server holds itself: the first free one from a rotating start, else
/// wait for the one at the start.
struct Held<T> {
    slots: Vec<Mutex<T>>,
    next: AtomicUsize,
}

impl<T> Held<T> {
    async fn take(&self) -> MutexGuard<'_, T> {
        let count = self.slots.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..count {
            if let Ok(slot) = self.slots[(start + i) % count].try_lock() {
                return slot;
            }
        }
        self.slots[start % count].lock().await
    }
}

struct HeldConnection {
    conn: PgConnection,
    /// Set while a message is on its way: still set, it was cut short.
    cut: bool,
}

struct Pipelined {
    client: tokio_postgres::Client,
    /// BEGIN, the switch, the two reads, COMMIT, then the two schema-qualified reads.
    statements: Vec<tokio_postgres::Statement>,
}

#[derive(Clone)]
struct Shapes {
    pool: PgPool,
    held: Arc<Held<HeldConnection>>,
    pipelined: Arc<Held<Pipelined>>,
}

type Failure = (axum::http::StatusCode, String);

fn failed(err: impl std::fmt::Display) -> Failure {
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        err.to_string(),
    )
}

/// Sends `MESSAGE` and keeps the rows of the two reads; on a connection that lacks the
/// prepared statements (a new one), rolls back, prepares them and sends it again.
async fn message(conn: &mut PgConnection) -> Result<Json<Data>, Failure> {
    match send(conn).await {
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("26000") => {
            conn.execute("rollback").await.map_err(failed)?;
            prepare(conn).await.map_err(failed)?;
            send(conn).await.map_err(failed)
        }
        other => other.map_err(failed),
    }
}

async fn send(conn: &mut PgConnection) -> sqlx::Result<Json<Data>> {
    let mut sets: Vec<Vec<PgRow>> = vec![Vec::new()];
    let mut results = sqlx::raw_sql(MESSAGE).fetch_many(&mut *conn);
    while let Some(item) = results.try_next().await? {
        match item {
            Either::Left(_) => sets.push(Vec::new()),
            Either::Right(row) => sets.last_mut().expect("one set at least").push(row),
        }
    }
    // Completed statements: begin, two sets, two reads, commit.
    let (products, orders) = (&sets[3], &sets[4]);
    Ok(decode!(products, orders))
}

/// Closes a pooled connection whose message was cut short (the request was dropped
/// half-way): it may be inside the message's transaction. The real server does the same.
struct CloseUnlessDone(Option<PoolConnection<Postgres>>);

impl Drop for CloseUnlessDone {
    fn drop(&mut self) {
        if let Some(conn) = self.0.as_mut() {
            conn.close_on_drop();
        }
    }
}

async fn via_pool(State(shapes): State<Shapes>) -> Result<Json<Data>, Failure> {
    let mut guard = CloseUnlessDone(Some(shapes.pool.acquire().await.map_err(failed)?));
    let answer = message(guard.0.as_mut().expect("held until the end")).await;
    drop(guard.0.take());
    answer
}

async fn via_held(State(shapes): State<Shapes>) -> Result<Json<Data>, Failure> {
    let mut slot = shapes.held.take().await;
    let HeldConnection { conn, cut } = &mut *slot;
    if *cut {
        // The last message was cut short: end whatever it left open.
        conn.execute("rollback").await.map_err(failed)?;
    }
    *cut = true;
    let answer = message(conn).await;
    *cut = false;
    answer
}

async fn via_pipelined(State(shapes): State<Shapes>) -> Result<Json<Data>, Failure> {
    let slot = shapes.pipelined.take().await;
    let (client, s) = (&slot.client, &slot.statements);
    let (begin, enter, products, orders, commit) = futures::join!(
        client.query(&s[0], &[]),
        client.query(&s[1], &[]),
        client.query(&s[2], &[]),
        client.query(&s[3], &[]),
        client.query(&s[4], &[]),
    );
    begin.and(enter).and(commit).map_err(failed)?;
    let (products, orders) = (products.map_err(failed)?, orders.map_err(failed)?);
    Ok(decode!(products, orders))
}

async fn via_qualified(State(shapes): State<Shapes>) -> Result<Json<Data>, Failure> {
    let slot = shapes.pipelined.take().await;
    let (client, s) = (&slot.client, &slot.statements);
    let (products, orders) = futures::join!(client.query(&s[5], &[]), client.query(&s[6], &[]));
    let (products, orders) = (products.map_err(failed)?, orders.map_err(failed)?);
    Ok(decode!(products, orders))
}

/// Prepares `products` and `orders` on `conn` (planned under techstore's path; the path
/// then goes back to `pg_catalog`, as on the real server's connections).
async fn prepare(conn: &mut PgConnection) -> sqlx::Result<()> {
    conn.execute("set search_path to techstore, public").await?;
    conn.execute(format!("prepare products as {PRODUCTS}").as_str())
        .await?;
    conn.execute(format!("prepare orders as {ORDERS}").as_str())
        .await?;
    conn.execute("set search_path to pg_catalog").await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")?;
    let addr = std::env::var("MINIMAL_ADDR").unwrap_or_else(|_| "127.0.0.1:8400".into());
    let count: usize = match std::env::var("MINIMAL_CONNECTIONS") {
        Ok(value) => value.parse()?,
        Err(_) => 20,
    };

    let pool = PgPoolOptions::new()
        .max_connections(count as u32)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect(&url)
        .await?;
    // Every pooled connection prepared: hold them all at once, then give them back.
    let mut all = Vec::new();
    for _ in 0..count {
        let mut conn = pool.acquire().await?;
        prepare(&mut conn).await?;
        all.push(conn);
    }
    drop(all);

    let mut held = Vec::new();
    let mut pipelined = Vec::new();
    for _ in 0..count {
        let mut conn = PgConnection::connect(&url).await?;
        prepare(&mut conn).await?;
        held.push(Mutex::new(HeldConnection { conn, cut: false }));

        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client
            .batch_execute("set search_path to techstore, public")
            .await?;
        let mut statements = Vec::new();
        for sql in [
            "begin read only",
            ENTER,
            PRODUCTS,
            ORDERS,
            "commit",
            &PRODUCTS.replace(" from products", " from techstore.products"),
            &ORDERS.replace(" from orders", " from techstore.orders"),
        ] {
            statements.push(client.prepare(sql).await?);
        }
        client
            .batch_execute("set search_path to pg_catalog")
            .await?;
        pipelined.push(Mutex::new(Pipelined { client, statements }));
    }

    let shapes = Shapes {
        pool,
        held: Arc::new(Held {
            slots: held,
            next: AtomicUsize::new(0),
        }),
        pipelined: Arc::new(Held {
            slots: pipelined,
            next: AtomicUsize::new(0),
        }),
    };
    let app = Router::new()
        .route("/empty", get(|| async { "ok" }))
        .route("/pool", get(via_pool))
        .route("/held", get(via_held))
        .route("/pipelined", get(via_pipelined))
        .route("/qualified", get(via_qualified))
        .with_state(shapes);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
