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
        let port = UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free loopback port")
            .port();
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
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in records {
            command.arg(format!("--txt-record={name},{value}"));
        }
        // Debian keeps dnsmasq in /usr/sbin, not always on a test's PATH.
        let child = command
            .spawn()
            .or_else(|_| {
                let mut sbin = Command::new("/usr/sbin/dnsmasq");
                sbin.args(command.get_args())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                sbin.spawn()
            })
            .expect("dnsmasq (Debian package dnsmasq-base) must be installed");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(self.addr()).is_err() {
            assert!(Instant::now() < deadline, "dnsmasq did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
