//! Caddy in front of the server, as `deploy/Caddyfile` sets it up: on-demand TLS from
//! Caddy's own local CA, each certificate approved by `/internal/tls/ask`. A verified
//! domain gets a certificate and its store over HTTPS; an unverified one fails the TLS
//! handshake; and the server was asked both times.
//!
//! Needs Debian's `caddy` (and `curl`) installed, like dnsmasq for the DNS tests.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Command;

use super::{app_with_dns, check, claim, DnsServer};
use crate::helpers::TestApp;

/// A free loopback TCP port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn caddyfile(dir: &Path, app_port: u16, https_port: u16) -> String {
    format!(
        "{{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\thttp_port {http}\n\
         \thttps_port {https_port}\n\tstorage file_system {{\n\t\troot {data}\n\t}}\n\
         \ton_demand_tls {{\n\t\task http://127.0.0.1:{app_port}/internal/tls/ask\n\t}}\n}}\n\n\
         https:// {{\n\ttls {{\n\t\ton_demand\n\t}}\n\treverse_proxy 127.0.0.1:{app_port}\n}}\n",
        http = free_port(),
        data = dir.join("data").display(),
    )
}

async fn curl(args: &[&str]) -> (bool, String, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
        .await
        .expect("curl must be installed");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn caddy_gets_certificates_for_verified_domains_only(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut dns = DnsServer::start();
    let app: TestApp = app_with_dns(options, &dns).await;
    let claimed = claim(&app, "techstore", "shop.example.com").await.unwrap();
    dns.set(&[("_marketplace-verify.shop.example.com", &claimed.token)]);
    check(&app, "techstore", "shop.example.com").await;
    claim(&app, "fashion", "pending.example.com").await.unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_port = listener.local_addr().unwrap().port();
    let config = server::startup::ServerConfig::default();
    let asks = config.tls_asks.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::startup::serve_on(
        listener,
        app.state.clone(),
        config,
        async move {
            let _ = stopped.await;
        },
    ));

    let dir = std::env::temp_dir().join(format!("marketplace-caddy-{app_port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let https_port = free_port();
    let file = dir.join("Caddyfile");
    std::fs::write(&file, caddyfile(&dir, app_port, https_port)).unwrap();
    let mut caddy = Command::new("caddy")
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .env("HOME", &dir)
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("caddy (Debian package caddy) must be installed");
    wait_for(https_port).await;

    let resolve = |host: &str| format!("{host}:{https_port}:127.0.0.1");
    let url = |host: &str| format!("https://{host}:{https_port}/data/");
    // The first handshake makes Caddy's local CA issue the certificate (and write its
    // root); trust only that root from then on.
    let root = dir.join("data/pki/authorities/local/root.crt");
    let (ok, _, err) = curl(&[
        "-k",
        "--resolve",
        &resolve("shop.example.com"),
        &url("shop.example.com"),
    ])
    .await;
    assert!(ok, "first request over Caddy failed: {err}");
    let root = root.to_str().unwrap();
    let (ok, body, err) = curl(&[
        "--cacert",
        root,
        "-D",
        "-",
        "--resolve",
        &resolve("shop.example.com"),
        &url("shop.example.com"),
    ])
    .await;
    assert!(ok, "verified domain over HTTPS: {err}");
    assert!(
        body.to_ascii_lowercase()
            .contains("x-tenant-schema: techstore"),
        "{body}"
    );
    assert!(asks.allowed() >= 1, "the server approved the certificate");

    let before = asks.asked();
    let (ok, _, err) = curl(&[
        "--cacert",
        root,
        "--resolve",
        &resolve("pending.example.com"),
        &url("pending.example.com"),
    ])
    .await;
    assert!(!ok, "an unverified domain must get no certificate");
    assert!(!err.is_empty());
    assert!(
        asks.asked() > before,
        "the server was asked about the unverified domain"
    );
    assert_eq!(asks.allowed(), 1);

    caddy.kill().await.ok();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
