//! `serve`: turns the flags into the server's configuration, greets the terminal with
//! every store's address and runs the server until it is stopped.

use std::sync::Arc;
use std::time::Duration;

use marketplace::db::Recycling;
use marketplace::tenancy::domains::DnsTargets;
use marketplace::tenancy::resolver::PublicHosts;
use marketplace::tenancy::verification::{DnsChecker, Verifier};
use marketplace::tenancy::{registry, Hostname, ShardedPool};
use sqlx::PgPool;

use super::args::{DomainArgs, PoolArgs};
use super::{CliError, ServeArgs};
use crate::api::RateRules;
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
        pool: pool_args,
        security,
        domains,
        billing,
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
    state.verifier = Arc::new(verifier(&state, &domains)?);
    state.stores = store_pool(&pool, &pool_args).await?;
    if let Some(secret) = billing.stripe_webhook_secret.filter(|s| !s.is_empty()) {
        let stripe = marketplace::billing::stripe::StripeProvider::offline(secret);
        state.billing = state.billing.clone().with_webhooks(Arc::new(stripe));
    }
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
        api_rates: RateRules {
            burst: limits.api_burst.max(1),
            per_second: limits.api_per_second.max(0.01),
        },
        domain_checks: Duration::from_secs(domains.domain_check_secs.max(1)),
        billing_ticks: Duration::from_secs(billing.billing_tick_secs.max(1)),
        tls_asks: Default::default(),
    };
    startup::serve(state, addr, config).await?;
    Ok(())
}

/// The DNS resolver and record targets of custom domains, from `serve`'s flags.
fn verifier(state: &app::ssr::AppState, args: &DomainArgs) -> Result<Verifier, CliError> {
    let platform_domain = state.resolver.public_hosts().platform_domain();
    let mut targets = DnsTargets::for_platform(platform_domain);
    if let Some(target) = &args.cname_target {
        targets.cname_target = Hostname::parse(target)?;
    }
    targets.apex_ips = args.apex_ip.clone();
    let dns = match args.dns_server {
        Some(server) => DnsChecker::with_server(server),
        None => DnsChecker::system(),
    };
    Ok(Verifier { dns, targets })
}

/// The store-affine connections for store work: as many as the platform pool may open,
/// in `--pool-shards` shards spilling over `--pool-spill-span`, on the same database and
/// settings.
async fn store_pool(platform: &PgPool, args: &PoolArgs) -> Result<ShardedPool, CliError> {
    let max_connections = platform.options().get_max_connections();
    let shards = args
        .pool_shards
        .unwrap_or_else(|| ShardedPool::default_shards(max_connections));
    let recycling = Recycling {
        sample_every: args.recycle_sample_every,
        memory_budget: i64::from(args.recycle_memory_mb) << 20,
    };
    let options = (*platform.connect_options()).clone();
    let stores = ShardedPool::connect(options, max_connections, shards, recycling)
        .await?
        .with_spill_span(args.pool_spill_span);
    tracing::info!(
        shards = stores.shards().len(),
        spill_span = args.pool_spill_span,
        max_connections,
        recycle_memory_mb = args.recycle_memory_mb,
        "store connections"
    );
    Ok(stores)
}
