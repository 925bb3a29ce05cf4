//! RocketMQ 5 controller nodes and brokers in controller mode, for tests that drive real Java
//! 5.5.0 brokers against a controller group.
//!
//! The same tests must run against Java's controller (the 5.5.0 name server with
//! `enableControllerInNamesrv=true`, to learn what brokers expect) and against ours (the
//! `namesrv` binary reading the very same `namesrv.properties`, written by `peers.sh ctlconf`),
//! so a node's implementation is one value, [`Impl`], and everything else — ports, files,
//! signals, finding the leader — is shared. The leader and the replica state are read with raw
//! requests over the blocking client (1005, 1006), not with `mqadmin`, whose JVM start takes
//! seconds and would blur the failover times the tests measure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use namesrv_client::{request, Client};
use namesrv_protocol::{ExtFields, RemotingCommand};
use namesrv_test_support::{reserve_broker_port, reserve_port, Reservation};
use serde_json::Value;

use super::java::{ensure_built, peers_script};
use super::send_signal;

/// How long a node may take to listen: a JVM start on a shared 2-core machine took over 60 s
/// once, at a load average of 30.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(180);

/// CONTROLLER_GET_METADATA_INFO.
pub const GET_METADATA_INFO: i32 = 1005;
/// CONTROLLER_GET_SYNC_STATE_DATA.
pub const GET_SYNC_STATE_DATA: i32 = 1006;

/// Which controller a [`ControllerCluster`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// Apache RocketMQ 5.5.0's name server hosting the DLedger controller (`peers.sh javactl`).
    Java,
    /// Our `namesrv` binary, `-c` the same properties file.
    Ours,
}

impl Impl {
    /// `CONTROLLER_IMPL=java|ours`; ours when unset (`java` runs the same tests against
    /// Java's controller, to see what Java does).
    pub fn from_env() -> Impl {
        match std::env::var("CONTROLLER_IMPL").as_deref() {
            Ok("ours") | Err(_) => Impl::Ours,
            Ok("java") => Impl::Java,
            Ok(other) => panic!("CONTROLLER_IMPL={other}: expected java or ours"),
        }
    }
}

/// What CONTROLLER_GET_METADATA_INFO says on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub group: Option<String>,
    pub leader_id: Option<String>,
    pub leader_address: Option<String>,
    pub is_leader: bool,
    pub peers: Option<String>,
}

/// One replica as CONTROLLER_GET_SYNC_STATE_DATA lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replica {
    pub broker_id: i64,
    pub address: String,
    pub alive: bool,
}

/// A broker group's state on the leader: master, epochs, and who is in the sync-state set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaState {
    pub master_broker_id: i64,
    pub master_address: String,
    pub master_epoch: i64,
    pub sync_state_set_epoch: i64,
    pub in_sync: Vec<Replica>,
    pub not_in_sync: Vec<Replica>,
}

impl ReplicaState {
    pub fn in_sync_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.in_sync.iter().map(|r| r.broker_id).collect();
        ids.sort_unstable();
        ids
    }

    /// Every replica the controller knows, in sync or not, by broker id.
    pub fn all_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .in_sync
            .iter()
            .chain(&self.not_in_sync)
            .map(|r| r.broker_id)
            .collect();
        ids.sort_unstable();
        ids
    }

    pub fn has_master(&self) -> bool {
        self.master_broker_id > 0 && !self.master_address.is_empty()
    }
}

/// One controller node: its name-server port, its controller (DLedger peer) port, its files,
/// and its process while it runs.
pub struct ControllerNode {
    /// The DLedger self id, `n0`, `n1`, …
    pub id: String,
    pub dir: PathBuf,
    ns: Reservation,
    ctl: Reservation,
    child: Option<Child>,
    frozen: bool,
}

impl ControllerNode {
    pub fn namesrv_addr(&self) -> String {
        self.ns.addr()
    }

