//! The embedded controller (issue 12), black-box: three of our name servers with
//! `enableControllerInNamesrv=true` form a Raft group on reserved loopback ports, and raw
//! controller requests (the sequence a Java 5.x broker in controller mode sends: 1005, 1012,
//! 1013, 904, 1003, 1002, 1004, 1001) are checked against Java's answers. Real Java brokers
//! against the same setup are in tests/acceptance/controller.rs.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::raw_replica::{self, call, Beat, RawReplica, GET_NEXT_BROKER_ID};
use common::{eventually, Client, Server};
use namesrv_protocol::RemotingCommand;
use namesrv_test_support::{reserve_port, Reservation};

const GET_METADATA: i32 = 1005;
const GET_REPLICA_INFO: i32 = 1004;
const ALTER_SYNC_STATE_SET: i32 = 1001;
const GET_SYNC_STATE_DATA: i32 = 1006;
const NOT_LEADER: i32 = 2007;
const CLUSTER: &str = "ctlCluster";
const GROUP: &str = "ctlBroker";

/// Controller nodes (three unless said) on reserved ports, each embedded in a name server.
struct Group {
    ports: Vec<Reservation>,
    nodes: Vec<Option<Server>>,
    dirs: Vec<Option<tempfile::TempDir>>,
}

impl Group {
    fn start() -> Group {
        Group::of(3)
    }

    fn of(n: usize) -> Group {
        let ports: Vec<Reservation> = (0..n)
            .map(|_| reserve_port().expect("reserved port"))
            .collect();
        let mut group = Group {
            ports,
            nodes: Vec::new(),
            dirs: Vec::new(),
        };
        for i in 0..n {
            let dir = tempfile::tempdir().expect("temp dir");
            group.nodes.push(Some(group.spawn(i, dir)));
            group.dirs.push(None);
        }
        group
    }

    fn size(&self) -> usize {
        self.ports.len()
    }

    fn peers(&self) -> String {
        (0..self.size())
            .map(|i| format!("n{i}-127.0.0.1:{}", self.ports[i].port()))
            .collect::<Vec<_>>()
            .join(";")
    }

    fn spawn(&self, i: usize, dir: tempfile::TempDir) -> Server {
        let store = dir.path().join("controller");
        Server::start_in(
            dir,
            &[
                "enableControllerInNamesrv=true",
                "controllerDLegerGroup=ctlGroup",
                &format!("controllerDLegerPeers={}", self.peers()),
                &format!("controllerDLegerSelfId=n{i}"),
                &format!("controllerStorePath={}", store.display()),
                "scanInactiveMasterInterval=1000",
                "httpPort=0",
            ],
        )
    }

    fn addr(&self, i: usize) -> String {
        format!("127.0.0.1:{}", self.ports[i].port())
    }

