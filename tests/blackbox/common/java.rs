//! Real Apache RocketMQ peers from Maven Central (`tests/acceptance/peers.sh`): brokers of
//! either line, the Java name server, the Java client programs and `mqadmin`, for the
//! acceptance and differential tests. Needs Java 17 and Maven; downloads are cached in ~/.m2.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use namesrv_test_support::{reserve_broker_port, reserve_port, Reservation};

use super::eventually;

pub fn peers_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/acceptance/peers.sh")
}

/// Runs peers.sh for RocketMQ line `line` ("4" or "5").
pub fn peers(line: &str, args: &[&str]) -> Output {
    let out = Command::new("bash")
        .env("ROCKETMQ_LINE", line)
        .arg(peers_script())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run peers.sh");
    let log = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .filter(|l| !l.contains("|-INFO"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    eprintln!(
        "peers.sh {args:?} -> {}\n{}\n{}",
        out.status,
        log(&out.stdout),
        log(&out.stderr)
    );
    out
}

/// Builds line `line`'s peers (`peers.sh build`) the first time this test process needs
/// them. Tests run in parallel threads: the others wait for that one build instead of
/// running Maven in the same directory at once, and a test starting a peer of the other
/// line needs no test of that line to have run before it.
pub fn ensure_built(line: &str) {
    static BUILT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if built.contains(line) {
        return;
    }
    let build = peers(line, &["build"]);
    assert!(
        build.status.success(),
        "peers build of line {line} (Java 17 + Maven needed)"
    );
    built.insert(line.to_owned());
}

/// The Java name server, SIGKILLed when dropped; its port stays reserved until then.
pub struct JavaNamesrv {
    child: Child,
    pub addr: String,
    _port: Reservation,
}

impl Drop for JavaNamesrv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the Java name server of RocketMQ line `line` ("5": 5.5.0, "4": 4.9.7) on a
/// reserved loopback port, its files under `dir`, and waits until it listens.
pub fn start_java_namesrv(line: &str, dir: &Path) -> JavaNamesrv {
    ensure_built(line);
    let port = reserve_port().expect("a port for the Java name server");
    let child = Command::new("bash")
        .env("ROCKETMQ_LINE", line)
        .arg(peers_script())
        .args(["javansrv", dir.to_str().unwrap(), &port.port().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let java = JavaNamesrv {
        child,
        addr: port.addr(),
        _port: port,
    };
    assert!(
        eventually(Duration::from_secs(60), || std::net::TcpStream::connect(
            &java.addr
        )
        .is_ok()),
        "the Java name server listens"
    );
    java
}

/// A broker process, its remoting port and its directory; SIGKILLed when dropped, and its
/// three ports stay reserved until then.
pub struct BrokerProcess {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
    _ports: Reservation,
}

impl BrokerProcess {
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.join("broker.out")).unwrap_or_default()
    }

    /// The text of one of the broker's own log files (`broker.log`, `store.log`, …).
    pub fn log(&self, file: &str) -> String {
        let path = self.dir.join("broker/logs/rocketmqlogs").join(file);
        std::fs::read_to_string(path).unwrap_or_default()
    }

    /// Whether the first commit-log file holds a message (its first size field is non-zero).
    pub fn commit_log_has_data(&self) -> bool {
        use std::io::Read;
        let path = self.dir.join("broker/store/commitlog/00000000000000000000");
        let mut head = [0u8; 4];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .map(|_| head != [0; 4])
            .unwrap_or(false)
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        // A frozen (SIGSTOPped) JVM still dies of SIGKILL.
        self.kill();
    }
}

/// Starts a real broker of `line` registering with `namesrv` (one address or `a;b;c`), as
/// broker `name` of `cluster` with broker id `id`, its store under `dir`.
pub fn start_broker_as(
    line: &str,
    namesrv: &str,
    dir: &Path,
    cluster: &str,
    name: &str,
    id: u32,
    extra_conf: &str,
) -> BrokerProcess {
    ensure_built(line);
    std::fs::create_dir_all(dir).unwrap();
    let ports = reserve_broker_port().expect("a broker port triple");
    let port = ports.port();
    let log = std::fs::File::create(dir.join("broker.out")).unwrap();
    let child = Command::new("bash")
        .env("ROCKETMQ_LINE", line)
        .env("BROKER_EXTRA_CONF", extra_conf)
        .arg(peers_script())
        .args([
            "broker",
            namesrv,
            dir.join("broker").to_str().unwrap(),
            &port.to_string(),
            cluster,
            name,
            &id.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start broker");
    BrokerProcess {
        child,
        port,
        dir: dir.to_path_buf(),
        _ports: ports,
    }
}

/// The RocketMQ 5.5.0 proxy in cluster mode (`peers.sh proxy`), SIGKILLed when dropped; its
/// gRPC and remoting ports stay reserved until then.
pub struct ProxyProcess {
    pub child: Child,
    /// Where gRPC clients connect (`127.0.0.1:port`).
    pub grpc_addr: String,
    pub dir: PathBuf,
    _ports: [Reservation; 2],
}

impl ProxyProcess {
    /// What the proxy printed (its start line, stack traces of a failed start).
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.join("proxy.out")).unwrap_or_default()
    }

    /// The text of one of the proxy's own log files (`proxy.log`, `remoting.log`, …).
    pub fn log(&self, file: &str) -> String {
        let path = self.dir.join("logs/rocketmqlogs").join(file);
        std::fs::read_to_string(path).unwrap_or_default()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the 5.5.0 proxy in cluster mode for brokers of `cluster` found through `namesrv`
/// (one address or `a;b;c`), its config and logs under `dir`, on reserved gRPC and remoting
/// ports, and waits (up to 120 s) until it says it started and its gRPC port accepts.
pub fn start_proxy(namesrv: &str, dir: &Path, cluster: &str) -> ProxyProcess {
    ensure_built("proxy");
    std::fs::create_dir_all(dir).unwrap();
    let grpc = reserve_port().expect("a port for the proxy's gRPC server");
    let remoting = reserve_port().expect("a port for the proxy's remoting server");
    let out = std::fs::File::create(dir.join("proxy.out")).unwrap();
    let child = Command::new("bash")
        .arg(peers_script())
        .args([
            "proxy",
            namesrv,
            dir.to_str().unwrap(),
            &grpc.port().to_string(),
            &remoting.port().to_string(),
            cluster,
        ])
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("start the proxy");
    let mut proxy = ProxyProcess {
        child,
        grpc_addr: grpc.addr(),
        dir: dir.to_path_buf(),
        _ports: [grpc, remoting],
    };
    let mut exited = None;
    let started = eventually(Duration::from_secs(120), || {
        if let Ok(Some(status)) = proxy.child.try_wait() {
            exited = Some(status);
            return true;
        }
        proxy
            .output()
            .contains("rocketmq-proxy startup successfully")
            && std::net::TcpStream::connect(&proxy.grpc_addr).is_ok()
    });
    assert!(
        started && exited.is_none(),
        "the proxy started (exit: {exited:?}); its output:\n{}\nproxy.log:\n{}",
        proxy.output(),
        proxy.log("proxy.log")
    );
    proxy
}