    pub fn controller_addr(&self) -> String {
        self.ctl.addr()
    }

    /// Whether its process runs and is not frozen: whether it can answer.
    pub fn is_serving(&self) -> bool {
        self.child.is_some() && !self.frozen
    }

    /// What the process printed (stdout and stderr).
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.join("node.out")).unwrap_or_default()
    }

    /// One of Java's own log files (`namesrv.log`, `controller.log`, …).
    pub fn log(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join("logs/rocketmqlogs").join(file)).unwrap_or_default()
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // A frozen JVM still dies of SIGKILL.
            let _ = child.kill();
            let _ = child.wait();
        }
        self.frozen = false;
    }
}

impl Drop for ControllerNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// N controller nodes of one DLedger group (`group1`), each also a name server; every node is
/// SIGKILLed when this is dropped.
pub struct ControllerCluster {
    pub implementation: Impl,
    pub nodes: Vec<ControllerNode>,
    _dir: tempfile::TempDir,
}

impl ControllerCluster {
    /// Starts `n` nodes on reserved loopback ports and waits until one is leader.
    pub fn start(implementation: Impl, n: usize) -> ControllerCluster {
        if implementation == Impl::Java {
            ensure_built("5");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut nodes = Vec::new();
        for i in 0..n {
            nodes.push(ControllerNode {
                id: format!("n{i}"),
                dir: dir.path().join(format!("n{i}")),
                ns: reserve_port().expect("a name-server port"),
                ctl: reserve_port().expect("a controller port"),
                child: None,
                frozen: false,
            });
        }
        let mut cluster = ControllerCluster {
            implementation,
            nodes,
            _dir: dir,
        };
        for i in 0..n {
            cluster.spawn(i);
        }
        for node in &cluster.nodes {
            assert!(
                super::eventually(LISTEN_TIMEOUT, || std::net::TcpStream::connect(
                    node.namesrv_addr()
                )
                .is_ok()),
                "controller node {} listens as a name server; its output:\n{}",
                node.id,
                node.output()
            );
        }
        let started = Instant::now();
        let leader = cluster.wait_leader(Duration::from_secs(120), None);
        assert!(
            leader.is_some(),
            "a controller leader was elected; node outputs:\n{}",
            cluster.outputs()
        );
        eprintln!(
            "controller leader {} after {:?}",
            cluster.nodes[leader.unwrap()].id,
            started.elapsed()
        );
        cluster
    }

    /// `n0-127.0.0.1:P0;n1-…`: `controllerDLegerPeers`.
    pub fn dledger_peers(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("{}-{}", n.id, n.controller_addr()))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The name servers, `a;b;c`: a broker's or a client's `namesrvAddr`.
    pub fn namesrv_addrs(&self) -> String {
        self.nodes
            .iter()
            .map(ControllerNode::namesrv_addr)
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The controllers, `a;b;c`: a broker's `controllerAddr`.
    pub fn controller_addrs(&self) -> String {
        self.nodes
            .iter()
            .map(ControllerNode::controller_addr)
            .collect::<Vec<_>>()
            .join(";")
    }

    fn spawn(&mut self, i: usize) {
        let peers = self.dledger_peers();
        let node = &mut self.nodes[i];
        std::fs::create_dir_all(&node.dir).unwrap();
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(node.dir.join("node.out"))
            .unwrap();
        let args = [
            node.dir.to_str().unwrap().to_owned(),
            node.ns.port().to_string(),
            node.id.clone(),
            peers,
        ];
        let mut cmd = match self.implementation {
            Impl::Java => {
                let mut cmd = Command::new("bash");
                cmd.env("ROCKETMQ_LINE", "5")
                    .arg(peers_script())
                    .arg("javactl")
                    .args(&args);
                cmd
            }
            Impl::Ours => {
                let conf = Command::new("bash")
                    .arg(peers_script())
                    .arg("ctlconf")
                    .args(&args)
                    .status()
                    .expect("peers.sh ctlconf");
                assert!(conf.success(), "peers.sh ctlconf wrote the properties file");
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_namesrv"));
                cmd.arg("-c")
                    .arg(node.dir.join("namesrv.properties"))
                    .env("RUST_LOG", "info")
                    .env("HOME", &node.dir);
                cmd
            }
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start a controller node");
        node.child = Some(child);
        node.frozen = false;
    }

    /// SIGKILL of node `i`; its files and ports stay for [`ControllerCluster::restart`].
    pub fn kill(&mut self, i: usize) {
        self.nodes[i].kill();
    }

    /// SIGSTOP of node `i`: its sockets stay open, it answers nothing.
    pub fn freeze(&mut self, i: usize) {
        if let Some(child) = &self.nodes[i].child {
            send_signal(child.id(), "STOP");
            self.nodes[i].frozen = true;
        }
    }

    /// SIGCONT of a frozen node `i`.
    pub fn thaw(&mut self, i: usize) {
        if let Some(child) = &self.nodes[i].child {
            send_signal(child.id(), "CONT");
            self.nodes[i].frozen = false;
        }
    }

    /// Starts node `i` again on its files and ports (SIGKILLing it first if it runs), and
    /// waits until it listens as a name server.
    pub fn restart(&mut self, i: usize) {
        self.nodes[i].kill();
        self.spawn(i);
        let node = &self.nodes[i];
        assert!(
            super::eventually(LISTEN_TIMEOUT, || std::net::TcpStream::connect(
                node.namesrv_addr()
            )
            .is_ok()),
            "controller node {} listens again; its output:\n{}",
            node.id,
            node.output()
        );
    }

    /// CONTROLLER_GET_METADATA_INFO on node `i`; `None` when it does not answer in 2 s.
    pub fn metadata(&self, i: usize) -> Option<Metadata> {
        let node = &self.nodes[i];
        if !node.is_serving() {
            return None;
        }
        let resp = call(&node.controller_addr(), request(GET_METADATA_INFO, &[]))?;
        if resp.code != 0 {
            return None;
        }
        let field = |k: &str| resp.ext(k).map(str::to_owned);
        Some(Metadata {
            group: field("group"),
            leader_id: field("controllerLeaderId"),
            leader_address: field("controllerLeaderAddress"),
            is_leader: resp.ext("isLeader") == Some("true"),
            peers: field("peers"),
        })
    }

    /// The node that says it is leader, among those serving.
    pub fn leader(&self) -> Option<usize> {
        (0..self.nodes.len()).find(|&i| self.metadata(i).is_some_and(|m| m.is_leader))
    }

    /// Polls until a node other than `not` says it is leader, up to `timeout`.
    pub fn wait_leader(&self, timeout: Duration, not: Option<usize>) -> Option<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.leader().filter(|&i| Some(i) != not) {
                return Some(i);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `request` sent to the current leader; `None` when there is none or it does not answer.
    pub fn call_leader(&self, request: RemotingCommand) -> Option<RemotingCommand> {
        let leader = self.leader()?;
        call(&self.nodes[leader].controller_addr(), request)
    }

    /// Broker group `broker_name` as the leader sees it (CONTROLLER_GET_SYNC_STATE_DATA, the
    /// request behind `mqadmin getSyncStateSet`); `None` when there is no answer or the group
    /// is unknown.
    pub fn replicas(&self, broker_name: &str) -> Option<ReplicaState> {
        let body = serde_json::to_vec(&[broker_name]).unwrap();
        let resp = self.call_leader(request(GET_SYNC_STATE_DATA, &[]).with_body(body))?;
        if resp.code != 0 {
            return None;
        }
        let json: Value = serde_json::from_str(&quote_bare_keys(&resp.body)).ok()?;
        let info = json.get("replicasInfoTable")?.get(broker_name)?;
        let replicas = |key: &str| -> Vec<Replica> {
            info.get(key)
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|r| Replica {
                            broker_id: r["brokerId"].as_i64().unwrap_or(-1),
                            address: r["brokerAddress"].as_str().unwrap_or("").to_owned(),
                            alive: r["alive"].as_bool().unwrap_or(false),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(ReplicaState {
            master_broker_id: info["masterBrokerId"].as_i64().unwrap_or(-1),
            master_address: info["masterAddress"].as_str().unwrap_or("").to_owned(),
            master_epoch: info["masterEpoch"].as_i64().unwrap_or(-1),
            sync_state_set_epoch: info["syncStateSetEpoch"].as_i64().unwrap_or(-1),
            in_sync: replicas("inSyncReplicas"),
            not_in_sync: replicas("notInSyncReplicas"),
        })
    }

    /// Polls [`ControllerCluster::replicas`] until `accept` holds, up to `timeout`; the last
    /// state seen either way.
    pub fn wait_replicas(
        &self,
        broker_name: &str,
        timeout: Duration,
        mut accept: impl FnMut(&ReplicaState) -> bool,
    ) -> (bool, Option<ReplicaState>) {
        let deadline = Instant::now() + timeout;
        loop {
            let state = self.replicas(broker_name);
            if state.as_ref().is_some_and(&mut accept) {
                return (true, state);
            }
            if Instant::now() >= deadline {
                return (false, state);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Every node's output and, for Java, the tail of its controller log: for failure messages.
    pub fn outputs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| {
                let out = n.output();
                let tail: Vec<&str> = out.lines().rev().take(30).collect();
                format!(
                    "--- {} ---\n{}",
                    n.id,
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// One request on a fresh connection, answered within 2 s or `None`.
pub fn call(addr: &str, request: RemotingCommand) -> Option<RemotingCommand> {
    let mut client = Client::connect(addr, Duration::from_secs(2)).ok()?;
    client.call(request).ok()
}

/// Java's controller writes maps keyed by numbers (a broker member group's `brokerAddrs`)
/// with bare keys, `{1:"127.0.0.1:10911"}`, as fastjson does; strict JSON parsers (serde_json,
/// and fastjson2's own reader in 5.5.0) refuse them. This quotes such keys so the rest can be
/// read; strings are left alone.
pub fn quote_bare_keys(json: &[u8]) -> String {
    let text = String::from_utf8_lossy(json);
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    let mut after_open = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if after_open && (c.is_ascii_digit() || c == '-') {
            let mut key = String::from(c);
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    key.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            let mut rest = String::new();
            while let Some(&w) = chars.peek() {
                if w.is_whitespace() {
                    rest.push(w);
                    chars.next();
                } else {
                    break;
                }
            }
            if chars.peek() == Some(&':') {
                out.push('"');
                out.push_str(&key);
                out.push('"');
            } else {
                out.push_str(&key);
            }
            out.push_str(&rest);
            after_open = false;
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                after_open = false;
            }
            '{' | ',' => after_open = true,
            c if c.is_whitespace() => {}
            _ => after_open = false,
        }
        out.push(c);
    }
    out
}

/// A 5.5.0 broker in controller mode (`peers.sh ctlbroker`), SIGKILLed when dropped; its three
/// ports stay reserved until then.
pub struct ControllerBroker {
    child: Option<Child>,
    pub port: u16,
    /// `peers.sh`'s DIR: `broker.conf`, `store/`, `logs/rocketmqlogs/`.
    pub dir: PathBuf,
    cluster: String,
    name: String,
    extra_conf: String,
    _ports: Reservation,
}

impl ControllerBroker {
    /// Starts broker `name` of cluster `cluster`, registering with `controllers`' name servers
    /// and controllers, its files under `dir`; `extra_conf` lines go to its broker.conf.
    pub fn start(
        controllers: &ControllerCluster,
        dir: &Path,
        cluster: &str,
        name: &str,
        extra_conf: &str,
    ) -> ControllerBroker {
        ensure_built("5");
        std::fs::create_dir_all(dir).unwrap();
        let ports = reserve_broker_port().expect("a broker port triple");
        let mut broker = ControllerBroker {
            child: None,
            port: ports.port(),
            dir: dir.to_path_buf(),
            cluster: cluster.to_owned(),
            name: name.to_owned(),
            extra_conf: extra_conf.to_owned(),
            _ports: ports,
        };
        broker.spawn(controllers);
        broker
    }

    fn spawn(&mut self, controllers: &ControllerCluster) {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("broker.out"))
            .unwrap();
        let child = Command::new("bash")
            .env("ROCKETMQ_LINE", "5")
            .env("BROKER_EXTRA_CONF", &self.extra_conf)
            .arg(peers_script())
            .args([
                "ctlbroker",
                &controllers.namesrv_addrs(),
                &controllers.controller_addrs(),
                self.dir.to_str().unwrap(),
                &self.port.to_string(),
                &self.name,
                &self.cluster,
            ])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start a broker in controller mode");
        self.child = Some(child);
    }

    /// Starts the broker again (after [`ControllerBroker::kill`]) on its own store and ports,
    /// as an operator restarting a crashed broker would.
    pub fn restart(&mut self, controllers: &ControllerCluster) {
        self.kill();
        self.spawn(controllers);
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// What the broker printed (its boot line, stack traces of a failed start).
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.join("broker.out")).unwrap_or_default()
    }

    /// One of the broker's own log files (`broker.log`, `store.log`, …).
    pub fn log(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join("logs/rocketmqlogs").join(file)).unwrap_or_default()
    }

    /// The broker's role changes as its `broker.log` records them:
    /// `Change broker [id:2][address:127.0.0.1:p] to SYNC_MASTER, …` lines.
    pub fn role_changes(&self) -> Vec<String> {
        self.log("broker.log")
            .lines()
            .filter(|l| l.contains("Change broker [id:"))
            .map(str::to_owned)
            .collect()
    }

    /// Whether its last recorded role change made it master.
    pub fn is_master_by_log(&self) -> bool {
        self.role_changes()
            .last()
            .is_some_and(|l| l.contains("to SYNC_MASTER") || l.contains("to ASYNC_MASTER"))
    }

    /// Whether a topic's config reached this broker's store (a slave syncs them from its master).
    pub fn has_topic(&self, topic: &str) -> bool {
        std::fs::read_to_string(self.dir.join("store/config/topics.json"))
            .map(|t| t.contains(&format!("\"{topic}\"")))
            .unwrap_or(false)
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGSTOP: its connections stay open, it sends no heartbeat and answers nothing.
    pub fn freeze(&self) {
        if let Some(child) = &self.child {
            send_signal(child.id(), "STOP");
        }
    }

    pub fn thaw(&self) {
        if let Some(child) = &self.child {
            send_signal(child.id(), "CONT");
        }
    }
}

impl Drop for ControllerBroker {
    fn drop(&mut self) {
        // A frozen JVM still dies of SIGKILL.
        self.kill();
    }
}

/// A request's answer reduced to what two implementations can be compared on: code, remark,
/// header fields and body (as JSON when it parses, else as text).
pub fn answer_record(resp: &RemotingCommand) -> Value {
    let ext: serde_json::Map<String, Value> = resp
        .ext_fields
        .as_ref()
        .map(|e: &ExtFields| {
            e.iter()
                .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let quoted = quote_bare_keys(&resp.body);
    let body = if resp.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&quoted)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&resp.body).into_owned()))
    };
    serde_json::json!({
        "code": resp.code,
        "remark": resp.remark,
        "extFields": Value::Object(ext),
        "body": body,
        // Whether the body came with bare number keys (`{1:"…"}`), which is what Java's
        // brokers and mqadmin get from Java's controller.
        "bodyHasBareNumberKeys": quoted.as_bytes() != &resp.body[..],
    })
}