    /// The node every live node names as leader, once they agree.
    fn leader(&self, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            let mut named = Vec::new();
            for i in 0..self.size() {
                if self.nodes[i].is_none() {
                    continue;
                }
                if let Some(answer) = try_call(&self.addr(i), request(GET_METADATA, &[])) {
                    named.push(answer.ext("controllerLeaderAddress").map(str::to_string));
                }
            }
            if let Some(Some(first)) = named.first() {
                if named.iter().all(|n| n.as_deref() == Some(first)) {
                    // A killed leader stays named until the others time it out.
                    if let Some(i) = (0..self.size())
                        .find(|i| &self.addr(*i) == first && self.nodes[*i].is_some())
                    {
                        return i;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "no agreed controller leader within {within:?}: {named:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self, i: usize) {
        let server = self.nodes[i].take().expect("running");
        let (_, dir) = server.terminate();
        self.dirs[i] = Some(dir);
    }

    fn kill(&mut self, i: usize) {
        let server = self.nodes[i].take().expect("running");
        self.dirs[i] = Some(server.kill());
    }

    fn restart(&mut self, i: usize) {
        let dir = self.dirs[i].take().expect("stopped");
        self.nodes[i] = Some(self.spawn(i, dir));
    }
}

fn request(code: i32, fields: &[(&str, &str)]) -> RemotingCommand {
    namesrv_client::request(code, fields)
}

fn try_call(addr: &str, request: RemotingCommand) -> Option<RemotingCommand> {
    let mut client = namesrv_client::Client::connect(addr, Duration::from_secs(2)).ok()?;
    client.call(request).ok()
}

/// A hand-made replica of [`GROUP`] (`common/raw_replica.rs`); its heartbeats keep it alive
/// for 3 s.
type Replica = RawReplica;

fn register(leader: &str) -> Replica {
    RawReplica::register(leader, CLUSTER, GROUP, beat(0, 0))
}

/// A heartbeat that keeps a replica alive for 3 s.
fn beat(epoch: i32, max_offset: i64) -> Beat {
    Beat {
        epoch,
        max_offset,
        timeout_ms: 3000,
    }
}

fn elect(leader: &str, broker_id: i64) -> RemotingCommand {
    raw_replica::elect(leader, CLUSTER, GROUP, broker_id)
}

/// The master (broker 1, epoch 1) adds broker 2 to the sync-state set.
fn grow_sync_state_set(leader: &str) -> RemotingCommand {
    call(
        leader,
        request(
            ALTER_SYNC_STATE_SET,
            &[
                ("brokerName", GROUP),
                ("masterBrokerId", "1"),
                ("masterEpoch", "1"),
                ("invokeTime", "1"),
            ],
        )
        .with_body(r#"{"syncStateSet":[1,2],"syncStateSetEpoch":1}"#.as_bytes().to_vec()),
    )
}

fn replica_info(addr: &str) -> RemotingCommand {
    call(addr, request(GET_REPLICA_INFO, &[("brokerName", GROUP)]))
}

fn master_of(answer: &RemotingCommand) -> (Option<String>, Option<String>) {
    (
        answer.ext("masterBrokerId").map(str::to_string),
        answer.ext("masterEpoch").map(str::to_string),
    )
}

#[test]
fn a_group_of_three_elects_a_leader_and_answers_a_brokers_sequence_as_java() {
    let group = Group::start();
    let leader = group.leader(Duration::from_secs(20));
    let follower = (leader + 1) % 3;
    let meta = call(&group.addr(follower), request(GET_METADATA, &[]));
    assert_eq!(meta.code, 0);
    assert_eq!(meta.ext("isLeader"), Some("false"));
    assert_eq!(meta.ext("group"), Some("ctlGroup"));
    let peers = meta.ext("peers").expect("peers");
    assert!(peers.contains(&format!("n0:{};", group.addr(0))), "{peers}");

    // Followers do not forward: brokers ask 1005 and go to the leader.
    let refused = call(
        &group.addr(follower),
        request(
            GET_NEXT_BROKER_ID,
            &[("clusterName", CLUSTER), ("brokerName", GROUP)],
        ),
    );
    assert_eq!(refused.code, NOT_LEADER);

    let leader_addr = group.addr(leader);
    let first = register(&leader_addr);
    assert_eq!(first.id, 1, "broker ids start at 1, as Java's");
    let elected = elect(&leader_addr, first.id);
    assert_eq!(elected.code, 0, "{:?}", elected.remark);
    assert_eq!(master_of(&elected), (Some("1".into()), Some("1".into())));
    assert_eq!(elected.ext("masterAddress"), Some(first.address().as_str()));
    let body = String::from_utf8_lossy(elected.body().expect("ElectMasterResponseBody"));
    assert!(body.contains("\"syncStateSet\":[1]"), "{body}");

    // A second broker joins; the set grows through the master's ALTER_SYNC_STATE_SET.
    let second = register(&leader_addr);
    assert_eq!(second.id, 2);
    let altered = grow_sync_state_set(&leader_addr);
    assert_eq!(altered.code, 0, "{:?}", altered.remark);
    // The replicated state is the same on every node once applied.
    assert!(eventually(Duration::from_secs(5), || {
        (0..3).all(|i| {
            let info = replica_info(&group.addr(i));
            info.code == NOT_LEADER
                || String::from_utf8_lossy(info.body().map(|b| b.as_ref()).unwrap_or(b""))
                    .contains("[1,2]")
        })
    }));
    let info = replica_info(&leader_addr);
    assert_eq!(master_of(&info), (Some("1".into()), Some("1".into())));
    let data = call(
        &leader_addr,
        request(GET_SYNC_STATE_DATA, &[]).with_body(format!("[\"{GROUP}\"]").into_bytes()),
    );
    let text = String::from_utf8_lossy(data.body().expect("BrokerReplicasInfo"));
    assert!(
        text.contains("inSyncReplicas") && text.contains(&second.address()),
        "{text}"
    );
    // Asking again for an elected group keeps the living master.
    let again = elect(&leader_addr, second.id);
    assert_eq!(again.code, 2011, "CONTROLLER_MASTER_STILL_EXIST");
}

#[test]
fn a_master_whose_connection_closes_is_replaced_and_the_group_is_told() {
    let group = Group::start();
    let leader_addr = group.addr(group.leader(Duration::from_secs(20)));
    let mut master = register(&leader_addr);
    let mut slave = register(&leader_addr);
    assert_eq!(elect(&leader_addr, master.id).code, 0);
    let altered = grow_sync_state_set(&leader_addr);
    assert_eq!(altered.code, 0, "{:?}", altered.remark);
    slave.heartbeat(&leader_addr, beat(1, 100));
    master.heartbeat(&leader_addr, beat(1, 100));

    // The master's process dies: its kernel closes the heartbeat connection.
    let killed = Instant::now();
    master.close_heartbeat();
    let mut took = None;
    assert!(eventually(Duration::from_secs(10), || {
        slave.heartbeat(&leader_addr, beat(1, 100));
        let info = replica_info(&leader_addr);
        let moved = master_of(&info) == (Some("2".into()), Some("2".into()));
        if moved && took.is_none() {
            took = Some(killed.elapsed());
        }
        moved
    }));
    println!(
        "master connection closed -> slave elected after {:?}",
        took.expect("elected")
    );

    // NOTIFY_BROKER_ROLE_CHANGED reached the surviving member at its own address (after the
    // notice of the first election, which it also got).
    let notice = (0..4)
        .map(|_| read_notice(slave.listener()))
        .find(|n| n.ext("masterBrokerId") == Some("2"))
        .expect("the slave was told it is master");
    assert_eq!(notice.code, 1008, "NOTIFY_BROKER_ROLE_CHANGED");
    assert_eq!(notice.ext("masterEpoch"), Some("2"));
    assert_eq!(notice.ext("masterAddress"), Some(slave.address().as_str()));
    let set = String::from_utf8_lossy(notice.body().expect("SyncStateSet")).into_owned();
    assert!(set.contains("\"syncStateSet\":[2]"), "{set}");
}

/// One one-way frame the controller sent to a broker's address.
fn read_notice(listener: &TcpListener) -> RemotingCommand {
    let (mut stream, _) = listener
        .accept()
        .expect("the controller connected to a broker address");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let mut codec = namesrv_protocol::RemotingCodec::default();
    let mut buf = bytes::BytesMut::from(&bytes[..]);
    tokio_util::codec::Decoder::decode(&mut codec, &mut buf)
        .expect("a frame")
        .expect("a whole frame")
}

#[test]
fn killing_the_leader_moves_leadership_and_restarting_every_node_keeps_the_state() {
    let mut group = Group::start();
    let leader = group.leader(Duration::from_secs(20));
    let leader_addr = group.addr(leader);
    let master = register(&leader_addr);
    let _slave = register(&leader_addr);
    assert_eq!(elect(&leader_addr, master.id).code, 0);

    let killed = Instant::now();
    group.kill(leader);
    let next = group.leader(Duration::from_secs(10));
    println!(
        "controller leader SIGKILLed -> new leader after {:?}",
        killed.elapsed()
    );
    assert_ne!(next, leader);
    let info = replica_info(&group.addr(next));
    assert_eq!(
        master_of(&info),
        (Some("1".into()), Some("1".into())),
        "committed state survives the leader"
    );

    group.restart(leader);
    for i in 0..3 {
        group.stop(i);
    }
    for i in 0..3 {
        group.restart(i);
    }
    let after = group.leader(Duration::from_secs(20));
    let info = replica_info(&group.addr(after));
    assert_eq!(info.code, 0, "{:?}", info.remark);
    assert_eq!(
        master_of(&info),
        (Some("1".into()), Some("1".into())),
        "ids and epochs come back from the store"
    );
    let next_id = call(
        &group.addr(after),
        request(
            GET_NEXT_BROKER_ID,
            &[("clusterName", CLUSTER), ("brokerName", GROUP)],
        ),
    );
    assert_eq!(next_id.ext("nextBrokerId"), Some("3"));
}

/// A group of five keeps deciding with two nodes gone (a majority of three is left), and
/// what it decided before is on the node that leads after.
#[test]
fn a_group_of_five_survives_losing_two_nodes_with_its_state() {
    let mut group = Group::of(5);
    let leader = group.leader(Duration::from_secs(20));
    let mut master = register(&group.addr(leader));
    assert_eq!(elect(&group.addr(leader), master.id).code, 0);

    let follower = (0..5).find(|i| *i != leader).expect("a follower");
    group.kill(follower);
    group.kill(leader);
    let next = group.leader(Duration::from_secs(10));
    assert!(next != leader && next != follower);
    // Keep the master alive on the new leader, so its scan has nothing to replace.
    master.heartbeat(&group.addr(next), beat(1, 0));
    assert_eq!(
        master_of(&replica_info(&group.addr(next))),
        (Some("1".into()), Some("1".into())),
        "the election made with five nodes survives two of them"
    );
    let second = register(&group.addr(next));
    assert_eq!(second.id, 2, "three of five still commit new state");
}

#[test]
fn bad_controller_requests_get_an_error_answer_or_a_closed_connection() {
    let group = Group::start();
    let leader_addr = group.addr(group.leader(Duration::from_secs(20)));
    // Unknown code: an answer, the connection stays.
    let mut client = Client::connect(&leader_addr);
    let unknown = client.call(request(1777, &[]));
    assert_eq!(unknown.code, 3, "REQUEST_CODE_NOT_SUPPORTED");
    // A header missing a required field: SYSTEM_ERROR naming it.
    let missing = client.call(request(GET_NEXT_BROKER_ID, &[("clusterName", CLUSTER)]));
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .remark
            .as_deref()
            .unwrap_or("")
            .contains("brokerName"),
        "{:?}",
        missing.remark
    );
    // A body that is not a SyncStateSet.
    let bad_body = client.call(
        request(
            ALTER_SYNC_STATE_SET,
            &[
                ("brokerName", GROUP),
                ("masterBrokerId", "1"),
                ("masterEpoch", "1"),
            ],
        )
        .with_body(b"{not json".to_vec()),
    );
    assert_eq!(bad_body.code, 1);
    // A Raft message that is not one.
    let raft = client.call(request(1101, &[]).with_body(b"[]".to_vec()));
    assert_eq!(raft.code, 1);
    // A frame that cannot be decoded: the connection is closed.
    client.send_raw(&[0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
    assert!(client.closed_within(Duration::from_secs(5)));
    // The node still serves.
    assert_eq!(call(&leader_addr, request(GET_METADATA, &[])).code, 0);
}

#[test]
fn metrics_show_role_elections_epochs_and_heartbeats_and_readiness_needs_a_leader() {
    let mut group = Group::start();
    let leader = group.leader(Duration::from_secs(20));
    let leader_addr = group.addr(leader);
    let mut master = register(&leader_addr);
    assert_eq!(elect(&leader_addr, master.id).code, 0);
    master.heartbeat(&leader_addr, beat(1, 10));

    let node = |i: usize| group.nodes[i].as_ref().expect("running");
    let leaders: f64 = (0..3)
        .map(|i| node(i).metric("namesrv_controller_is_leader "))
        .sum();
    assert_eq!(leaders, 1.0, "exactly one node says it leads");
    assert_eq!(node(leader).metric("namesrv_controller_is_leader "), 1.0);
    assert!(node(leader).metric("namesrv_controller_term ") >= 1.0);
    assert_eq!(
        node(leader)
            .metric("namesrv_controller_elections_total{cause=\"broker\",result=\"SUCCESS\"} "),
        1.0
    );
    assert!(eventually(Duration::from_secs(5), || {
        node(leader).metric("namesrv_controller_master_epoch{broker_name=\"ctlBroker\"} ") == 1.0
    }));
    let text = node(leader).metrics_text();
    assert!(
        text.contains("namesrv_controller_heartbeat_age_seconds{broker_id=\"1\",broker_name=\"ctlBroker\",cluster=\"ctlCluster\"}"),
        "{text}"
    );
    for i in 0..3 {
        assert_eq!(
            node(i).http_get("/readyz").0,
            200,
            "node {i} is ready while the group has a leader"
        );
    }

    // Two of three gone: the last cannot form a majority, so it has no leader and is not ready.
    let survivor = (leader + 1) % 3;
    for i in (0..3).filter(|i| *i != survivor) {
        group.kill(i);
    }
    assert!(eventually(Duration::from_secs(10), || {
        let (status, body) = group.nodes[survivor]
            .as_ref()
            .expect("running")
            .http_get("/readyz");
        status == 503 && body.contains("no leader")
    }));
}

#[test]
fn a_single_node_snapshots_purges_its_log_and_restarts_from_the_snapshot() {
    let port = reserve_port().expect("reserved port");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("controller");
    let settings = [
        "enableControllerInNamesrv=true".to_string(),
        format!("controllerDLegerPeers=n0-127.0.0.1:{}", port.port()),
        "controllerDLegerSelfId=n0".to_string(),
        format!("controllerStorePath={}", store.display()),
        "controllerSnapshotEveryEntries=3".to_string(),
    ];
    let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
    let addr = format!("127.0.0.1:{}", port.port());
    let server = Server::start_in(dir, &settings);
    assert!(eventually(Duration::from_secs(10), || {
        try_call(&addr, request(GET_METADATA, &[]))
            .is_some_and(|m| m.ext("isLeader") == Some("true"))
    }));
    let replicas: Vec<Replica> = (0..5).map(|_| register(&addr)).collect();
    assert_eq!(replicas.last().map(|r| r.id), Some(5));
    let raft_dir = store.join("raft");
    assert!(eventually(Duration::from_secs(5), || raft_dir
        .join("snapshot.json")
        .exists()));
    let log_len = std::fs::metadata(raft_dir.join("log"))
        .map(|m| m.len())
        .unwrap_or(0);
    let snapshot = std::fs::read_to_string(raft_dir.join("snapshot.json")).expect("snapshot");
    assert!(
        snapshot.contains("ctlBroker"),
        "the snapshot holds the group: {snapshot}"
    );
    // Five brokers made ten events; the purged log keeps at most a few entries.
    assert!(
        log_len < 4096,
        "the log was purged after the snapshot ({log_len} bytes)"
    );

    let (_, dir) = server.terminate();
    let _again = Server::start_in(dir, &settings);
    assert!(eventually(Duration::from_secs(10), || {
        try_call(&addr, request(GET_METADATA, &[]))
            .is_some_and(|m| m.ext("isLeader") == Some("true"))
    }));
    let next = call(
        &addr,
        request(
            GET_NEXT_BROKER_ID,
            &[("clusterName", CLUSTER), ("brokerName", GROUP)],
        ),
    );
    assert_eq!(
        next.ext("nextBrokerId"),
        Some("6"),
        "ids handed out before the restart stay taken"
    );
}

#[test]
fn the_controller_runs_alone_with_the_controller_flag() {
    let port = reserve_port().expect("reserved port");
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("controller.properties");
    std::fs::write(
        &conf,
        format!(
            "controllerDLegerGroup=alone\ncontrollerDLegerPeers=n0-127.0.0.1:{}\ncontrollerDLegerSelfId=n0\ncontrollerStorePath={}\nlistenPort=0\n",
            port.port(),
            dir.path().join("store").display()
        ),
    )
    .expect("config written");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_namesrv"))
        .arg("--controller")
        .arg("-c")
        .arg(&conf)
        .env("HOME", dir.path())
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start namesrv --controller");
    let addr = format!("127.0.0.1:{}", port.port());
    let led = eventually(Duration::from_secs(10), || {
        try_call(&addr, request(GET_METADATA, &[]))
            .is_some_and(|m| m.ext("isLeader") == Some("true") && m.ext("group") == Some("alone"))
    });
    let replica = led.then(|| register(&addr));
    let _ = child.kill();
    let mut log = String::new();
    let _ = child.wait();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut log);
    }
    assert!(led, "a one-node controller leads by itself:\n{log}");
    assert_eq!(replica.map(|r| r.id), Some(1));
    assert!(log.contains("controller started"), "{log}");
    assert!(
        !log.contains("The Name Server boot success"),
        "no name server runs beside it:\n{log}"
    );
}
