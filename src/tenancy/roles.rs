//! Per-store database roles: defence in depth under the `search_path`.
//!
//! Every store has a `NOLOGIN` role (`mkt_<schema>`) with rights on its own schema's
//! tables and sequences only, and [`TenantTx`](super::TenantTx) enters it with
//! `SET LOCAL ROLE` in the same round trip as `SET LOCAL search_path`. Inside a store's
//! transaction PostgreSQL itself then refuses any other store's tables — even a query
//! that names them outright (`select * from fashion.products` in techstore's
//! transaction is "permission denied"), and the shared registry in `public`.
//!
//! The pool's login role keeps no rights on the stores' tables itself: it creates them
//! (and so owns them, which lets migrations alter them) but revokes its own right to
//! read and write them, so store data is reachable only through a store's role.
//!
//! What it protects against: our own bugs — a query that names the wrong schema, a
//! schema-qualified statement built from the wrong tenant, a `search_path` mistake, a
//! store query run on a bare pooled connection.
//! What it does not: SQL written by an attacker. Any SQL running on the pool's login
//! role can `SET ROLE` back or to another store's role (the login role is a member of
//! every store role so that it may switch to them); the platform runs no SQL but its
//! own.
//!
//! django-tenants has no such layer: a schema switch is all that stands between stores.
//!
//! Roles belong to the PostgreSQL cluster, not the database, so two databases on one
//! cluster with a store of the same schema share its role; each database grants it
//! rights on its own schema only. The login role must be able to create roles
//! (`CREATEROLE` or superuser).

use sqlx::{Executor as _, PgConnection};

use super::names::SchemaName;
use crate::Result;

/// The store's role, as a quoted identifier.
pub(crate) fn role_of(schema: &SchemaName) -> String {
    format!("\"{}\"", role_name(schema))
}

