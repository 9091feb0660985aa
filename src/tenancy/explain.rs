//! The Django demo's explanations of how a request is routed, in the SQL-looking words
//! its JSON used (`/request-flow/`, `/db-routing/`, the request-flow page). They are
//! never executed; they describe. They are rendered here, from validated names, because
//! they put schema and host names into SQL text and only the tenancy module does that.

use super::names::{Hostname, SchemaName};

/// "Query: SELECT tenant_id FROM domains WHERE domain='techstore.localhost:8000'": the
/// lookup as the demo described it, with the host (and port) the request named.
pub fn domain_lookup(host: &Hostname, port: Option<u16>) -> String {
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    format!("Query: SELECT tenant_id FROM domains WHERE domain='{host}{port}'")
}

/// "PostgreSQL: SET search_path TO techstore, public;" (or just `public` for the
/// platform's own site, `None`).
pub fn search_path_switch(schema: Option<&SchemaName>) -> String {
    match schema {
        Some(schema) => format!("PostgreSQL: SET search_path TO {schema}, public;"),
        None => "PostgreSQL: SET search_path TO public;".to_owned(),
    }
}

/// The three steps of the demo's "how routing works" for one store.
pub fn routing_steps(schema: &SchemaName) -> [String; 3] {
    [
        "Query: Product.objects.all()".to_owned(),
        format!("Router adds schema prefix: {schema}.products"),
        format!("Actual SQL: SELECT * FROM {schema}.products"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demos_words() {
        let schema = SchemaName::parse("techstore").unwrap();
        let host = Hostname::parse("techstore.localhost").unwrap();
        assert_eq!(
            domain_lookup(&host, Some(8000)),
            "Query: SELECT tenant_id FROM domains WHERE domain='techstore.localhost:8000'"
        );
        assert_eq!(
            domain_lookup(&host, None),
            "Query: SELECT tenant_id FROM domains WHERE domain='techstore.localhost'"
        );
        assert_eq!(
            search_path_switch(Some(&schema)),
            "PostgreSQL: SET search_path TO techstore, public;"
        );
        assert_eq!(
            search_path_switch(None),
            "PostgreSQL: SET search_path TO public;"
        );
        assert_eq!(
            routing_steps(&schema)[2],
            "Actual SQL: SELECT * FROM techstore.products"
        );
    }
}
