//! A real HAProxy (Debian package `haproxy`, installed by tests/run.sh) in TCP mode in front
//! of a server, for the PROXY protocol tests: one frontend per `server` line, each on a
//! reserved loopback port, with a generated config; killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use namesrv_test_support::{reserve_port, Reservation};

use super::eventually;

/// A running HAProxy with one TCP frontend per backend server line, killed when dropped.
pub struct Haproxy {
    child: Child,
    /// The frontends' addresses, in the order of the server lines.
    pub frontends: Vec<String>,
    _ports: Vec<Reservation>,
    _dir: tempfile::TempDir,
    log: mpsc::Receiver<String>,
}

impl Haproxy {
    /// One frontend for each of `servers` (a `server` line's address and options, e.g.
    /// `127.0.0.1:9876 send-proxy`), each on a reserved loopback port.
    pub fn start(servers: &[String]) -> Haproxy {
        let binary = which("haproxy").unwrap_or_else(|| {
            panic!("haproxy is not installed: tests/run.sh installs it (Debian package haproxy)")
        });
        let dir = tempfile::tempdir().unwrap();
        let ports: Vec<Reservation> = servers
            .iter()
            .map(|_| reserve_port().expect("a port for an HAProxy frontend"))
            .collect();
        let mut config = String::from(
            "global\n    maxconn 200\n\
             defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n",
        );
        for (i, (server, port)) in servers.iter().zip(&ports).enumerate() {
            config += &format!(
                "frontend f{i}\n    bind {}\n    default_backend b{i}\n\
                 backend b{i}\n    server ns{i} {server}\n",
                port.addr()
            );
        }
        let file = dir.path().join("haproxy.cfg");
        std::fs::write(&file, &config).unwrap();
        let check = Command::new(&binary)
            .args(["-c", "-f"])
            .arg(&file)
            .output()
            .expect("haproxy -c runs");
        assert!(
            check.status.success(),
            "haproxy refuses the config:\n{config}\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let mut child = Command::new(&binary)
            .args(["-db", "-f"])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start haproxy");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Not probed by connecting: HAProxy would relay the probe, preamble and all.
        let listening = eventually(Duration::from_secs(10), || {
            ports.iter().all(|p| is_listening(p.port()))
        });
        let mut haproxy = Haproxy {
            child,
            frontends: ports.iter().map(Reservation::addr).collect(),
            _ports: ports,
            _dir: dir,
            log,
        };
        if !listening {
            let said: Vec<String> = haproxy.log.try_iter().collect();
            let _ = haproxy.child.kill();
            panic!("haproxy did not listen in time: {said:#?}");
        }
        haproxy
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a socket listens on 127.0.0.1:`port`, from the kernel's table.
fn is_listening(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let local = format!("0100007F:{port:04X}");
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.get(1) == Some(&local.as_str()) && fields.get(3) == Some(&"0A")
    })
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}
