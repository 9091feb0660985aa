//! A new store's schema built in one message (the fast half of django-tenants'
//! `create_tenant`, which runs every migration as its own step).
//!
//! A schema that provisioning has just created holds nothing, so there is nothing to
//! read before filling it: the migration ledger, every tenant migration each followed by
//! its ledger row, the store's role and grants, and the store's `schema_version` in the
//! registry are rendered into one script and sent as one simple-protocol message inside
//! provisioning's transaction. Counted in PostgreSQL's statement log, a store takes
//! about ten round trips instead of about twenty-five (more with every new migration);
//! a failure anywhere still rolls the whole store back.
//!
//! Only validated names ([`SchemaName`]), integers, hex and our own migration
//! descriptions are rendered; the store's name and owner stay bound parameters.

use std::fmt::Write as _;

use super::migrate::{self, MigrationSet};
use super::names::SchemaName;
use super::roles;

/// The transaction-local setting that times each migration (for the ledger's
/// `execution_ms`, as the step-by-step path records it).
const STARTED: &str = "marketplace.migration_started";

/// The script that fills `schema` (created empty in the caller's transaction) with
/// `set`, records each migration in its ledger, grants the store's role its tables and
/// records `set`'s latest version for the store `tenant_id`. It leaves the transaction's
/// `search_path` at the schema alone.
pub(crate) fn script(schema: &SchemaName, tenant_id: i64, set: &MigrationSet) -> String {
    let mut sql = format!(
        "set local standard_conforming_strings = on;\nset local search_path to {};\n{};\n",
        schema.quoted(),
        migrate::ledger_sql("schema_migrations")
    );
    let elapsed =
        format!("(extract(epoch from clock_timestamp() - current_setting('{STARTED}')::timestamptz) * 1000)::bigint");
    let mut migrations: Vec<_> = set.migrations().iter().collect();
    migrations.sort_by_key(|m| m.version);
    for m in migrations {
        let checksum: String = m.checksum.iter().map(|b| format!("{b:02x}")).collect();
        // Each migration on lines of its own, closed by a `;` of our own, so a file
        // that ends in a comment or without a semicolon cannot swallow what follows.
        let _ = write!(
            sql,
            "select set_config('{STARTED}', clock_timestamp()::text, true);\n{}\n;\n\
             insert into schema_migrations (version, description, checksum, execution_ms) \
             values ({}, {}, decode('{checksum}', 'hex'), {elapsed});\n",
            m.sql,
            m.version,
            literal(&m.description),
        );
    }
    let _ = write!(
        sql,
        "{};\nupdate public.tenants set schema_version = {} where id = {tenant_id};\n",
        roles::fresh_grants_sql(schema),
        set.latest()
    );
    sql
}

/// A string literal under `standard_conforming_strings` (set by the script itself):
/// quotes doubled, backslashes literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_records_every_migration_and_quotes_descriptions() {
        let set = MigrationSet::from_steps(&[
            (2, "it's second", "create table b (id int) -- no newline"),
            (1, "first", "create table a (id int)"),
        ]);
        let schema = SchemaName::parse("shop").unwrap();
        let sql = script(&schema, 7, &set);
        let first = sql.find("create table a").unwrap();
        let second = sql.find("create table b").unwrap();
        assert!(first < second, "applied in version order");
        assert!(sql.contains("values (2, 'it''s second', decode('"), "{sql}");
        assert!(sql.contains("-- no newline\n;\n"), "{sql}");
        assert!(sql.contains("schema_version = 2 where id = 7"), "{sql}");
        assert!(sql.contains("set local search_path to \"shop\""), "{sql}");
    }
}
