//! `create-api-key`: a key for a store's REST API from the terminal (scripts, the fuzz
//! run, an owner without the admin at hand). Prints the key alone on stdout, so that
//! `KEY=$(marketplace create-api-key …)` captures it.

use marketplace::api::{keys, NewKey, Scope};
use marketplace::tenancy::{SchemaName, TenantTx};
use sqlx::PgPool;

use super::CliError;

pub(super) async fn create_api_key(
    pool: &PgPool,
    schema: &str,
    name: &str,
    scopes: &[String],
) -> Result<(), CliError> {
    let schema = SchemaName::parse(schema)?;
    let all: Vec<String> = Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    let new = NewKey::parse(name, if scopes.is_empty() { &all } else { scopes })?;
    let mut tx = TenantTx::begin(pool, &schema).await?;
    let created = keys::create(&mut tx, &new, None).await?;
    tx.commit().await?;
    eprintln!(
        "Created API key '{}' ({}) for {schema}; it is shown only this once:",
        created.key.name, created.key.prefix
    );
    println!("{}", created.plaintext);
    Ok(())
}
