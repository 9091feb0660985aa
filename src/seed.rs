//! The demo data of the original Django project (`create_test_data`): two stores, two
//! products each, one order each, one user each, each comped on the unlimited plan.
//! Running it again changes nothing.

use sqlx::PgPool;

use crate::accounts::{self, NewUser, Role, Username};
use crate::catalog::{self, ProductInput};
use crate::email::Email;
use crate::orders::{self, Checkout, LineRequest};
use crate::password::{self, Password};
use crate::tenancy::provision::{self, NewTenant};
use crate::tenancy::registry;
use crate::tenancy::resolver::PublicHosts;
use crate::tenancy::TenantTx;
use crate::{Error, Result};

/// The plan the demo stores are comped on when they are created.
pub const DEMO_PLAN: &str = "scale";

struct SeedProduct {
    name: &'static str,
    description: &'static str,
    price: &'static str,
    stock: i32,
}

struct SeedStore {
    name: &'static str,
    email: &'static str,
    schema: &'static str,
    domain: &'static str,
    products: [SeedProduct; 2],
}

const STORES: [SeedStore; 2] = [
    SeedStore {
        name: "TechStore",
        email: "admin@techstore.local",
        schema: "techstore",
        domain: "techstore.localhost",
        products: [
            SeedProduct {
                name: "Laptop",
                description: "A 14-inch laptop with 16 GB of memory and a full-day battery.",
                price: "999.99",
                stock: 10,
            },
            SeedProduct {
                name: "Mouse",
                description: "A quiet wireless mouse that fits either hand.",
                price: "29.99",
                stock: 50,
            },
        ],
    },
    SeedStore {
        name: "Fashion Boutique",
        email: "admin@fashion.local",
        schema: "fashion",
        domain: "fashion.localhost",
        products: [
            SeedProduct {
                name: "T-Shirt",
                description: "Organic cotton, relaxed fit.",
                price: "19.99",
                stock: 100,
            },
            SeedProduct {
                name: "Jeans",
                description: "Straight-leg denim in indigo.",
                price: "49.99",
                stock: 40,
            },
        ],
    },
];

/// What seeding did to one store.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub name: String,
    pub schema: String,
    pub domain: String,
    pub store_created: bool,
    pub products_added: usize,
    pub order_placed: Option<String>,
    /// Set when the store's `admin` user was created by this run.
    pub admin_created: Option<AdminLogin>,
}

#[derive(Debug, Clone)]
pub struct AdminLogin {
    pub username: String,
    pub password: String,
}

/// Creates the demo stores (when missing) and fills them with the demo data (where
/// missing). `admin_password` sets the password of each store's `admin` user when it is
/// created; without it a random one is generated and reported.
pub async fn create_test_data(
    pool: &PgPool,
    public_hosts: &PublicHosts,
    admin_password: Option<&str>,
) -> Result<Vec<Seeded>> {
    let mut report = Vec::new();
    for store in &STORES {
        report.push(seed_store(pool, public_hosts, store, admin_password).await?);
    }
    Ok(report)
}

async fn seed_store(
    pool: &PgPool,
    public_hosts: &PublicHosts,
    store: &SeedStore,
    admin_password: Option<&str>,
) -> Result<Seeded> {
    let new = NewTenant::parse(store.name, store.email, store.schema, store.domain)?;
    let (tenant, store_created) = match registry::find_by_schema(pool, &new.schema).await? {
        Some(tenant) => (tenant, false),
        None => match provision::create(pool, &new, public_hosts).await {
            Ok(tenant) => {
                // The demo stores are the platform's own: comped on the unlimited plan,
                // so no limit gets in the way of the demo or of the tests that fill them.
                let billing = crate::billing::Billing::fake();
                crate::billing::actions::comp(pool, &billing, public_hosts, tenant.id, DEMO_PLAN)
                    .await?;
                (tenant, true)
            }
            // Another run created it a moment ago.
            Err(Error::Conflict { .. }) => {
                (registry::get_by_schema(pool, &new.schema).await?, false)
            }
            Err(err) => return Err(err),
        },
    };

    let mut tx = TenantTx::begin(pool, &tenant.schema_name).await?;
    let mut products_added = 0;
    let mut product_ids = Vec::new();
    for product in &store.products {
        let id = match catalog::find_by_name(&mut tx, product.name).await? {
            Some(existing) => existing.id,
            None => {
                let input = ProductInput::parse(
                    product.name,
                    product.description,
                    product.price,
                    &product.stock.to_string(),
                )?;
                products_added += 1;
                catalog::create(&mut tx, &input).await?.id
            }
        };
        product_ids.push(id);
    }

    let first_number = format!("{}001", tenant.schema_name.order_prefix());
    let order_placed = if orders::count(&mut tx).await? == 0 {
        let order = orders::place(
            &mut tx,
            &Checkout {
                customer_id: None,
                customer_name: "Demo Customer".into(),
                email: "customer@example.com".into(),
                address: "1 Demo Street, Sampletown".into(),
                lines: product_ids
                    .iter()
                    .map(|&product_id| LineRequest {
                        product_id,
                        quantity: 1,
                    })
                    .collect(),
                idempotency_key: None,
                session_id: None,
            },
        )
        .await?
        .order()
        .clone();
        debug_assert_eq!(order.order_number, first_number);
        Some(order.order_number)
    } else {
        None
    };

    let admin_created = if accounts::find_by_username(&mut tx, "admin")
        .await?
        .is_none()
    {
        let password = match admin_password {
            Some(p) => p.to_owned(),
            None => password::random_token(16),
        };
        accounts::create(
            &mut tx,
            NewUser {
                username: Username::parse("admin")?,
                email: Email::parse(&tenant.owner_email)?,
                full_name: format!("{} admin", tenant.name),
                password: password::hash(Password::parse(&password)?).await,
                role: Role::Superuser,
            },
        )
        .await?;
        Some(AdminLogin {
            username: "admin".into(),
            password,
        })
    } else {
        None
    };
    tx.commit().await?;

    Ok(Seeded {
        name: tenant.name,
        schema: tenant.schema_name.to_string(),
        domain: tenant.primary_domain.to_string(),
        store_created,
        products_added,
        order_placed,
        admin_created,
    })
}
