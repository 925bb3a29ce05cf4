//! `namesrv-admin`'s controller commands (controller-metadata, sync-state-set, elect-master,
//! clean-broker-data, controller-config) against three of our controllers, and against Java's
//! (the 5.5.0 name server with `enableControllerInNamesrv`). A broker group is created with the
//! raw requests a 5.x broker in controller mode sends (1012, 1013, 904, 1003, 1002, 1001), so no
//! JVM broker is needed; each command's output and exit code are checked, asked through a
//! follower's address and with a down address in the list.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;
use std::time::{Duration, Instant};

use common::controller::{ControllerCluster, Impl};
use common::raw_replica::{call, elect, Beat, RawReplica, GET_NEXT_BROKER_ID};
use namesrv_client::request;
use namesrv_test_support::reserve_port;
use serde_json::Value;

const ALTER_SYNC_STATE_SET: i32 = 1001;
const NOT_LEADER: i32 = 2007;
const CLUSTER: &str = "adminCtlCluster";
const GROUP: &str = "adminCtlBroker";

/// The admin binary of this build, rebuilt once per test process so it is never stale.
fn admin_binary() -> PathBuf {
    static BUILT: Once = Once::new();
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf();
    BUILT.call_once(|| {
        let mut build = Command::new(env!("CARGO"));
        build
            .args([
                "build",
                "-q",
                "-p",
                "namesrv-admin",
                "--bin",
                "namesrv-admin",
            ])
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
        if dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "cargo build -p namesrv-admin");
    });
    dir.join("namesrv-admin")
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    /// The whitespace-separated cells of the stdout line starting with `first`.
    fn row(&self, first: &str) -> Vec<String> {
        self.rows(first)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no row {first}:\n{}", self.stdout))
    }

    fn rows(&self, first: &str) -> Vec<Vec<String>> {
        self.stdout
            .lines()
            .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .filter(|cells| cells.first().map(String::as_str) == Some(first))
            .collect()
    }
}

impl std::fmt::Debug for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the admin tool with a 2 s timeout per connection and request.
fn admin(args: &[&str]) -> Ran {
    let binary = admin_binary();
    let started = Instant::now();
    let out = Command::new(binary)
        .args(["--timeout-ms", "2000"])
        .args(args)
        .output()
        .expect("run namesrv-admin");
    let ran = Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    eprintln!("namesrv-admin {args:?} ({:?}): {ran:?}", started.elapsed());
    ran
}

/// A hand-made replica of [`GROUP`].
type Replica = RawReplica;

fn register(leader: &str) -> Replica {
    RawReplica::register(leader, CLUSTER, GROUP, BEAT)
}

/// A heartbeat that keeps a replica alive for a minute.
const BEAT: Beat = Beat {
    epoch: 1,
    max_offset: 100,
    timeout_ms: 60_000,
};

