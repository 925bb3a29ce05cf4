//! The CLI against real name servers: three replicas of ours (the binary, over TCP) with
//! brokers registered by hand, and the Java name server (5.5.0) from Maven Central.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use namesrv_client::{with_ext, Client};
use namesrv_test_support::{reserve_port, Reservation};
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The namesrv binary next to this test's target dir, built if absent.
fn namesrv_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap(); // target/debug
    let bin = dir.join("namesrv");
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "namesrv", "--bin", "namesrv"])
            .current_dir(workspace())
            .status()
            .unwrap();
        assert!(status.success(), "cargo build -p namesrv");
    }
    bin
}

struct Server {
    child: Child,
    addr: String,
    http: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_ours() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(namesrv_binary())
        .args([
            "-o",
            "listenPort=0",
            "-o",
            "bindAddress=127.0.0.1",
            "-o",
            "httpPort=0",
        ])
        .arg("-o")
        .arg(format!("kvConfigPath={}/kv.json", dir.path().display()))
        .arg("-o")
        .arg(format!("configStorePath={}/p", dir.path().display()))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (mut addr, mut http) = (None, None);
    while addr.is_none() || http.is_none() {
        let line = lines.next().expect("startup lines").unwrap();
        if let Some(rest) = line.split("at http://").nth(1) {
            http = Some(rest.trim().to_owned());
        }
        if let Some(rest) = line.split("address ").nth(1) {
            addr = Some(rest.split(',').next().unwrap().trim().to_owned());
        }
    }
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        addr: addr.unwrap(),
        http: http.unwrap(),
        _dir: dir,
    }
}

/// A broker registered over its own connection, held open (closing it unregisters it).
struct Broker {
    _connection: Client,
}

fn register(addr: &str, name: &str, broker_addr: &str, topics: &[&str], counter: i64) -> Broker {
    let topics: Vec<(&str, i32, i32)> = topics.iter().map(|t| (*t, 4, 6)).collect();
    let request = namesrv_client::Broker::new("AdminCluster", name, broker_addr, 0)
        .register(&topics, counter);
    // Long enough that no broker expires while a test runs.
    let request = with_ext(request, "heartbeatTimeoutMillis", Some("600000"));
    let mut connection = Client::connect(addr, Duration::from_secs(10)).unwrap();
    connection.call(request).unwrap();
    Broker {
        _connection: connection,
    }
}

fn admin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_namesrv-admin"))
        .args(["--timeout-ms", "2000"])
        .args(args)
        .output()
        .unwrap()
}

