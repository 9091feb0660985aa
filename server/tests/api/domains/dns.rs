//! A real DNS server for the tests: Debian's dnsmasq on a free loopback port, answering
//! only the TXT records a test gives it (no upstream, no hosts file, TTL 0). Changing
//! the records restarts it on the same port.

use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct DnsServer {
    port: u16,
    dir: std::path::PathBuf,
    child: Option<Child>,
}

impl DnsServer {
    /// Starts dnsmasq with no records.
    pub fn start() -> DnsServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("marketplace-dns-{port}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut server = DnsServer {
            port,
            dir,
            child: None,
        };
        server.set(&[]);
        server
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Serves exactly these TXT records, `(name, value)`, from now on.
    pub fn set(&mut self, records: &[(&str, &str)]) {
        self.stop();
        let mut command = Command::new("dnsmasq");
        command
            .args([
                "--keep-in-foreground",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
            ])
            .args([
                "--conf-file=/dev/null",
                "--listen-address=127.0.0.1",
                "--local-ttl=0",
            ])
            .arg(format!("--port={}", self.port))
            .arg(format!("--pid-file={}", self.dir.join("pid").display()))
            .stdout(Stdio::null());
        for (name, value) in records {
            command.arg(format!("--txt-record={name},{value}"));
        }
        // dnsmasq can fail to bind right after the previous one on the same port was
        // stopped (the machine busy, the port briefly held): try again until it answers.
        let log = self.dir.join("dnsmasq.log");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let err = std::fs::File::create(&log).expect("dnsmasq log file");
            command.stderr(err);
            // Debian keeps dnsmasq in /usr/sbin, not always on a test's PATH.
            let mut child = command
                .spawn()
                .or_else(|_| {
                    let mut sbin = Command::new("/usr/sbin/dnsmasq");
                    sbin.args(command.get_args()).stdout(Stdio::null());
                    sbin.stderr(std::fs::File::create(&log).expect("dnsmasq log file"));
                    sbin.spawn()
                })
                .expect("dnsmasq (Debian package dnsmasq-base) must be installed");
            loop {
                if TcpStream::connect(self.addr()).is_ok() {
                    self.child = Some(child);
                    return;
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // it gave up (the port not free yet): start it again
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(
                Instant::now() < deadline,
                "dnsmasq did not start on port {}: {}",
                self.port,
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback port free for both UDP and TCP (dnsmasq listens on both).
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("a free loopback port");
        let port = udp.local_addr().expect("its address").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
