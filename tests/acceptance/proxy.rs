//! The RocketMQ 5 proxy and its gRPC clients against our name server: the real Apache RocketMQ
//! 5.5.0 proxy (`ProxyStartup -pm cluster`) is given three replicas of ours as `namesrvAddr`,
//! a real 5.5.0 broker registers with all three, and gRPC clients that never talk to a name
//! server themselves go through the proxy: `rocketmq-client-java` 5.0.8 (normal messages with a
//! push consumer, FIFO messages with a simple consumer of an orderly group, delay messages) and
//! `rocketmq-client-nodejs` 1.0.8 (producer and simple consumer). One replica is SIGKILLed
//! while the first client sends; everything after relies on the two left, and the topics of
//! the later runs are first looked up by the proxy only after the kill. Needs Java 17, Maven
//! and Node.js with npm; downloads are cached in ~/.m2 and tests/acceptance/node-grpc.

#[path = "../blackbox/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::java::{ensure_built, peers, peers_script, start_broker_as, start_proxy};
use common::{eventually, request, route_of, Server};
use namesrv_protocol::body::{ClusterInfo, JsonBody};

const CLUSTER: &str = "ProxyCluster";
const BROKER: &str = "broker-proxy";
const TOPIC: &str = "ProxyTopic";
const FIFO_TOPIC: &str = "ProxyFifoTopic";
const FIFO_GROUP: &str = "ProxyFifoGroup";
const DELAY_TOPIC: &str = "ProxyDelayTopic";
const NODE_TOPIC: &str = "ProxyNodeTopic";

/// A client program running with its output in a file; SIGKILLed when dropped (a failing test
/// leaves nothing behind).
struct Running {
    child: Child,
    out: PathBuf,
    what: String,
}