/// The node that says it leads (1005) once it also serves, polled up to 60 s: Java's says
/// `isLeader=true` for a while after its election while still answering
/// CONTROLLER_NOT_LEADER to everything else.
fn serving_leader(cluster: &ControllerCluster) -> usize {
    let started = Instant::now();
    loop {
        if let Some(i) = cluster.leader() {
            let next = call(
                &cluster.nodes[i].controller_addr(),
                request(
                    GET_NEXT_BROKER_ID,
                    &[("clusterName", CLUSTER), ("brokerName", GROUP)],
                ),
            );
            if next.code != NOT_LEADER {
                return i;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no node that says it leads serves within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits (up to 30 s) until every node names `leader`: a Java follower may know no leader for
/// a while after the leader serves, and its row would not be what it will stay.
fn all_name(cluster: &ControllerCluster, leader: &str) {
    let started = Instant::now();
    while !(0..cluster.nodes.len()).all(|i| {
        cluster
            .metadata(i)
            .and_then(|m| m.leader_address)
            .as_deref()
            == Some(leader)
    }) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "every node names the leader {leader}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("every node named the leader after {:?}", started.elapsed());
}

/// A leader that serves and stays leader for 2 s, polled up to 60 s. Our group has been seen
/// to replace its first leader within a second of a cold start, so a test that makes a group
/// waits for this first.
fn stable_leader(cluster: &ControllerCluster) -> usize {
    let started = Instant::now();
    let mut since: Option<(usize, Instant)> = None;
    loop {
        let now = serving_leader(cluster);
        match since {
            Some((leader, at)) if leader == now => {
                if at.elapsed() >= Duration::from_secs(2) {
                    println!(
                        "leader {} stable after {:?}",
                        cluster.nodes[now].id,
                        started.elapsed()
                    );
                    return now;
                }
            }
            _ => {
                if since.is_some() {
                    println!(
                        "leader moved to {} after {:?}",
                        cluster.nodes[now].id,
                        started.elapsed()
                    );
                }
                since = Some((now, Instant::now()));
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no stable leader within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs controller-metadata until exactly one node says it leads and every node names it (up
/// to 10 tries, 300 ms apart); that run and the leader. With 2 cores shared by JVMs and other
/// builds, our group has changed leader within a second of starting.
fn agreed_metadata(cluster: &ControllerCluster) -> (Ran, usize) {
    let all = cluster.controller_addrs();
    let mut last = None;
    for _ in 0..10 {
        let meta = admin(&["controller-metadata", "-a", &all]);
        assert_eq!(meta.code, 0, "{meta:?}");
        let leaders: Vec<usize> = (0..cluster.nodes.len())
            .filter(|&i| meta.row(&cluster.nodes[i].controller_addr())[4] == "yes")
            .collect();
        if let [leader] = leaders[..] {
            let (id, addr) = (
                &cluster.nodes[leader].id,
                cluster.nodes[leader].controller_addr(),
            );
            let agreed = cluster.nodes.iter().all(|n| {
                let row = meta.row(&n.controller_addr());
                row[2] == *id && row[3] == addr
            });
            if agreed {
                return (meta, leader);
            }
        }
        last = Some(meta);
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("the nodes never agreed on one leader: {last:?}");
}

/// The controller clusters of the two tests would share 2 cores with each other's JVMs.
static ONE_CLUSTER_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Replica `master` elected, then `slave` added to the sync-state set by the master.
fn make_group(leader: &str) -> (Replica, Replica) {
    let master = register(leader);
    let slave = register(leader);
    let id = master.id.to_string();
    let elected = elect(leader, CLUSTER, GROUP, master.id);
    assert_eq!(elected.code, 0, "{:?}", elected.remark);
    let set = format!(
        r#"{{"syncStateSet":[{},{}],"syncStateSetEpoch":1}}"#,
        master.id, slave.id
    );
    let altered = call(
        leader,
        request(
            ALTER_SYNC_STATE_SET,
            &[
                ("brokerName", GROUP),
                ("masterBrokerId", &id),
                ("masterEpoch", "1"),
                ("invokeTime", "1"),
            ],
        )
        .with_body(set.into_bytes()),
    );
    assert_eq!(altered.code, 0, "{:?}", altered.remark);
    (master, slave)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

#[test]
fn controller_commands_against_ours_find_the_leader_through_followers_and_down_addresses() {
    let _alone = ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let mut cluster = ControllerCluster::start(Impl::Ours, 3);
    let first = cluster.nodes[stable_leader(&cluster)].controller_addr();
    let all = cluster.controller_addrs();
    let down = reserve_port().expect("a port nobody listens on");
    let down_addr = down.addr();
    let (mut master, mut slave) = make_group(&first);

    // controller-metadata: a row per node, all naming the leader.
    let (meta, leader) = agreed_metadata(&cluster);
    let leader_addr = cluster.nodes[leader].controller_addr();
    let follower = (leader + 1) % 3;
    let follower_addr = cluster.nodes[follower].controller_addr();
    for node in &cluster.nodes {
        let row = meta.row(&node.controller_addr());
        assert_eq!(row[1], "group1", "{meta:?}");
        assert!(
            row[5].contains(&format!("n0={}", cluster.nodes[0].controller_addr())),
            "{meta:?}"
        );
    }
    let json = admin(&["--json", "controller-metadata", "-a", &all]).json();
    assert_eq!(json[&leader_addr]["isLeader"], true);
    assert_eq!(json[&follower_addr]["isLeader"], false);
    assert_eq!(
        json[&follower_addr]["peers"].as_array().map(Vec::len),
        Some(3)
    );
    // A down node: the others still shown, the failure on stderr and in the exit code.
    let partly = admin(&[
        "controller-metadata",
        "-a",
        &format!("{down_addr};{follower_addr}"),
    ]);
    assert_eq!(partly.code, 2, "{partly:?}");
    assert!(partly.stderr.contains(&down_addr), "{partly:?}");
    assert_eq!(partly.row(&follower_addr)[3], leader_addr);
    // A name server's port is not a controller's, and the error says so.
    let namesrv = cluster.nodes[leader].namesrv_addr();
    let wrong = admin(&["controller-metadata", "-a", &namesrv]);
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(wrong.stderr.contains("not a controller"), "{wrong:?}");

    // sync-state-set through a follower, after a down address: the leader answers.
    let set = admin(&[
        "sync-state-set",
        "-a",
        &format!("{down_addr};{follower_addr}"),
        "-b",
        GROUP,
    ]);
    assert_eq!(set.code, 0, "{set:?}");
    assert!(
        set.stderr.contains(&down_addr) && set.stderr.contains("asking the next"),
        "{set:?}"
    );
    assert_eq!(
        set.row(GROUP),
        strings(&[GROUP, "1", &master.address(), "1", "2"]),
        "{set:?}"
    );
    let rows = set.rows(GROUP);
    assert_eq!(
        rows[1],
        strings(&[GROUP, "1", &master.address(), "master", "yes", "yes"])
    );
    assert_eq!(
        rows[2],
        strings(&[GROUP, "2", &slave.address(), "slave", "yes", "yes"])
    );
    let json = admin(&[
        "--json",
        "sync-state-set",
        "-a",
        &follower_addr,
        "-b",
        GROUP,
    ])
    .json();
    assert_eq!(json["leader"], Value::String(leader_addr.clone()));
    assert_eq!(
        json["brokers"][GROUP]["inSyncReplicas"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // An unknown group is an error (exit 1) but the known ones are still shown.
    let unknown = admin(&[
        "sync-state-set",
        "-a",
        &all,
        "-b",
        &format!("{GROUP},noSuchGroup"),
    ]);
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert!(unknown.stderr.contains("noSuchGroup"), "{unknown:?}");
    assert_eq!(unknown.row(GROUP)[1], "1");

    // elect-master through a follower: the living in-sync slave replaces the master.
    let now = cluster.nodes[serving_leader(&cluster)].controller_addr();
    master.heartbeat(&now, BEAT);
    slave.heartbeat(&now, BEAT);
    let elect = admin(&[
        "elect-master",
        "-a",
        &follower_addr,
        "-c",
        CLUSTER,
        "-b",
        GROUP,
        "-i",
        "2",
    ]);
    assert_eq!(elect.code, 0, "{elect:?}");
    assert_eq!(
        elect.row(CLUSTER),
        strings(&[CLUSTER, GROUP, "2", &slave.address(), "2", "3", "2"])
    );
    let members = elect.rows(GROUP);
    assert_eq!(
        members,
        vec![
            strings(&[GROUP, "1", &master.address()]),
            strings(&[GROUP, "2", &slave.address()])
        ],
        "{elect:?}"
    );
    let after = admin(&["sync-state-set", "-a", &all, "-b", GROUP]);
    assert_eq!(after.row(GROUP)[1], "2", "{after:?}");
    // A broker outside the set cannot replace the living master: the refusal names the master.
    let refused = admin(&[
        "elect-master",
        "-a",
        &all,
        "-c",
        CLUSTER,
        "-b",
        GROUP,
        "-i",
        "7",
    ]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("code 20"), "{refused:?}");

    // controller-config: one node's keys; --set goes to every node.
    let config = admin(&["controller-config", "-a", &follower_addr]);
    assert_eq!(config.code, 0, "{config:?}");
    assert_eq!(
        config.row("controllerDLegerSelfId")[1],
        cluster.nodes[follower].id
    );
    let set_config = admin(&[
        "controller-config",
        "-a",
        &all,
        "--set",
        "enableElectUncleanMaster=true",
    ]);
    assert_eq!(set_config.code, 0, "{set_config:?}");
    let every = admin(&["--json", "--all-replicas", "controller-config", "-a", &all]).json();
    for node in &cluster.nodes {
        assert_eq!(
            every[&node.controller_addr()]["enableElectUncleanMaster"],
            "true",
            "{every}"
        );
    }
    let bad_key = admin(&[
        "controller-config",
        "-a",
        &format!("{all};{down_addr}"),
        "--set",
        "noSuchKey=1",
    ]);
    assert_eq!(
        bad_key.code, 2,
        "a refusal and a down node: the down node's 2 wins; {bad_key:?}"
    );
    assert_eq!(
        bad_key.stderr.matches("answered code").count(),
        3,
        "{bad_key:?}"
    );

    // clean-broker-data: usage checked before anything is sent; living brokers are kept
    // unless --clean-living.
    let usage = admin(&["clean-broker-data", "-a", &all, "-b", GROUP]);
    assert_eq!(usage.code, 2, "{usage:?}");
    let bad_ids = admin(&[
        "clean-broker-data",
        "-a",
        &all,
        "-c",
        CLUSTER,
        "-b",
        GROUP,
        "-i",
        "1;x",
    ]);
    assert_eq!(bad_ids.code, 2, "{bad_ids:?}");
    master.heartbeat(
        &cluster.nodes[serving_leader(&cluster)].controller_addr(),
        BEAT,
    );
    let alive = admin(&[
        "clean-broker-data",
        "-a",
        &follower_addr,
        "-c",
        CLUSTER,
        "-b",
        GROUP,
        "-i",
        "1",
    ]);
    assert_eq!(alive.code, 1, "{alive:?}");
    assert!(
        alive.stderr.contains("2009"),
        "CONTROLLER_INVALID_CLEAN_BROKER_METADATA: {alive:?}"
    );
    let clean = admin(&[
        "clean-broker-data",
        "-a",
        &follower_addr,
        "-b",
        GROUP,
        "--clean-living",
    ]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(
        clean
            .stdout
            .contains(&format!("broker group {GROUP} cleaned")),
        "{clean:?}"
    );
    let gone = admin(&["sync-state-set", "-a", &all, "-b", GROUP]);
    assert_eq!(gone.code, 1, "{gone:?}");
    assert!(
        gone.stdout.is_empty() && gone.stderr.contains("knows no broker group"),
        "{gone:?}"
    );

    // No leader: every address down, then one node left of three.
    let none = admin(&["sync-state-set", "-a", &down_addr, "-b", GROUP]);
    assert_eq!(none.code, 2, "{none:?}");
    assert!(
        none.stderr
            .contains("no controller leader could be reached"),
        "{none:?}"
    );
    let survivor = follower;
    for i in 0..3 {
        if i != survivor {
            cluster.kill(i);
        }
    }
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(30) {
        let ran = admin(&[
            "elect-master",
            "-a",
            &follower_addr,
            "-c",
            CLUSTER,
            "-b",
            GROUP,
            "-i",
            "1",
        ]);
        let says = ran.stderr.contains("knows no controller leader");
        last = Some(ran);
        if says {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let last = last.expect("ran at least once");
    assert_eq!(last.code, 2, "{last:?}");
    assert!(
        last.stderr.contains("knows no controller leader"),
        "{last:?}"
    );
    println!(
        "one node of three left: it knows no leader after {:?}",
        started.elapsed()
    );
}

#[test]
fn controller_commands_against_javas_controller() {
    let _alone = ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let cluster = ControllerCluster::start(Impl::Java, 3);
    let leader = stable_leader(&cluster);
    let follower = (leader + 1) % 3;
    let leader_addr = cluster.nodes[leader].controller_addr();
    let follower_addr = cluster.nodes[follower].controller_addr();
    let all = cluster.controller_addrs();
    let (mut master, mut slave) = make_group(&leader_addr);
    all_name(&cluster, &leader_addr);

    let meta = admin(&["controller-metadata", "-a", &all]);
    assert_eq!(meta.code, 0, "{meta:?}");
    let row = meta.row(&follower_addr);
    assert_eq!(
        (row[3].as_str(), row[4].as_str()),
        (leader_addr.as_str(), "no"),
        "{meta:?}"
    );
    assert_eq!(meta.row(&leader_addr)[4], "yes", "{meta:?}");

    let set = admin(&["sync-state-set", "-a", &follower_addr, "-b", GROUP]);
    assert_eq!(set.code, 0, "{set:?}");
    assert_eq!(
        set.row(GROUP),
        strings(&[GROUP, "1", &master.address(), "1", "2"]),
        "{set:?}"
    );
    assert_eq!(
        set.rows(GROUP)[2],
        strings(&[GROUP, "2", &slave.address(), "slave", "yes", "yes"])
    );

    // Java writes the member group's brokerAddrs with bare number keys; it reads all the same.
    master.heartbeat(&leader_addr, BEAT);
    slave.heartbeat(&leader_addr, BEAT);
    let elect = admin(&[
        "elect-master",
        "-a",
        &follower_addr,
        "-c",
        CLUSTER,
        "-b",
        GROUP,
        "-i",
        "2",
    ]);
    assert_eq!(elect.code, 0, "{elect:?}");
    assert_eq!(
        elect.row(CLUSTER)[2..4],
        strings(&["2", &slave.address()]),
        "{elect:?}"
    );
    assert_eq!(
        elect.rows(GROUP).len(),
        2,
        "the member group was read: {elect:?}"
    );
    let refused = admin(&[
        "elect-master",
        "-a",
        &all,
        "-c",
        CLUSTER,
        "-b",
        GROUP,
        "-i",
        "7",
    ]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("answered code 2012"),
        "as ours: {refused:?}"
    );

    let config = admin(&["controller-config", "-a", &follower_addr]);
    assert_eq!(config.code, 0, "{config:?}");
    assert!(
        config.row("controllerDLegerPeers")[1].contains(&leader_addr),
        "{config:?}"
    );
}
