//! Custom domains end to end: claims proven by TXT records served by a real DNS server
//! (Debian's dnsmasq on a loopback port, [`dns::DnsServer`]), the hosts they serve on
//! the running router without a restart, the 301 to the primary host, the TLS proxy's
//! question, and Caddy itself in front of the server ([`caddy`]).

mod admin;
mod caddy;
mod dns;
mod lifecycle;
mod serving;

use std::sync::Arc;

use marketplace::tenancy::domains::{self, DnsTargets};
use marketplace::tenancy::registry::{self, Domain};
use marketplace::tenancy::verification::{self, DnsChecker, Verifier};
use marketplace::tenancy::{Hostname, SchemaName};

use crate::helpers::TestApp;

pub use dns::DnsServer;

/// The seeded platform with its verifier asking `dns`, and its router rebuilt over it.
pub async fn app_with_dns(options: sqlx::postgres::PgConnectOptions, dns: &DnsServer) -> TestApp {
    let mut app = TestApp::seeded(options, 4).await;
    let platform = app.state.resolver.public_hosts().platform_domain().clone();
    app.state.verifier = Arc::new(Verifier {
        dns: DnsChecker::with_server(dns.addr()),
        targets: DnsTargets::for_platform(&platform),
    });
    app.router = server::startup::router(app.state.clone(), Default::default());
    app
}

pub fn host(name: &str) -> Hostname {
    Hostname::parse(name).unwrap()
}

/// The store with this schema's id.
pub async fn store_id(app: &TestApp, schema: &str) -> i64 {
    let schema = SchemaName::parse(schema).unwrap();
    registry::get_by_schema(&app.pool, &schema)
        .await
        .unwrap()
        .id
}

/// Claims `domain` for the store `schema`, as both admins do.
pub async fn claim(app: &TestApp, schema: &str, domain: &str) -> marketplace::Result<Domain> {
    let id = store_id(app, schema).await;
    domains::claim(&app.pool, &*app.state.resolver, id, &host(domain)).await
}

/// "Check now" on one of the store's domains.
pub async fn check(app: &TestApp, schema: &str, domain: &str) -> Domain {
    let id = store_id(app, schema).await;
    let (dns, resolver) = (&app.state.verifier.dns, &*app.state.resolver);
    verification::check_now(&app.pool, resolver, dns, id, &host(domain))
        .await
        .unwrap()
}