fn admin_json(args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = admin(&all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn queries_and_changes_against_our_server() {
    let s = start_ours();
    let _a = register(&s.addr, "broker-a", "127.0.0.1:10911", &["T1", "T2"], 1);
    let n = s.addr.as_str();

    let brokers = admin_json(&["-n", n, "--http", &s.http, "cluster-list"]);
    let b = &brokers["brokers"][0];
    assert_eq!(b["brokerName"], "broker-a");
    assert_eq!(b["brokerAddr"], "127.0.0.1:10911");
    assert!(
        b["secondsSinceHeartbeat"].as_f64().unwrap() < 60.0,
        "freshness from /metrics"
    );

    let route = admin_json(&["-n", n, "topic-route", "T1"]);
    assert_eq!(route["queueDatas"][0]["writeQueueNums"], 4);
    let human = String::from_utf8(admin(&["-n", n, "topic-route", "T1"]).stdout).unwrap();
    assert!(
        human.contains("broker-a") && human.contains("RW-"),
        "{human}"
    );

    // A reader that goes away at once (`| grep -q`): no panic, success, like `cat`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_namesrv-admin"))
        .args(["-n", n, "--json", "topic-route", "T1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("panicked"),
        "closed stdout: {} {stderr}",
        out.status
    );

    let topics = admin_json(&["-n", n, "topic-list"]);
    assert!(topics.as_array().unwrap().iter().any(|t| t == "T2"));
    let by_cluster = admin_json(&["-n", n, "topic-list", "-c", "AdminCluster"]);
    assert!(by_cluster.as_array().unwrap().iter().any(|t| t == "T1"));

    assert!(admin(&["-n", n, "kv", "put", "ns", "k", "v"])
        .status
        .success());
    assert_eq!(admin_json(&["-n", n, "kv", "get", "ns", "k"])["value"], "v");
    assert_eq!(admin_json(&["-n", n, "kv", "list", "ns"])["k"], "v");
    assert!(admin(&["-n", n, "kv", "delete", "ns", "k"])
        .status
        .success());
    let missing = admin(&["-n", n, "kv", "get", "ns", "k"]);
    assert_eq!(missing.status.code(), Some(1), "a refused answer exits 1");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("code 22"));

    assert_eq!(
        admin_json(&["-n", n, "wipe-write-perm", "broker-a"])["wipeTopicCount"],
        2
    );
    assert_eq!(
        admin_json(&["-n", n, "topic-route", "T1"])["queueDatas"][0]["perm"],
        4
    );
    assert_eq!(
        admin_json(&["-n", n, "add-write-perm", "broker-a"])["addTopicCount"],
        2
    );

    assert_eq!(admin_json(&["-n", n, "config", "get"])["listenPort"], "0");
    assert!(
        admin(&["-n", n, "config", "update", "enableTopicList=false"])
            .status
            .success()
    );
    assert_eq!(
        admin_json(&["-n", n, "config", "get"])["enableTopicList"],
        "false"
    );
    let refused = admin(&["-n", n, "config", "update", "kvConfigPath=/tmp/x"]);
    assert_eq!(refused.status.code(), Some(1), "a path is never updatable");

    let versions = admin_json(&["-n", n, "data-version"]);
    assert_eq!(versions["127.0.0.1:10911"]["counter"], 1);

    assert!(admin(&["-n", n, "delete-topic", "T2"]).status.success());
    assert_eq!(
        admin(&["-n", n, "topic-route", "T2"]).status.code(),
        Some(1)
    );

    let completions = admin(&["completions", "bash"]);
    assert!(String::from_utf8_lossy(&completions.stdout).contains("namesrv-admin"));
}

#[test]
fn replicas_fan_out_and_diff_shows_where_they_disagree() {
    let (r1, r2) = (start_ours(), start_ours());
    let both = format!("{};{}", r1.addr, r2.addr);
    // broker-a registers with both; broker-b only with r1, and with a newer version there.
    let _a1 = register(&r1.addr, "broker-a", "127.0.0.1:10911", &["T1", "T2"], 1);
    let _a2 = register(&r2.addr, "broker-a", "127.0.0.1:10911", &["T1", "T2"], 1);
    let _b1 = register(&r1.addr, "broker-b", "127.0.0.1:10921", &["T1", "T3"], 5);
    assert!(admin(&[
        "-n",
        &r2.addr,
        "kv",
        "put",
        "ORDER_TOPIC_CONFIG",
        "T1",
        "broker-a:4"
    ])
    .status
    .success());

    let fan = admin_json(&["-n", &both, "--all-replicas", "cluster-list"]);
    assert_eq!(fan[&r1.addr]["brokers"].as_array().unwrap().len(), 2);
    assert_eq!(fan[&r2.addr]["brokers"].as_array().unwrap().len(), 1);

    let out = admin(&["-n", &both, "--json", "diff"]);
    assert_eq!(out.status.code(), Some(3), "disagreement exits 3");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let whats: Vec<String> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["what"].as_str().unwrap().to_owned())
        .collect();
    for expected in [
        "broker AdminCluster/broker-b/0",
        "data version of 127.0.0.1:10921",
        "route of topic T1",
        "route of topic T3",
        "kv ORDER_TOPIC_CONFIG T1",
    ] {
        assert!(
            whats.iter().any(|w| w == expected),
            "{expected} in {whats:?}"
        );
    }
    assert!(
        !whats.iter().any(|w| w == "route of topic T2"),
        "T2 is the same on both"
    );

    // Identical replicas agree.
    let same = admin(&["-n", &format!("{};{}", r1.addr, r1.addr), "diff"]);
    assert_eq!(same.status.code(), Some(0));

    // A dead replica: fan-out still answers for the live one and exits 2. Reserved, so no
    // other test starts a server there meanwhile.
    let dead_port = reserve_port().expect("a port nobody listens on");
    let dead = dead_port.addr();
    let out = admin(&[
        "-n",
        &format!("{};{dead}", r1.addr),
        "--all-replicas",
        "--json",
        "topic-list",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v[&r1.addr].is_array());
    assert!(v[&dead]["error"].as_str().unwrap().contains("unreachable"));
    // Without --all-replicas the first reachable replica answers.
    let out = admin(&["-n", &format!("{dead};{}", r1.addr), "topic-list"]);
    assert!(out.status.success());
    // All unreachable: exit 2 with a clear message.
    let out = admin(&["-n", &dead, "cluster-list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreachable"));
}

/// The Java name server, killed when dropped; its port stays reserved until then.
struct Java {
    child: Child,
    _port: Reservation,
}

impl Drop for Java {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn works_against_the_java_name_server() {
    let script = workspace().join("tests/acceptance/peers.sh");
    let build = Command::new("bash")
        .arg(&script)
        .arg("build")
        .output()
        .unwrap();
    assert!(build.status.success(), "peers build (Java 17 + Maven)");
    let dir = tempfile::tempdir().unwrap();
    let reservation = reserve_port().expect("a port for the Java name server");
    let port = reservation.port();
    let _java = Java {
        child: Command::new("bash")
            .arg(&script)
            .args(["javansrv", dir.path().to_str().unwrap(), &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        _port: reservation,
    };
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "Java name server listens");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _a = register(&addr, "broker-a", "127.0.0.1:10911", &["T1", "T2"], 1);
    let n = addr.as_str();
    let brokers = admin_json(&["-n", n, "cluster-list"]);
    assert_eq!(brokers["brokers"][0]["brokerName"], "broker-a");
    assert!(
        brokers["brokers"][0]["secondsSinceHeartbeat"].is_null(),
        "Java has no freshness"
    );
    assert_eq!(
        admin_json(&["-n", n, "topic-route", "T1"])["queueDatas"][0]["readQueueNums"],
        4
    );
    assert!(admin(&["-n", n, "kv", "put", "ns", "k", "v"])
        .status
        .success());
    assert_eq!(admin_json(&["-n", n, "kv", "get", "ns", "k"])["value"], "v");
    assert_eq!(admin_json(&["-n", n, "kv", "list", "ns"])["k"], "v");
    assert!(admin(&["-n", n, "kv", "delete", "ns", "k"])
        .status
        .success());
    assert_eq!(
        admin_json(&["-n", n, "config", "get"])["listenPort"],
        port.to_string()
    );
    assert_eq!(
        admin_json(&["-n", n, "data-version"])["127.0.0.1:10911"]["counter"],
        1
    );
    assert_eq!(
        admin_json(&["-n", n, "wipe-write-perm", "broker-a"])["wipeTopicCount"],
        2
    );
}