impl Running {
    fn spawn(mut cmd: Command, out: PathBuf, what: &str) -> Running {
        let file = std::fs::File::create(&out).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        Running {
            child,
            out,
            what: what.to_owned(),
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// How many "sent <i> <id>" lines the client has printed.
    fn sent(&self) -> usize {
        self.output()
            .lines()
            .filter(|l| l.starts_with("sent "))
            .count()
    }

    /// Waits up to `timeout` for the exit (killing the client past it) and returns the exit
    /// status and the output, which the test also prints.
    fn finish(mut self, timeout: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "{} did not finish in {timeout:?}:\n{}",
                    self.what,
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let output = self.output();
        let retries = output.lines().filter(|l| l.contains(" failed: ")).count();
        eprintln!(
            "{} -> {status}, {retries} application-level retries\n{}",
            self.what,
            output
                .lines()
                .filter(|l| !l.starts_with("sent ")
                    && !l.starts_with("received ")
                    && !l.starts_with("SLF4J"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        (status, output)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `peers.sh grpc-client`: java-grpc's ProxyClient (see its doc) through the proxy.
fn java_client(
    endpoint: &str,
    work: &Path,
    kind: &str,
    topic: &str,
    group: &str,
    count: usize,
    interval_ms: u64,
) -> Running {
    let mut cmd = Command::new("bash");
    cmd.env("GRPC_CLIENT_LOG_DIR", work.join("grpc-client-logs"))
        .arg(peers_script())
        .args([
            "grpc-client",
            endpoint,
            kind,
            topic,
            group,
            &count.to_string(),
            &interval_ms.to_string(),
            "150",
        ]);
    Running::spawn(
        cmd,
        work.join(format!("java-{kind}.out")),
        &format!("rocketmq-client-java {kind} ({topic})"),
    )
}

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/acceptance/node-grpc")
}

/// `npm ci` of node-grpc/ (rocketmq-client-nodejs, as locked).
fn install_node_client() {
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(node_dir())
        .stdin(Stdio::null())
        .output()
        .expect("npm (Node.js) is needed for the Node gRPC client");
    assert!(
        out.status.success(),
        "npm ci in tests/acceptance/node-grpc:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn broker_registered(server: &Server) -> bool {
    let resp = server.client().call(request(106, &[]));
    ClusterInfo::from_json(&resp.body)
        .map(|info| info.broker_addr_table.contains_key(BROKER))
        .unwrap_or(false)
}

/// Route queries (GET_ROUTEINFO_BY_TOPIC) a replica has answered, from its metrics.
fn route_queries(server: &Server) -> u64 {
    server
        .metrics_text()
        .lines()
        .find_map(|l| l.strip_prefix("namesrv_requests_total{code=\"GET_ROUTEINFO_BY_TOPIC\"} "))
        .and_then(|n| n.trim().parse::<f64>().ok())
        .map(|n| n as u64)
        .unwrap_or(0)
}

/// `mqadmin ARGS -n NAMESRV`, which must exit 0.
fn mqadmin(namesrv: &str, args: &[&str]) {
    let mut argv = vec!["mqadmin"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["-n", namesrv]);
    let out = peers("5", &argv);
    assert!(out.status.success(), "mqadmin {args:?}");
}

#[test]
fn the_5_5_proxy_routes_java_and_node_grpc_clients_through_three_replicas_and_survives_losing_one()
{
    let started = Instant::now();
    ensure_built("5");
    ensure_built("proxy");
    ensure_built("grpc");
    install_node_client();
    eprintln!("peers built in {:?}", started.elapsed());

    // Ports from listenPort=0: the killed replica is not restarted.
    let mut replicas: Vec<Option<Server>> = (0..3)
        .map(|_| Some(Server::start(&["httpPort=0"])))
        .collect();
    let all = replicas
        .iter()
        .map(|r| r.as_ref().unwrap().addr.clone())
        .collect::<Vec<_>>()
        .join(";");
    let work = tempfile::tempdir().unwrap();
    let broker = start_broker_as(
        "5",
        &all,
        &work.path().join("broker"),
        CLUSTER,
        BROKER,
        0,
        "registerNameServerPeriod=10000",
    );
    assert!(
        eventually(Duration::from_secs(120), || replicas
            .iter()
            .all(|r| broker_registered(r.as_ref().unwrap()))),
        "the broker registered with every replica; its output:\n{}",
        broker.output()
    );

    // Every topic and the orderly group exist before the kill (mqadmin itself, given a dead
    // name server, may fail a call); the proxy asks for a route only when a client needs it.
    mqadmin(&all, &["updateTopic", "-c", CLUSTER, "-t", TOPIC]);
    mqadmin(&all, &["updateTopic", "-c", CLUSTER, "-t", NODE_TOPIC]);
    mqadmin(
        &all,
        &[
            "updateTopic",
            "-c",
            CLUSTER,
            "-t",
            FIFO_TOPIC,
            "-a",
            "+message.type=FIFO",
        ],
    );
    mqadmin(
        &all,
        &[
            "updateTopic",
            "-c",
            CLUSTER,
            "-t",
            DELAY_TOPIC,
            "-a",
            "+message.type=DELAY",
        ],
    );
    // FIFO delivery needs an orderly consumer group as well as the FIFO topic.
    mqadmin(
        &all,
        &[
            "updateSubGroup",
            "-c",
            CLUSTER,
            "-g",
            FIFO_GROUP,
            "-o",
            "true",
        ],
    );
    assert!(
        eventually(Duration::from_secs(30), || replicas.iter().all(|r| {
            let mut client = r.as_ref().unwrap().client();
            [TOPIC, NODE_TOPIC, FIFO_TOPIC, DELAY_TOPIC]
                .iter()
                .all(|t| route_of(&mut client, t).is_ok())
        })),
        "every topic reached every replica through the broker's registration"
    );

    let proxy_started = Instant::now();
    let proxy = start_proxy(&all, &work.path().join("proxy"), CLUSTER);
    eprintln!("proxy started in {:?}", proxy_started.elapsed());
    let endpoint = proxy.grpc_addr.clone();
    let before: Vec<u64> = replicas
        .iter()
        .map(|r| route_queries(r.as_ref().unwrap()))
        .collect();

    // Normal messages, one every 500 ms; after the 8th, SIGKILL the replica the proxy has
    // asked for routes most since it started (it keeps connections to all three).
    let count = 30;
    let normal = java_client(
        &endpoint,
        work.path(),
        "normal",
        TOPIC,
        "ProxyGroup",
        count,
        500,
    );
    assert!(
        eventually(Duration::from_secs(120), || normal.sent() >= 8),
        "the Java gRPC producer got going:\n{}\nproxy.log:\n{}",
        normal.output(),
        proxy.log("proxy.log")
    );
    let asked: Vec<u64> = replicas
        .iter()
        .zip(&before)
        .map(|(r, b)| route_queries(r.as_ref().unwrap()) - b)
        .collect();
    let victim = (0..3).max_by_key(|&i| (asked[i], 3 - i)).unwrap();
    let victim_addr = replicas[victim].as_ref().unwrap().addr.clone();
    let connects_to_victim = || {
        let needle = format!("begin to connect remote host[{victim_addr}]");
        proxy
            .log("remoting.log")
            .lines()
            .filter(|l| l.contains(&needle))
            .count()
    };
    let connects_before_kill = connects_to_victim();
    let _dir = replicas[victim].take().unwrap().kill();
    let sent_at_kill = normal.sent();
    eprintln!(
        "route queries from the proxy per replica so far {asked:?}; replica {victim} SIGKILLed after {sent_at_kill} messages"
    );
    let (status, output) = normal.finish(Duration::from_secs(180));
    assert!(
        status.success() && output.contains(&format!("RECEIVED {count}/{count}")),
        "every normal message sent through the proxy was received, {} of them after the kill",
        count - sent_at_kill
    );
    assert!(
        sent_at_kill < count,
        "some messages were sent after the kill"
    );

    // After the kill: topics the proxy has not looked up yet, through the two replicas left.
    let survivors_before: u64 = replicas.iter().flatten().map(route_queries).sum();
    let fifo = java_client(
        &endpoint,
        work.path(),
        "fifo",
        FIFO_TOPIC,
        FIFO_GROUP,
        20,
        100,
    );
    let (status, output) = fifo.finish(Duration::from_secs(180));
    assert!(
        status.success() && output.contains("RECEIVED 20/20") && output.contains("IN_ORDER true"),
        "every FIFO message received, in the order sent"
    );
    let delay = java_client(
        &endpoint,
        work.path(),
        "delay",
        DELAY_TOPIC,
        "ProxyDelayGroup",
        5,
        200,
    );
    let (status, output) = delay.finish(Duration::from_secs(180));
    assert!(
        status.success() && output.contains("RECEIVED 5/5") && output.contains("EARLY 0"),
        "every delay message received, none before it was due"
    );
    let mut node = Command::new("node");
    node.env("HOME", work.path())
        .arg(node_dir().join("proxy_client.js"))
        .args([&endpoint, NODE_TOPIC, "ProxyNodeGroup", "10", "200", "150"]);
    let node = Running::spawn(
        node,
        work.path().join("node.out"),
        &format!("rocketmq-client-nodejs ({NODE_TOPIC})"),
    );
    let (status, output) = node.finish(Duration::from_secs(180));
    assert!(
        status.success() && output.contains("RECEIVED 10/10"),
        "every message of the Node gRPC client received"
    );
    let survivors_after: u64 = replicas.iter().flatten().map(route_queries).sum();
    eprintln!(
        "the two replicas left answered {} route queries after the kill",
        survivors_after - survivors_before
    );
    assert!(
        survivors_after > survivors_before,
        "the routes of the later topics came from the replicas left"
    );
    eprintln!(
        "the proxy tried to connect to the dead replica {} times after the kill (remoting.log); whole test {:?}",
        connects_to_victim() - connects_before_kill,
        started.elapsed()
    );
}
