//! Differential test: the Java name server (newest 5.x, 5.5.0, from Maven Central) and ours get the same
//! requests, and their answers are compared — code, remark, response header fields and body
//! (parsed, since Java's ordering of hash-map content is arbitrary). Each place where we
//! differ on purpose is asserted as such, with the reason in docs/compatibility.md.

mod common;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{eventually, request, route_query, with_ext, Broker, Client, Server};
use namesrv_protocol::body::{ClusterInfo, JsonBody, KvTable, TopicList, TopicRouteData};
use namesrv_protocol::RemotingCommand;

struct JavaNamesrv(Child);

impl Drop for JavaNamesrv {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_java(dir: &std::path::Path) -> (JavaNamesrv, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/acceptance/peers.sh");
    let build = Command::new("bash")
        .arg(&script)
        .arg("build")
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "peers build (Java 17 + Maven needed)"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("bash")
        .arg(&script)
        .args(["javansrv", dir.to_str().unwrap(), &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let java = JavaNamesrv(child);
    assert!(
        eventually(Duration::from_secs(60), || std::net::TcpStream::connect(
            &addr
        )
        .is_ok()),
        "the Java name server listens"
    );
    (java, addr)
}

/// Both servers, with a connection each.
struct Pair {
    java: Client,
    ours: Client,
}

impl Pair {
    fn call(&mut self, req: RemotingCommand) -> (RemotingCommand, RemotingCommand) {
        (self.java.call(req.clone()), self.ours.call(req))
    }

    /// Same code, remark and response header fields; returns both for body checks.
    fn same(&mut self, what: &str, req: RemotingCommand) -> (RemotingCommand, RemotingCommand) {
        let (j, o) = self.call(req);
        assert_eq!(j.code, o.code, "{what}: code");
        assert_eq!(j.remark, o.remark, "{what}: remark");
        let fields = |c: &RemotingCommand| {
            c.ext_fields.as_ref().map(|f| {
                f.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect::<BTreeSet<_>>()
            })
        };
        assert_eq!(fields(&j), fields(&o), "{what}: response header fields");
        (j, o)
    }
}

fn sorted_route(body: &[u8]) -> TopicRouteData {
    let mut r = TopicRouteData::from_json(body).unwrap();
    r.queue_datas
        .sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    r.broker_datas
        .sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    r
}

fn topic_set(body: &[u8]) -> BTreeSet<String> {
    TopicList::from_json(body)
        .unwrap()
        .topic_list
        .into_iter()
        .collect()
}

#[test]
fn java_and_ours_answer_the_same_requests_alike() {
    let dir = tempfile::tempdir().unwrap();
    let (_java, java_addr) = start_java(dir.path());
    let server = Server::start(&[]);
    let mut p = Pair {
        java: Client::connect(&java_addr),
        ours: server.client(),
    };

    p.same("route of an unknown topic", route_query("Nope"));
    p.same("cluster info, empty", request(106, &[]));

    let a = Broker::new("DiffCluster", "broker-a", "127.0.0.1:10911", 0);
    let a1 = Broker::new("DiffCluster", "broker-a", "127.0.0.1:10921", 1);
    let b = Broker::new("DiffCluster", "broker-b", "127.0.0.1:10931", 0);
    p.same(
        "register master a",
        a.register(&[("T1", 8, 6), ("T2", 4, 6)], 1),
    );
    p.same(
        "register slave a1",
        a1.register(&[("T1", 8, 6), ("T2", 4, 6)], 1),
    );
    p.same(
        "register master b",
        b.register(&[("T2", 4, 6), ("T3", 2, 6)], 1),
    );
    p.same(
        "a first registration with one topic",
        Broker::new("DiffCluster", "broker-c", "127.0.0.1:10941", 0).register(&[("Solo", 1, 6)], 1),
    );

    for topic in ["T1", "T2", "T3"] {
        let (j, o) = p.same(topic, route_query(topic));
        assert_eq!(
            sorted_route(&j.body),
            sorted_route(&o.body),
            "route {topic}"
        );
        let mut old = route_query(topic);
        old.version = 63;
        let (j, o) = p.same(topic, old);
        assert_eq!(
            sorted_route(&j.body),
            sorted_route(&o.body),
            "old-client route {topic}"
        );
    }
    // One broker group: the bytes are deterministic in both dialects and must match.
    let (j, o) = p.same("T1 bytes", route_query("T1"));
    assert_eq!(j.body, o.body, "standard JSON route, byte for byte");
    let mut old = route_query("T1");
    old.version = 63;
    let (j, o) = p.same("T1 old bytes", old);
    assert_eq!(j.body, o.body, "fastjson-dialect route, byte for byte");

    let (j, o) = p.same("cluster info", request(106, &[]));
    assert_eq!(
        ClusterInfo::from_json(&j.body).unwrap(),
        ClusterInfo::from_json(&o.body).unwrap()
    );
    let (j, o) = p.same("all topics", request(206, &[]));
    assert_eq!(topic_set(&j.body), topic_set(&o.body));
    let (j, o) = p.same(
        "topics by cluster",
        request(224, &[("cluster", "DiffCluster")]),
    );
    assert_eq!(topic_set(&j.body), topic_set(&o.body));
    let (j, o) = p.same(
        "topics of an unknown cluster",
        request(224, &[("cluster", "Nope")]),
    );
    assert_eq!(topic_set(&j.body), topic_set(&o.body));
    let (j, o) = p.same("system topics", request(304, &[]));
    assert_eq!(topic_set(&j.body), topic_set(&o.body));
    for code in [311, 312, 313] {
        let (j, o) = p.same("unit topics", request(code, &[]));
        assert_eq!(topic_set(&j.body), topic_set(&o.body));
    }
    let (j, o) = p.same(
        "member group",
        request(
            901,
            &[("clusterName", "DiffCluster"), ("brokerName", "broker-a")],
        ),
    );
    assert_eq!(j.body, o.body, "member group, byte for byte");

    let qdv = [
        ("brokerName", "broker-a"),
        ("brokerAddr", "127.0.0.1:10911"),
        ("clusterName", "DiffCluster"),
        ("brokerId", "0"),
    ];
    let (j, o) = p.same("query data version, no body", request(322, &qdv));
    assert_eq!(j.body, o.body);
    p.same(
        "heartbeat",
        request(
            904,
            &[
                ("clusterName", "DiffCluster"),
                ("brokerAddr", "127.0.0.1:10911"),
                ("brokerName", "broker-a"),
            ],
        ),
    );

    p.same(
        "wipe write perm",
        request(205, &[("brokerName", "broker-a")]),
    );
    let (j, o) = p.same("route after wipe", route_query("T1"));
    assert_eq!(sorted_route(&j.body), sorted_route(&o.body));
    p.same(
        "add write perm",
        request(327, &[("brokerName", "broker-a")]),
    );
    p.same(
        "wipe an unknown broker",
        request(205, &[("brokerName", "nobody")]),
    );

    p.same(
        "kv put",
        request(100, &[("namespace", "ns"), ("key", "k"), ("value", "v")]),
    );
    p.same("kv get", request(101, &[("namespace", "ns"), ("key", "k")]));
    p.same(
        "kv get missing",
        request(101, &[("namespace", "ns"), ("key", "nope")]),
    );
    let (j, o) = p.same("kv list", request(219, &[("namespace", "ns")]));
    assert_eq!(
        KvTable::from_json(&j.body).unwrap(),
        KvTable::from_json(&o.body).unwrap()
    );
    p.same("kv list missing", request(219, &[("namespace", "nope")]));
    p.same(
        "kv delete",
        request(102, &[("namespace", "ns"), ("key", "k")]),
    );
    p.same("kv put without key", request(100, &[("namespace", "ns")]));
    p.same(
        "order config returned to brokers",
        with_ext(a.register(&[("T1", 8, 6), ("T2", 4, 6)], 1), "x", None),
    );

    p.same("unknown code", request(99999, &[]));
    let (j, o) = p.same(
        "black-listed config key",
        request(318, &[]).with_body(&b"kvConfigPath=/tmp/x"[..]),
    );
    assert_eq!(j.code, 16);
    assert_eq!(o.code, 16);
    p.same(
        "a run-time flag",
        request(318, &[]).with_body(&b"enableTopicList=true"[..]),
    );
    // Deliberate difference: Java accepts any key outside its black list (and rewrites its
    // config file with it); we accept only the run-time flags.
    let (j, o) = p.call(request(318, &[]).with_body(&b"serverWorkerThreads=9"[..]));
    assert_eq!((j.code, o.code), (0, 16));

    p.same(
        "delete topic in one cluster",
        request(216, &[("topic", "T2"), ("clusterName", "DiffCluster")]),
    );
    p.same("route of the deleted topic", route_query("T2"));

    // Unregistration: Java applies it asynchronously, so compare once both have settled.
    p.same("unregister b", b.unregister());
    assert!(eventually(Duration::from_secs(5), || {
        let (j, o) = p.call(route_query("T3"));
        j.code == 17 && o.code == 17
    }));
    let (j, o) = p.same("cluster info after unregister", request(106, &[]));
    assert_eq!(
        ClusterInfo::from_json(&j.body).unwrap(),
        ClusterInfo::from_json(&o.body).unwrap()
    );
}
