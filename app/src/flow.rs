//! How a request found its store: the facts behind the `/request-flow/` JSON route.
//! The route and any page showing the flow take them from here, so both always agree.

use serde::{Deserialize, Serialize};

/// One stage of a request's path through the tenant machinery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowStep {
    pub step: u32,
    pub action: String,
    pub details: String,
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use super::FlowStep;
    use crate::ssr::RequestSite;

    fn step(step: u32, action: &str, details: String) -> FlowStep {
        FlowStep { step, action: action.to_owned(), details }
    }

    /// The five stages the original demo describes, filled in with this request's host,
    /// path, store and schema.
    pub fn steps(site: &RequestSite, path: &str) -> Vec<FlowStep> {
        let host = &site.host;
        let mut steps = vec![
            step(1, "Request Received", format!("Domain: {host}, Path: {path}")),
            step(2, "TenantMainMiddleware Processing", "Middleware extracts domain from request".to_owned()),
            step(3, "Domain Lookup", format!("Query: SELECT tenant_id FROM domains WHERE domain='{host}'")),
        ];
        match site.tenant() {
            Some(tenant) => {
                steps.push(step(
                    4,
                    "Tenant Found",
                    format!("Tenant: {}, Schema: {}", tenant.name, tenant.schema_name),
                ));
                steps.push(step(
                    5,
                    "Schema Switch",
                    format!("PostgreSQL: SET search_path TO {}, public;", tenant.schema_name),
                ));
            }
            None => {
                steps.push(step(4, "Public Host", format!("{} serves the platform, not a store", site.hostname)));
                steps.push(step(5, "Schema Switch", "PostgreSQL: SET search_path TO public;".to_owned()));
            }
        }
        steps
    }
}
