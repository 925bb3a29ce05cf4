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
    start_ours_with(&[])
}

/// Our server with extra `-o key=value` settings.
fn start_ours_with(settings: &[&str]) -> Server {
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
        .args(settings.iter().flat_map(|s| ["-o", s]))
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
    // Long enough that no broker expires while a test runs.
    register_for(addr, name, broker_addr, topics, counter, 600_000)
}

/// A registration that expires `timeout_ms` after it unless the broker is heard from again.
fn register_for(
    addr: &str,
    name: &str,
    broker_addr: &str,
    topics: &[&str],
    counter: i64,
    timeout_ms: u64,
) -> Broker {
    let topics: Vec<(&str, i32, i32)> = topics.iter().map(|t| (*t, 4, 6)).collect();
    let request = namesrv_client::Broker::new("AdminCluster", name, broker_addr, 0)
        .register(&topics, counter);
    let timeout = timeout_ms.to_string();
    let request = with_ext(request, "heartbeatTimeoutMillis", Some(&timeout));
    let mut connection = Client::connect(addr, Duration::from_secs(10)).unwrap();
    connection.call(request).unwrap();
    Broker {
        _connection: connection,
    }
}

fn admin(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_namesrv-admin"));
    if !args.contains(&"--timeout-ms") {
        command.args(["--timeout-ms", "2000"]);
    }
    command.args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A plain HTTP/1.1 request to one of our HTTP endpoints; the whole answer, headers included.
fn http(endpoint: &str, method: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(endpoint).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {endpoint}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

/// `namesrv_broker_seconds_since_heartbeat` of one broker, from `/metrics`.
fn seconds_since_heartbeat(endpoint: &str, broker_addr: &str) -> Option<f64> {
    let metrics = http(endpoint, "GET", "/metrics");
    let label = format!("broker_addr=\"{broker_addr}\"");
    metrics
        .lines()
        .find(|l| l.starts_with("namesrv_broker_seconds_since_heartbeat{") && l.contains(&label))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

/// A TCP listener that accepts connections and never answers: a hung replica (the accepted
/// connections are held until it is dropped), or one that closes each connection at once.
struct Silent {
    addr: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Silent {
    fn start() -> Silent {
        Silent::listen(true)
    }

    fn closing() -> Silent {
        Silent::listen(false)
    }

    fn listen(hold: bool) -> Silent {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            for connection in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if hold {
                    held.extend(connection.ok());
                }
            }
        });
        Silent {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(&self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
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
        admin_json(&["-n", n, "wipe-write-perm", "broker-a"])[n]["wipeTopicCount"],
        2
    );
    assert_eq!(
        admin_json(&["-n", n, "topic-route", "T1"])["queueDatas"][0]["perm"],
        4
    );
    assert_eq!(
        admin_json(&["-n", n, "add-write-perm", "broker-a"])[n]["addTopicCount"],
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

    // Several namespaces, as separate values or comma-separated.
    for (ns, value) in [("NS_A", "a"), ("NS_B", "b")] {
        assert!(admin(&["-n", &r2.addr, "kv", "put", ns, "k", value])
            .status
            .success());
    }
    for namespaces in [&["NS_A", "NS_B"][..], &["NS_A,NS_B"]] {
        let mut args = vec!["-n", &both, "--json", "diff", "--namespaces"];
        args.extend_from_slice(namespaces);
        let out = admin(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let whats: Vec<&str> = report["differences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["what"].as_str().unwrap())
            .collect();
        assert!(
            whats.contains(&"kv NS_A k") && whats.contains(&"kv NS_B k"),
            "{args:?}: {whats:?}"
        );
    }

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
    assert_eq!(v[&dead]["replica"], dead.as_str());
    // In text, the dead replica's error is printed once, on stderr.
    let out = admin(&[
        "-n",
        &format!("{};{dead}", r1.addr),
        "--all-replicas",
        "topic-list",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let everything = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(
        everything.matches(dead.as_str()).count(),
        1,
        "printed once: {everything}"
    );
    // Without --all-replicas the first reachable replica answers.
    let out = admin(&["-n", &format!("{dead};{}", r1.addr), "topic-list"]);
    assert!(out.status.success());
    // All unreachable: exit 2 with a clear message.
    let out = admin(&["-n", &dead, "cluster-list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreachable"));
    // With --json the error is JSON too, on stdout.
    let out = admin(&["-n", &dead, "--json", "cluster-list"]);
    assert_eq!(out.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&out.stdout).expect("a JSON error");
    assert_eq!(error["replica"], dead.as_str());
    assert!(error["error"].as_str().unwrap().contains("unreachable"));
    // diff with nothing to compare fails instead of reporting agreement.
    let out = admin(&["-n", &dead, "diff"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no replica was reachable"),
        "{}",
        stderr(&out)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("agree"));
}

#[test]
fn writes_reach_every_replica() {
    let (r1, r2) = (start_ours(), start_ours());
    let both = format!("{};{}", r1.addr, r2.addr);
    let _a1 = register(&r1.addr, "broker-a", "127.0.0.1:10911", &["T1", "T2"], 1);
    let _a2 = register(&r2.addr, "broker-a", "127.0.0.1:10911", &["T1", "T2"], 1);

    let out = admin(&["-n", &both, "kv", "put", "ns", "k", "v"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("== {}\nOK", r1.addr))
            && text.contains(&format!("== {}\nOK", r2.addr)),
        "a result per replica: {text}"
    );
    for r in [&r1, &r2] {
        assert_eq!(
            admin_json(&["-n", &r.addr, "kv", "get", "ns", "k"])["value"],
            "v"
        );
    }
    assert!(admin(&["-n", &both, "kv", "delete", "ns", "k"])
        .status
        .success());
    assert_eq!(
        admin(&["-n", &r2.addr, "kv", "get", "ns", "k"])
            .status
            .code(),
        Some(1)
    );

    let wiped = admin_json(&["-n", &both, "wipe-write-perm", "broker-a"]);
    assert_eq!(wiped[&r1.addr]["wipeTopicCount"], 2);
    assert_eq!(wiped[&r2.addr]["wipeTopicCount"], 2);
    assert_eq!(
        admin_json(&["-n", &r2.addr, "topic-route", "T1"])["queueDatas"][0]["perm"],
        4
    );
    admin_json(&["-n", &both, "add-write-perm", "broker-a"]);
    assert_eq!(
        admin_json(&["-n", &r2.addr, "topic-route", "T1"])["queueDatas"][0]["perm"],
        6
    );
    admin_json(&["-n", &both, "config", "update", "enableTopicList=false"]);
    assert_eq!(
        admin_json(&["-n", &r2.addr, "config", "get"])["enableTopicList"],
        "false"
    );
    admin_json(&["-n", &both, "delete-topic", "T2"]);
    assert_eq!(
        admin(&["-n", &r2.addr, "topic-route", "T2"]).status.code(),
        Some(1)
    );

    // Refused everywhere: exit 1. One replica unreachable: the others are still written,
    // exit 2.
    let out = admin(&["-n", &both, "config", "update", "kvConfigPath=/tmp/x"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).matches("code").count(), 2, "{}", stderr(&out));
    let dead_port = reserve_port().expect("a port nobody listens on");
    let dead = dead_port.addr();
    let out = admin(&[
        "-n",
        &format!("{dead};{}", r2.addr),
        "--json",
        "kv",
        "put",
        "ns",
        "k2",
        "v2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[&r2.addr]["ok"], true);
    assert_eq!(v[&dead]["replica"], dead.as_str());
    assert_eq!(
        admin_json(&["-n", &r2.addr, "kv", "get", "ns", "k2"])["value"],
        "v2"
    );

    // A write that changes nothing because the broker is unknown fails.
    let out = admin(&["-n", &both, "wipe-write-perm", "no-such-broker"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("broker no-such-broker is not registered here"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn reads_move_past_replicas_that_cannot_answer() {
    let silent = Silent::start();
    let (live, draining) = (start_ours(), start_ours());
    let _a = register(&live.addr, "broker-a", "127.0.0.1:10911", &["T1", "T2"], 1);
    let _d = register(
        &draining.addr,
        "broker-a",
        "127.0.0.1:10911",
        &["T1", "T2"],
        1,
    );
    assert!(http(&draining.http, "POST", "/drain").contains("200"));

    // A replica that accepts and never answers: a timeout, said as such, then the next one.
    let hung_first = format!("{};{}", silent.addr, live.addr);
    let out = admin(&[
        "-n",
        &hung_first,
        "--timeout-ms",
        "500",
        "topic-route",
        "T1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{}: timed out after 500 ms", silent.addr))
            && stderr(&out).contains("trying the next replica"),
        "{}",
        stderr(&out)
    );
    let out = admin(&["-n", &silent.addr, "--timeout-ms", "500", "cluster-list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("timed out after 500 ms"),
        "{}",
        stderr(&out)
    );
    let out = admin(&["-n", &silent.addr, "--timeout-ms", "500", "diff"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // A replica that closes the connection without answering: the next one answers.
    let closing = Silent::closing();
    let out = admin(&[
        "-n",
        &format!("{};{}", closing.addr, live.addr),
        "topic-route",
        "T1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{}: closed the connection", closing.addr)),
        "{}",
        stderr(&out)
    );

    // A draining replica answers route queries with GO_AWAY: the next one answers.
    let out = admin(&[
        "-n",
        &format!("{};{}", draining.addr, live.addr),
        "--json",
        "topic-route",
        "T1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("GO_AWAY"), "{}", stderr(&out));
    let route: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(route["queueDatas"][0]["brokerName"], "broker-a");
    let out = admin(&["-n", &draining.addr, "topic-route", "T1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // An HTTP port given as a name server is named as such, and skipped for the next one.
    let out = admin(&["-n", &live.http, "cluster-list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "{} does not speak the RocketMQ remoting protocol (is it an HTTP port?)",
            live.http
        )),
        "{}",
        stderr(&out)
    );
    let out = admin(&[
        "-n",
        &format!("{};{}", live.http, live.addr),
        "cluster-list",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    // --http: a URL is understood; an endpoint that fails is named as the HTTP endpoint.
    let url = format!("http://{}", live.http);
    let brokers = admin_json(&["-n", &live.addr, "--http", &url, "cluster-list"]);
    assert!(brokers["brokers"][0]["secondsSinceHeartbeat"].is_number());
    let dead_port = reserve_port().expect("a port nobody listens on");
    let dead = dead_port.addr();
    let out = admin(&["-n", &live.addr, "--http", &dead, "cluster-list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("HTTP endpoint {dead}: unreachable")),
        "{}",
        stderr(&out)
    );

    // Answers that show the command did nothing are errors.
    let out = admin(&["-n", &live.addr, "topic-list", "-c", "NoSuchCluster"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unknown cluster NoSuchCluster (known: AdminCluster)"),
        "{}",
        stderr(&out)
    );
    let out = admin(&["-n", &live.addr, "data-version", "--broker-name", "nosuch"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // Usage errors exit 2, ours as clap's.
    assert_eq!(admin(&["--no-such-flag"]).status.code(), Some(2));
    let out = admin(&["-n", &live.addr, "config", "update", "novalue"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Reading data versions (and diffing) is not a sign of life from the broker: a broker that
/// stops heartbeating expires on time however often an operator looks.
#[test]
fn data_version_and_diff_never_keep_a_dead_broker_alive() {
    let s = start_ours_with(&["scanNotActiveBrokerInterval=200"]);
    let broker = "127.0.0.1:10931";
    let _b = register_for(&s.addr, "broker-frozen", broker, &["F1", "F2"], 1, 3000);
    let n = s.addr.as_str();
    let started = Instant::now();
    let mut ages = Vec::new();
    let mut versions_read = 0;
    loop {
        let versions = admin_json(&["-n", n, "data-version"]);
        if versions[broker]["counter"] == 1 {
            versions_read += 1;
        }
        let out = admin(&["-n", n, "diff"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        match seconds_since_heartbeat(&s.http, broker) {
            Some(age) => ages.push(age),
            None => break,
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the broker should have expired 3 s after its registration; ages seen: {ages:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(versions_read >= 2, "data versions were read while it lived");
    assert!(
        ages.windows(2).all(|w| w[1] > w[0]),
        "the heartbeat age only grew: {ages:?}"
    );
    let brokers = admin_json(&["-n", n, "cluster-list"]);
    assert!(brokers["brokers"].as_array().unwrap().is_empty());
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
    // Java counts QUERY_DATA_VERSION as the broker's heartbeat, whatever __READ_ONLY says:
    // refused unless asked for, and left out of diff.
    let refused = admin(&["-n", n, "data-version"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("heartbeat") && stderr(&refused).contains("--touch-liveness"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        admin_json(&["-n", n, "data-version", "--touch-liveness"])["127.0.0.1:10911"]["counter"],
        1
    );
    let out = admin(&["-n", n, "--json", "diff"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dataVersionsNotCompared"][0]["replica"], n);
    let text = String::from_utf8(admin(&["-n", n, "diff"]).stdout).unwrap();
    assert!(
        text.contains(&format!("NOT COMPARED data versions on {n}")),
        "{text}"
    );
    assert_eq!(
        admin_json(&["-n", n, "wipe-write-perm", "broker-a"])[n]["wipeTopicCount"],
        2
    );
}