/// `mkt_<schema>`; names too long for PostgreSQL's 63 bytes keep their start and end
/// with a hash of the whole between, so that two long names never share a role.
pub fn role_name(schema: &SchemaName) -> String {
    let name = schema.as_str();
    if name.len() <= 59 {
        return format!("mkt_{name}");
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("mkt_{}_{hash}", &name[..50])
}

/// Creates the store's role if it is missing and grants it its schema: usage of the
/// schema, read and write on every table but the migration ledger, use of every
/// sequence — listed by name, in one statement each. Runs in the caller's transaction
/// (provisioning and each migration), so a store never exists without its grants.
pub(crate) async fn grant(conn: &mut PgConnection, schema: &SchemaName) -> Result<()> {
    let role = role_of(schema);
    let quoted = schema.quoted();
    let create = create_sql(schema);
    (&mut *conn).execute(sqlx::raw_sql(&create)).await?;
    let relations: Vec<(String, String)> = sqlx::query_as(&format!(
        "select c.relname::text, c.relkind::text {} order by c.relname",
        relations_of("$1")
    ))
    .bind(schema.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let list = |kinds: &[&str]| -> Vec<String> {
        relations
            .iter()
            .filter(|(_, kind)| kinds.contains(&kind.as_str()))
            .map(|(name, _)| format!("{quoted}.\"{}\"", name.replace('"', "\"\"")))
            .collect()
    };
    let (tables, sequences) = (list(&["r", "p"]), list(&["S"]));
    let mut grants = Vec::new();
    if !tables.is_empty() {
        // The login role created these tables and stays their owner (PostgreSQL keeps
        // its right to change them, which migrations need), but gives up reading and
        // writing them: only the store's role may. A store query that slips out of its
        // transaction onto a bare pooled connection is refused (unless the login role
        // is a superuser, which bypasses every check: do not run the server as one).
        grants.push(format!(
            "grant select, insert, update, delete on table {list} to {role}; \
             revoke select, insert, update, delete, truncate, references, trigger \
             on table {list} from current_user",
            list = tables.join(", ")
        ));
    }
    if !sequences.is_empty() {
        grants.push(format!(
            "grant usage, select, update on sequence {} to {role}",
            sequences.join(", ")
        ));
    }
    if !grants.is_empty() {
        (&mut *conn)
            .execute(sqlx::raw_sql(&grants.join("; ")))
            .await?;
    }
    Ok(())
}

/// `from … where …` of a store schema's tables and sequences, the migration ledger
/// aside, for the schema named by the SQL expression `schema`. They are found through
/// their dependency on the schema (`pg_depend`, indexed by what is depended on) rather
/// than by scanning `pg_class`, which has no index by schema: with 10,000 stores
/// `pg_class` holds over 500,000 rows, and the scan took 450 ms a store where this
/// takes about 10.
fn relations_of(schema: &str) -> String {
    format!(
        "from pg_catalog.pg_depend d join pg_catalog.pg_class c on c.oid = d.objid \
         where d.classid = 'pg_catalog.pg_class'::regclass \
           and d.refclassid = 'pg_catalog.pg_namespace'::regclass \
           and d.refobjid = (select oid from pg_catalog.pg_namespace where nspname = {schema}) \
           and c.relkind in ('r', 'p', 'S') and c.relname <> 'schema_migrations'"
    )
}

/// Creates the store's role if missing, lets the login role switch to it and grants it
/// usage of the schema. Both in blocks of their own: another database's provisioning
/// may be creating the same role at the same moment. A superuser may switch to any role
/// already.
pub(crate) fn create_sql(schema: &SchemaName) -> String {
    let role = role_of(schema);
    let quoted = schema.quoted();
    format!(
        "do $$ begin create role {role} nologin; \
         exception when duplicate_object or unique_violation then null; end $$; \
         do $$ begin \
           if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then \
             grant {role} to current_user; \
           end if; \
         exception when duplicate_object or unique_violation then null; end $$; \
         grant usage on schema {quoted} to {role}"
    )
}

/// [`grant`] for a schema that provisioning has just filled, as one statement list
/// sent in the same message as the migrations: the same relations listed by the same
/// catalog query, but read and granted inside the database in a `DO` block, with no
/// round trip between.
pub(crate) fn fresh_grants_sql(schema: &SchemaName) -> String {
    let role = role_of(schema);
    let quoted = schema.quoted();
    let relations = relations_of(&format!("'{}'", schema.as_str()));
    format!(
        "{create}; \
         do $$ declare tables text; sequences text; begin \
           select string_agg('{quoted}.' || quote_ident(c.relname), ', ' order by c.relname) \
                    filter (where c.relkind in ('r', 'p')), \
                  string_agg('{quoted}.' || quote_ident(c.relname), ', ' order by c.relname) \
                    filter (where c.relkind = 'S') \
             into tables, sequences \
             {relations}; \
           if tables is not null then \
             execute 'grant select, insert, update, delete on table ' || tables || ' to {role}; \
               revoke select, insert, update, delete, truncate, references, trigger \
               on table ' || tables || ' from current_user'; \
           end if; \
           if sequences is not null then \
             execute 'grant usage, select, update on sequence ' || sequences || ' to {role}'; \
           end if; \
         end $$",
        create = create_sql(schema)
    )
}

/// Takes away everything the store's role holds in this database (its schema is being
/// dropped). The role itself stays: it may serve a store of the same schema in another
/// database of the cluster, holds nothing here any more, and is reused if the store is
/// created again.
pub(crate) async fn revoke(conn: &mut PgConnection, schema: &SchemaName) -> Result<()> {
    let exists: bool =
        sqlx::query_scalar("select exists(select 1 from pg_catalog.pg_roles where rolname = $1)")
            .bind(role_name(schema))
            .fetch_one(&mut *conn)
            .await?;
    if exists {
        let drop_owned = format!("drop owned by {}", role_of(schema));
        (&mut *conn).execute(sqlx::raw_sql(&drop_owned)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_fit_postgres() {
        let short = SchemaName::parse("techstore").unwrap();
        assert_eq!(role_name(&short), "mkt_techstore");
        let a = SchemaName::parse(&format!("{}a", "x".repeat(62))).unwrap();
        let b = SchemaName::parse(&format!("{}b", "x".repeat(62))).unwrap();
        assert!(role_name(&a).len() <= 63);
        assert_ne!(role_name(&a), role_name(&b));
    }
}
