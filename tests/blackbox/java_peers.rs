//! Acceptance against real Apache RocketMQ peers from Maven Central, for both broker lines
//! operators run (5.5.0 and 4.9.7): a broker registers with our server, `mqadmin` creates a
//! topic on it, a Java producer sends and a Java consumer receives through routes we serve,
//! and when the broker is killed its route disappears. Needs Java 17 and Maven; downloads
//! are cached in ~/.m2.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{eventually, free_broker_port, request, route_of, Server};
use namesrv_protocol::body::{ClusterInfo, JsonBody};

const CLUSTER: &str = "AcceptanceCluster";
const BROKER: &str = "broker-acceptance";
const TOPIC: &str = "AcceptanceTopic";

fn peers_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/acceptance/peers.sh")
}

/// Runs peers.sh for RocketMQ line `line` ("4" or "5").
fn peers(line: &str, args: &[&str]) -> Output {
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

/// The broker process and its port, SIGKILLed when dropped.
struct BrokerProcess(Child, u16);

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a real broker of `line` registering with `namesrv` (one address or `a;b;c`).
fn start_broker(
    line: &str,
    namesrv: &str,
    work: &std::path::Path,
    extra_conf: &str,
) -> BrokerProcess {
    let port = free_broker_port();
    let log = std::fs::File::create(work.join("broker.out")).unwrap();
    let child = Command::new("bash")
        .env("ROCKETMQ_LINE", line)
        .env("BROKER_EXTRA_CONF", extra_conf)
        .arg(peers_script())
        .args([
            "broker",
            namesrv,
            work.join("broker").to_str().unwrap(),
            &port.to_string(),
            CLUSTER,
            BROKER,
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start broker");
    BrokerProcess(child, port)
}

fn broker_registered(server: &Server) -> bool {
    let resp = server.client().call(request(106, &[]));
    ClusterInfo::from_json(&resp.body)
        .map(|info| info.broker_addr_table.contains_key(BROKER))
        .unwrap_or(false)
}

#[test]
fn a_real_5x_broker_producer_and_consumer_work_through_our_name_server() {
    broker_producer_consumer("5");
}

#[test]
fn a_real_4_9_broker_producer_and_consumer_work_through_our_name_server() {
    broker_producer_consumer("4");
}

fn broker_producer_consumer(line: &str) {
    let build = peers(line, &["build"]);
    assert!(
        build.status.success(),
        "peers build (Java 17 + Maven needed)"
    );

    let server = Server::start(&["scanNotActiveBrokerInterval=1000"]);
    let ns = server.addr.clone();
    let work = tempfile::tempdir().unwrap();
    let mut broker = start_broker(line, &ns, work.path(), "");
    let port = broker.1;

    let started = Instant::now();
    assert!(
        eventually(Duration::from_secs(120), || broker_registered(&server)),
        "the broker registered with us; its output:\n{}",
        std::fs::read_to_string(work.path().join("broker.out")).unwrap_or_default()
    );
    eprintln!("broker registered after {:?}", started.elapsed());

    let cluster_list = peers(line, &["mqadmin", "clusterList", "-n", &ns]);
    assert!(cluster_list.status.success());
    assert!(String::from_utf8_lossy(&cluster_list.stdout).contains(BROKER));

    let create = peers(
        line,
        &[
            "mqadmin",
            "updateTopic",
            "-n",
            &ns,
            "-c",
            CLUSTER,
            "-t",
            TOPIC,
        ],
    );
    assert!(create.status.success(), "mqadmin updateTopic");
    let mut client = server.client();
    assert!(
        eventually(Duration::from_secs(30), || route_of(&mut client, TOPIC)
            .map(|r| r
                .queue_datas
                .iter()
                .any(|q| q.broker_name == BROKER && q.write_queue_nums == 8))
            .unwrap_or(false)),
        "the broker's incremental registration put the new topic in our routes"
    );
    let route = peers(line, &["mqadmin", "topicRoute", "-n", &ns, "-t", TOPIC]);
    assert!(route.status.success());
    assert!(String::from_utf8_lossy(&route.stdout).contains(&format!("127.0.0.1:{port}")));

    let produce = peers(line, &["produce", &ns, TOPIC, "3"]);
    assert!(
        produce.status.success(),
        "the Java producer sent 3 messages via our routes"
    );
    let consume = peers(
        line,
        &["consume", &ns, TOPIC, "acceptance_group", "3", "90"],
    );
    assert!(consume.status.success(), "the Java consumer received all 3");

    // SIGKILL: the broker's connection drops and its route goes with it at once.
    let _ = broker.0.kill();
    let _ = broker.0.wait();
    let killed = Instant::now();
    assert!(
        eventually(Duration::from_secs(10), || route_of(&mut client, TOPIC)
            == Err(17)),
        "the killed broker's route disappeared"
    );
    eprintln!("route gone {:?} after SIGKILL", killed.elapsed());
    assert!(!broker_registered(&server));
}

#[test]
fn three_replicas_a_producer_survives_losing_two_and_they_converge_when_back() {
    let build = peers("5", &["build"]);
    assert!(build.status.success());
    let mut replicas: Vec<Option<Server>> = (0..3).map(|_| Some(Server::start(&[]))).collect();
    let addrs: Vec<String> = replicas
        .iter()
        .map(|r| r.as_ref().unwrap().addr.clone())
        .collect();
    let all = addrs.join(";");
    let work = tempfile::tempdir().unwrap();
    // Brokers re-register every 10 s here (the shortest period a broker allows).
    let _broker = start_broker("5", &all, work.path(), "registerNameServerPeriod=10000");
    assert!(
        eventually(Duration::from_secs(120), || replicas
            .iter()
            .all(|r| broker_registered(r.as_ref().unwrap()))),
        "the broker registered with every replica"
    );
    let create = peers(
        "5",
        &[
            "mqadmin",
            "updateTopic",
            "-n",
            &all,
            "-c",
            CLUSTER,
            "-t",
            TOPIC,
        ],
    );
    assert!(create.status.success());
    assert!(eventually(Duration::from_secs(30), || replicas.iter().all(
        |r| { route_of(&mut r.as_ref().unwrap().client(), TOPIC).is_ok() }
    )));

    // Lose two replicas: clients given all three addresses keep working through the third.
    let dirs: Vec<_> = [0, 1]
        .iter()
        .map(|i| replicas[*i].take().unwrap().kill())
        .collect();
    let produce = peers("5", &["produce", &all, TOPIC, "3"]);
    assert!(
        produce.status.success(),
        "produced with two of three replicas down"
    );
    let consume = peers("5", &["consume", &all, TOPIC, "replica_group", "3", "90"]);
    assert!(
        consume.status.success(),
        "consumed with two of three replicas down"
    );

    // Bring them back on their old ports: the broker's next registration fills them in.
    for (i, dir) in dirs.into_iter().enumerate() {
        let port = addrs[i].rsplit(':').next().unwrap().to_string();
        replicas[i] = Some(Server::start_in(dir, &[&format!("listenPort={port}")]));
    }
    let restarted = Instant::now();
    assert!(
        eventually(Duration::from_secs(40), || replicas.iter().all(|r| {
            route_of(&mut r.as_ref().unwrap().client(), TOPIC).is_ok()
        })),
        "restarted replicas converge"
    );
    eprintln!("replicas converged {:?} after restart", restarted.elapsed());
}
