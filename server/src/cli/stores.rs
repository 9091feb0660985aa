//! The commands that create stores and their users: `create-tenant`,
//! `create-test-data` and `create-superuser` (`list-tenants` is in `list.rs`).

use std::io::IsTerminal;

use marketplace::accounts::{self, NewUser, Role, Username};
use marketplace::email::Email;
use marketplace::password::{self, Password};
use marketplace::tenancy::provision::{self, NewTenant};
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::{registry, SchemaName, TenantTx};
use marketplace::{platform, seed};
use sqlx::PgPool;

use super::CliError;

/// `create-tenant`: one store, all or nothing.
pub(super) async fn create_tenant(
    pool: &PgPool,
    public_hosts: &PublicHosts,
    name: &str,
    email: &str,
    schema: &str,
    domain: &str,
) -> Result<(), CliError> {
    let new = NewTenant::parse(name, email, schema, domain)?;
    let tenant = provision::create(pool, &new, public_hosts).await?;
    println!(
        "Created store '{}' in schema '{}', served at {}",
        tenant.name, tenant.schema_name, tenant.primary_domain
    );
    Ok(())
}

/// `create-test-data`: the demo stores, reporting what was created and what existed.
pub(super) async fn create_test_data(
    pool: &PgPool,
    public_hosts: &PublicHosts,
    admin_password: Option<&str>,
) -> Result<(), CliError> {
    let report = seed::create_test_data(pool, public_hosts, admin_password).await?;
    for store in report {
        let created = if store.store_created {
            "created"
        } else {
            "exists"
        };
        println!(
            "{} ({}, {}): store {created}",
            store.name, store.schema, store.domain
        );
        if store.products_added > 0 {
            println!("  added {} products", store.products_added);
        }
        if let Some(number) = store.order_placed {
            println!("  placed order {number}");
        }
        if let Some(login) = store.admin_created {
            println!("  admin login: {} / {}", login.username, login.password);
        }
    }
    Ok(())
}

/// `create-superuser`: a store's superuser when `schema` is given, else platform staff.
pub(super) async fn create_superuser(
    pool: &PgPool,
    schema: Option<&str>,
    username: &str,
    email: &str,
    password: Option<String>,
) -> Result<(), CliError> {
    let username = Username::parse(username)?;
    let email = Email::parse(email)?;
    let password = password::hash(Password::parse(&match password {
        Some(p) => p,
        None => prompt_password()?,
    })?)
    .await;
    match schema {
        Some(schema) => {
            let schema = SchemaName::parse(schema)?;
            let tenant = registry::get_by_schema(pool, &schema).await?;
            let mut tx = TenantTx::begin(pool, &tenant.schema_name).await?;
            let user = accounts::create(
                &mut tx,
                NewUser {
                    username,
                    email,
                    full_name: String::new(),
                    password,
                    role: Role::Superuser,
                },
            )
            .await?;
            tx.commit().await?;
            println!(
                "Created superuser '{}' for {} (log in at http://{}:8000/admin)",
                user.username, tenant.name, tenant.primary_domain
            );
        }
        None => {
            let user = platform::create(pool, &username, &email, &password).await?;
            println!(
                "Created platform staff user '{}' (log in at http://localhost:8000/admin)",
                user.username
            );
        }
    }
    Ok(())
}

fn prompt_password() -> Result<String, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "no --password given and no terminal to ask for one".into(),
        ));
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password (again): ")?;
    if first != second {
        return Err(CliError::Usage("the passwords did not match".into()));
    }
    Ok(first)
}
