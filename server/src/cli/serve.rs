//! `serve`: turns the flags into the server's configuration, greets the terminal with
//! every store's address and runs the server until it is stopped.

use std::time::Duration;

use marketplace::tenancy::registry;
use marketplace::tenancy::resolver::PublicHosts;
use sqlx::PgPool;

use super::{CliError, ServeArgs};
use crate::form_errors::FormErrorKey;
use crate::limits::LimitRules;
use crate::startup;
use crate::tenant_layer::ProxyTrust;

/// Serves the platform on `args.addr` until the process is told to stop.
pub(super) async fn serve(
    pool: PgPool,
    public_hosts: PublicHosts,
    args: ServeArgs,
) -> Result<(), CliError> {
    let ServeArgs {
        addr,
        site_root,
        trust_forwarded_host,
        trust_forwarded_for,
        trust_forwarded_proto,
        secure_cookies,
        secret_key,
        no_demo_endpoints,
        no_store_roles,
        limits,
        security,
    } = args;
    let site_root = startup::find_site_root(site_root.as_deref());
    if !site_root.join("pkg").is_dir() {
        tracing::warn!(
            site_root = %site_root.display(),
            "no compiled site found: pages will render but not hydrate (run `cargo leptos build --release`)"
        );
    }
    let options = startup::leptos_options(&site_root, addr);
    let mut state = startup::state(pool.clone(), public_hosts, options, security.policy());
    state.demo_endpoints = !no_demo_endpoints;
    if no_store_roles {
        tracing::warn!("store transactions will not enter their stores' roles");
        marketplace::tenancy::scope::set_store_roles(false);
    }
    let tenants = registry::list(&pool).await?;
    println!(
        "marketplace is serving on http://localhost:{}/",
        addr.port()
    );
    for tenant in &tenants {
        println!(
            "  {:<24} http://{}:{}/",
            tenant.name,
            tenant.primary_domain,
            addr.port()
        );
    }
    let config = startup::ServerConfig {
        proxy: ProxyTrust {
            forwarded_host: trust_forwarded_host,
            forwarded_for: trust_forwarded_for,
            forwarded_proto: trust_forwarded_proto,
        },
        form_error_key: FormErrorKey::new(secret_key.as_deref()),
        force_secure_cookies: secure_cookies,
        limits: LimitRules {
            global: limits.max_concurrent_requests.max(1),
            per_store: limits
                .max_concurrent_per_store
                .unwrap_or_else(LimitRules::default_per_store)
                .max(1),
            queue_timeout: Duration::from_millis(limits.queue_timeout_ms),
        },
        request_timeout: Duration::from_secs(limits.request_timeout_secs.max(1)),
        header_read_timeout: Duration::from_secs(limits.header_read_timeout_secs.max(1)),
        body_limit: limits.body_limit_bytes,
    };
    startup::serve(state, addr, config).await?;
    Ok(())
}
