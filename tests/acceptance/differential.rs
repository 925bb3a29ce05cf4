//! Differential test: the Java name server (newest 5.x, 5.5.0, from Maven Central) and ours get the same
//! requests, and their answers are compared — code, remark, response header fields and body
//! (parsed, since Java's ordering of hash-map content is arbitrary). Each place where we
//! differ on purpose is asserted as such, with the reason in docs/compatibility.md.

#[path = "../blackbox/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use common::java::{peers, start_broker_as, start_java_namesrv, JavaNamesrv};
use common::{eventually, request, route_query, with_ext, Broker, Client, Server};
use namesrv_protocol::body::{ClusterInfo, JsonBody, KvTable, TopicList, TopicRouteData};
use namesrv_protocol::RemotingCommand;

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

/// The Java 5.5.0 name server and ours, fresh, with a connection to each. The directory, the
/// Java process and our server live as long as the caller keeps them.
fn java_beside_ours() -> (tempfile::TempDir, JavaNamesrv, Server, Pair) {
    let dir = tempfile::tempdir().unwrap();
    let java = start_java_namesrv("5", dir.path());
    let server = Server::start(&[]);
    let pair = Pair {
        java: Client::connect(&java.addr),
        ours: server.client(),
    };
    (dir, java, server, pair)
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
    let (_dir, _java, _server, mut p) = java_beside_ours();

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

/// Real brokers of both lines (5.5.0 and 4.9.7), each registered with the Java name server
/// and ours at once, as a production broker registers with every replica; real `mqadmin`
/// commands sent to both. Every topic either server knows is compared, route by route, in
/// both dialects, together with cluster info, the topic lists, member groups and the KV
/// table; then one broker is killed and both must forget it alike.
#[test]
fn real_brokers_registered_with_both_get_the_same_answers() {
    real_brokers_registered_with_java_line_and_ours("5");
}

/// The same against the 4.9.7 Java name server. Its answers have the 4.x shape (no
/// `enableActingMaster`, `zoneName`, `topicQueueMappingByBroker`; 4.x clients ignore them in
/// ours), so bodies are compared parsed, not byte for byte, and GET_BROKER_MEMBER_GROUP (a
/// 5.x code it never answers) is left out.
#[test]
fn real_brokers_registered_with_the_4_9_java_name_server_and_ours_get_the_same_answers() {
    real_brokers_registered_with_java_line_and_ours("4");
}

fn real_brokers_registered_with_java_line_and_ours(java_line: &str) {
    let five_x = java_line == "5";
    let dir = tempfile::tempdir().unwrap();
    let java = start_java_namesrv(java_line, &dir.path().join("java"));
    let java_addr = java.addr.clone();
    let server = Server::start(&["scanNotActiveBrokerInterval=1000"]);
    let both = format!("{java_addr};{}", server.addr);
    let conf = "registerNameServerPeriod=10000";
    let _five = start_broker_as(
        "5",
        &both,
        &dir.path().join("b5"),
        "RealDiff5",
        "broker-five",
        0,
        conf,
    );
    let mut four = start_broker_as(
        "4",
        &both,
        &dir.path().join("b4"),
        "RealDiff4",
        "broker-four",
        0,
        conf,
    );
    let mut p = Pair {
        java: Client::connect(&java_addr),
        ours: server.client(),
    };
    let brokers_of = |c: &mut Client| {
        ClusterInfo::from_json(&c.call(request(106, &[])).body)
            .map(|i| i.broker_addr_table.keys().cloned().collect::<BTreeSet<_>>())
            .unwrap_or_default()
    };
    let want: BTreeSet<String> = ["broker-five", "broker-four"].map(String::from).into();
    assert!(
        eventually(Duration::from_secs(120), || brokers_of(&mut p.java) == want
            && brokers_of(&mut p.ours) == want),
        "both brokers registered with both name servers"
    );

    for (line, cluster, topic) in [
        ("5", "RealDiff5", "DiffFive"),
        ("4", "RealDiff4", "DiffFour"),
    ] {
        let out = peers(
            line,
            &[
                "mqadmin",
                "updateTopic",
                "-n",
                &both,
                "-c",
                cluster,
                "-t",
                topic,
            ],
        );
        assert!(out.status.success());
        assert!(
            eventually(Duration::from_secs(30), || {
                let (j, o) = p.call(route_query(topic));
                j.code == 0 && o.code == 0
            }),
            "{topic} routed by both"
        );
    }
    for args in [
        &["updateKvConfig", "-s", "diff", "-k", "color", "-v", "blue"][..],
        &["updateKvConfig", "-s", "diff", "-k", "size", "-v", "9"][..],
        &["deleteKvConfig", "-s", "diff", "-k", "size"][..],
    ] {
        let mut argv = vec!["mqadmin"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["-n", &both]);
        assert!(peers("5", &argv).status.success());
    }

    let (j, o) = p.same("cluster info", request(106, &[]));
    assert_eq!(
        ClusterInfo::from_json(&j.body).unwrap(),
        ClusterInfo::from_json(&o.body).unwrap()
    );
    let (j, o) = p.same("all topics", request(206, &[]));
    let topics = topic_set(&j.body);
    assert_eq!(topics, topic_set(&o.body));
    assert!(topics.contains("DiffFive") && topics.contains("DiffFour"));
    for cluster in ["RealDiff5", "RealDiff4"] {
        let (j, o) = p.same(cluster, request(224, &[("cluster", cluster)]));
        assert_eq!(
            topic_set(&j.body),
            topic_set(&o.body),
            "topics of {cluster}"
        );
    }
    let (j, o) = p.same("system topics", request(304, &[]));
    assert_eq!(topic_set(&j.body), topic_set(&o.body));

    let mut byte_identical = 0;
    for topic in &topics {
        for version in [None, Some(63)] {
            let mut req = route_query(topic);
            if let Some(v) = version {
                req.version = v;
            }
            let (j, o) = p.same(topic, req);
            assert_eq!(
                sorted_route(&j.body),
                sorted_route(&o.body),
                "route of {topic} (version {version:?})"
            );
            // One broker group: nothing hash-ordered is left, so the bytes must match.
            if five_x && sorted_route(&j.body).broker_datas.len() == 1 {
                assert_eq!(
                    String::from_utf8_lossy(&j.body),
                    String::from_utf8_lossy(&o.body),
                    "route of {topic} (version {version:?}), byte for byte"
                );
                byte_identical += 1;
            }
        }
    }
    eprintln!(
        "{} topics compared in both dialects, {byte_identical} answers byte for byte",
        topics.len()
    );
    let member_groups: &[(&str, &str)] = if five_x {
        &[("RealDiff5", "broker-five"), ("RealDiff4", "broker-four")]
    } else {
        &[]
    };
    for &(cluster, broker) in member_groups {
        let (j, o) = p.same(
            broker,
            request(901, &[("clusterName", cluster), ("brokerName", broker)]),
        );
        assert_eq!(j.body, o.body, "member group of {broker}, byte for byte");
    }
    let (j, o) = p.same("kv list", request(219, &[("namespace", "diff")]));
    let table = KvTable::from_json(&o.body).unwrap();
    assert_eq!(KvTable::from_json(&j.body).unwrap(), table);
    assert_eq!(table.table.get("color").map(String::as_str), Some("blue"));
    assert!(!table.table.contains_key("size"));

    // A broker dies: both drop it on the closed connection and answer alike again.
    four.kill();
    assert!(
        eventually(Duration::from_secs(10), || {
            let (j, o) = p.call(route_query("DiffFour"));
            j.code == 17 && o.code == 17
        }),
        "both forgot the killed broker's topic"
    );
    let (j, o) = p.same("cluster info after the kill", request(106, &[]));
    assert_eq!(
        ClusterInfo::from_json(&j.body).unwrap(),
        ClusterInfo::from_json(&o.body).unwrap()
    );
}

/// A small deterministic generator (xorshift64*), so a failing sequence can be replayed from
/// its seed without a test-only dependency.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Generated edge cases: a seeded random sequence of 400 requests — registrations of a pool of
/// brokers (masters and slaves of two clusters, one to four topics, random queue counts and
/// perms, including the refused single-topic first registration, 4.x-style headers and a
/// master moving to another address), unregistrations, route
/// queries in both dialects (known, deleted and unknown topics), cluster info, every topic
/// list, write-permission wipe/add (known and unknown groups), topic deletion with and without
/// a cluster, heartbeats, member groups and KV put/get/delete/list with missing fields — sent
/// to the Java name server and to ours, every answer compared. Seed: `NAMESRV_DIFF_SEED`
/// (printed; default fixed so CI is repeatable).
#[test]
fn generated_request_sequences_get_the_same_answers() {
    let seed: u64 = std::env::var("NAMESRV_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026_1124);
    eprintln!("NAMESRV_DIFF_SEED={seed}");
    let mut g = Gen(seed | 1);
    let (_dir, _java, _server, mut p) = java_beside_ours();

    let brokers: Vec<Broker> = [
        ("GenA", "gen-a", 0),
        ("GenA", "gen-a", 1),
        ("GenA", "gen-b", 0),
        ("GenB", "gen-c", 0),
        ("GenB", "gen-c", 1),
        ("GenB", "gen-d", 0),
    ]
    .iter()
    .enumerate()
    .map(|(i, (c, n, id))| Broker::new(c, n, &format!("127.0.0.1:{}", 20911 + 10 * i), *id))
    .collect();
    let mut counters = vec![0i64; brokers.len()];
    let topics = ["G0", "G1", "G2", "G3", "G4", "G5", "%RETRY%g", "Nope"];
    let names = ["gen-a", "gen-b", "gen-c", "gen-d", "nobody"];
    let clusters = ["GenA", "GenB", "NoCluster"];
    let (namespaces, keys) = (["n1", "n2"], ["k1", "k2", "k3"]);

    let mut counts = std::collections::BTreeMap::<i32, usize>::new();
    for step in 0..400 {
        let what = g.below(100);
        let req = match what {
            0..=24 => {
                let b = g.below(brokers.len());
                counters[b] += 1;
                let n = 1 + g.below(4);
                let mut chosen: Vec<(&str, i32, i32)> = Vec::new();
                while chosen.len() < n {
                    let t = topics[g.below(6)];
                    if chosen.iter().all(|(c, _, _)| *c != t) {
                        chosen.push((t, 1 + g.below(8) as i32, g.pick(&[6, 6, 4, 2])));
                    }
                }
                let mut broker = brokers[b].clone();
                if g.below(8) == 0 {
                    // The same broker name and id from another address (a moved master).
                    broker.addr = format!("127.0.0.2:{}", 20911 + 10 * b);
                }
                let reg = broker.register(&chosen, counters[b]);
                if g.below(4) == 0 {
                    // A 4.x broker: no enableActingMaster header at all.
                    with_ext(reg, "enableActingMaster", None)
                } else {
                    reg
                }
            }
            25..=29 => brokers[g.below(brokers.len())].unregister(),
            30..=49 => {
                let mut q = route_query(g.pick(&topics));
                if g.below(2) == 0 {
                    q.version = 63;
                }
                q
            }
            50..=54 => request(106, &[]),
            55..=59 => request(206, &[]),
            60..=62 => request(224, &[("cluster", g.pick(&clusters))]),
            63..=64 => request(304, &[]),
            65..=66 => request(g.pick(&[311, 312, 313]), &[]),
            67..=69 => request(205, &[("brokerName", g.pick(&names))]),
            70..=72 => request(327, &[("brokerName", g.pick(&names))]),
            73..=75 => {
                let topic = g.pick(&topics);
                if g.below(2) == 0 {
                    request(216, &[("topic", topic)])
                } else {
                    request(216, &[("topic", topic), ("clusterName", g.pick(&clusters))])
                }
            }
            76..=78 => {
                let b = &brokers[g.below(brokers.len())];
                request(
                    904,
                    &[
                        ("clusterName", &b.cluster),
                        ("brokerAddr", &b.addr),
                        ("brokerName", &b.name),
                    ],
                )
            }
            79..=80 => request(
                901,
                &[
                    ("clusterName", g.pick(&clusters)),
                    ("brokerName", g.pick(&names)),
                ],
            ),
            81..=86 => {
                let (ns, k) = (g.pick(&namespaces), g.pick(&keys));
                let v = format!("v{}", g.below(1000));
                match g.below(6) {
                    0 => request(100, &[("namespace", ns), ("key", k)]),
                    _ => request(100, &[("namespace", ns), ("key", k), ("value", &v)]),
                }
            }
            87..=91 => request(
                101,
                &[("namespace", g.pick(&namespaces)), ("key", g.pick(&keys))],
            ),
            92..=95 => request(
                102,
                &[("namespace", g.pick(&namespaces)), ("key", g.pick(&keys))],
            ),
            _ => request(219, &[("namespace", g.pick(&["n1", "n2", "n3"]))]),
        };
        let code = req.code;
        *counts.entry(code).or_default() += 1;
        let desc = format!(
            "step {step} (seed {seed}): code {code} {:?}",
            req.ext_fields
        );
        let (j, o) = p.same(&desc, req);
        // The history, shown with a failure: the steps that led to it.
        eprintln!("{desc} -> java {} ours {}", j.code, o.code);
        match code {
            // Java applies unregistrations asynchronously: let it settle, then compare state.
            104 => {
                assert!(
                    eventually(Duration::from_secs(5), || {
                        let (j, o) = p.call(request(106, &[]));
                        ClusterInfo::from_json(&j.body).ok() == ClusterInfo::from_json(&o.body).ok()
                    }),
                    "{desc}: cluster info after the unregistration"
                );
            }
            105 if j.code == 0 => {
                assert_eq!(sorted_route(&j.body), sorted_route(&o.body), "{desc}")
            }
            106 => assert_eq!(
                ClusterInfo::from_json(&j.body).unwrap(),
                ClusterInfo::from_json(&o.body).unwrap(),
                "{desc}"
            ),
            206 | 224 | 304 | 311..=313 if j.code == 0 => {
                assert_eq!(topic_set(&j.body), topic_set(&o.body), "{desc}")
            }
            219 if j.code == 0 => assert_eq!(
                KvTable::from_json(&j.body).unwrap(),
                KvTable::from_json(&o.body).unwrap(),
                "{desc}"
            ),
            901 => assert_eq!(j.body, o.body, "{desc}"),
            103 if !j.body.is_empty() || !o.body.is_empty() => assert_eq!(
                KvTable::from_json(&j.body).ok(),
                KvTable::from_json(&o.body).ok(),
                "{desc}: registration reply body"
            ),
            _ => {}
        }
    }
    eprintln!("requests per code: {counts:?}");
}

/// Route queries recorded from the Go, C++ (1.x and 2.1.0), ali-ons and Rust (JSON and
/// ROCKETMQ binary header) clients during the interop suite, and from the Java client in both
/// header encodings (`tests/vectors/*client-*-route-105*`), sent
/// byte for byte to the Java name server and to ours, both holding the same registration:
/// each client's own version picks the route dialect, and the answers must be identical —
/// code, remark, header fields and body bytes.
#[test]
fn recorded_client_requests_get_the_same_answers() {
    use bytes::BytesMut;
    use namesrv_protocol::RemotingCodec;
    use tokio_util::codec::Decoder;

    let (_dir, _java, _server, mut p) = java_beside_ours();
    let broker = Broker::new("CapCluster", "broker-cap", "127.0.0.1:20911", 0);
    p.same(
        "register",
        broker.register(
            &[
                ("CapTopic", 8, 6),
                ("CapGoTopic", 4, 6),
                ("VectorTopic", 8, 6),
            ],
            1,
        ),
    );

    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let mut names: Vec<String> = std::fs::read_dir(&vectors)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains("-route-105") && n.ends_with(".bin"))
        .collect();
    names.sort();
    assert!(names.len() >= 8, "the recorded client vectors: {names:?}");
    for name in &names {
        let bytes = std::fs::read(vectors.join(name)).unwrap();
        let recorded = RemotingCodec::default()
            .decode(&mut BytesMut::from(&bytes[..]))
            .unwrap()
            .unwrap();
        let answer = |c: &mut Client| {
            c.send_raw(&bytes);
            loop {
                let resp = c.read().expect("an answer");
                if resp.opaque == recorded.opaque && resp.is_response() {
                    return resp;
                }
            }
        };
        let (j, o) = (answer(&mut p.java), answer(&mut p.ours));
        assert_eq!((j.code, &j.remark), (o.code, &o.remark), "{name}");
        assert_eq!(j.ext_fields, o.ext_fields, "{name}: header fields");
        assert_eq!(
            String::from_utf8_lossy(&j.body),
            String::from_utf8_lossy(&o.body),
            "{name}: body, byte for byte"
        );
        assert_eq!(j.code, 0, "{name}: the recorded topic is routed");
        eprintln!(
            "{name}: version {} -> same {} byte answer",
            recorded.version,
            o.body.len()
        );
    }
}

/// What a connection that starts with `pieces` (written a few milliseconds apart), then a
/// route query, gets: the answer, or `None` when the server closes it unanswered.
fn after_preamble(addr: &str, pieces: &[Vec<u8>]) -> Option<RemotingCommand> {
    let stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).unwrap();
    let mut c = Client::from_stream(stream);
    for piece in pieces {
        if c.try_send_raw(piece).is_err() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let query = route_query("ProxiedTopic").with_opaque(41);
    if c.try_send(query).is_err() {
        return None;
    }
    loop {
        let answer = c.read()?;
        if answer.opaque == 41 && answer.is_response() {
            return Some(answer);
        }
    }
}

/// PROXY protocol preambles as balancers send them, and broken ones, each before a route
/// query, to the Java 5.5.0 name server (which reads them since 5.1.4) and to ours: both
/// answer the query alike after a valid preamble, in one segment or split, and both close
/// the connection unanswered after a broken one. One difference is asserted as such.
#[test]
fn proxy_protocol_preambles_are_read_alike() {
    use namesrv_protocol::proxy_protocol::{ProxyHeader, ProxySource, ProxyVersion, Tlv};

    let (_dir, java, server, _pair) = java_beside_ours();
    let header = |version, source, tlvs| ProxyHeader {
        version,
        source,
        tlvs,
    };
    let inet = |client: &str, destination: &str| ProxySource::Inet {
        client: client.parse().unwrap(),
        destination: destination.parse().unwrap(),
    };
    let v4 = inet("203.0.113.7:51234", "10.0.0.5:9876");
    let v6 = inet("[2001:db8::7]:51234", "[2001:db8::5]:9876");
    let vpce = vec![Tlv {
        kind: 0xEA,
        value: b"\x01vpce-0123456789abcdef0".to_vec(),
    }];
    let mut unix = raw_v2(0x21, 0x31, &[0u8; 216]);
    let split = |bytes: Vec<u8>| bytes.chunks(3).map(<[u8]>::to_vec).collect::<Vec<_>>();
    let v1 = header(ProxyVersion::V1, v4, vec![]).encode();
    let v2 = header(ProxyVersion::V2, v4, vec![]).encode();
    let valid: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("v1 TCP4", vec![v1.clone()]),
        (
            "v1 TCP6",
            vec![header(ProxyVersion::V1, v6, vec![]).encode()],
        ),
        (
            "v1 UNKNOWN",
            vec![header(ProxyVersion::V1, ProxySource::Unknown, vec![]).encode()],
        ),
        ("v1 split in 3-byte pieces", split(v1)),
        ("v2 INET", vec![v2.clone()]),
        (
            "v2 INET6",
            vec![header(ProxyVersion::V2, v6, vec![]).encode()],
        ),
        (
            "v2 INET with an NLB's VPC endpoint extension",
            vec![header(ProxyVersion::V2, v4, vpce).encode()],
        ),
        (
            "v2 LOCAL (health check)",
            vec![header(ProxyVersion::V2, ProxySource::Local, vec![]).encode()],
        ),
        (
            "v2 PROXY UNSPEC",
            vec![header(ProxyVersion::V2, ProxySource::Unknown, vec![]).encode()],
        ),
        ("v2 UNIX", vec![std::mem::take(&mut unix)]),
        ("v2 split in 3-byte pieces", split(v2)),
        ("v1 of the longest size, 107 bytes", vec![v1_line(107)]),
        (
            "v1 with a leading zero in a port",
            vec![b"PROXY TCP4 1.2.3.4 10.0.0.5 080 2\r\n".to_vec()],
        ),
        ("v2 INET over DGRAM", vec![raw_v2(0x21, 0x12, &[0u8; 12])]),
        (
            "v2 LOCAL whose block is too short for its family",
            vec![raw_v2(0x20, 0x11, &[0u8; 3])],
        ),
        (
            "v2 with two bytes after its last extension",
            vec![raw_v2(0x21, 0x11, &tlv_tail(&[0x02, 0, 1, b'x', 0x01, 0]))],
        ),
    ];
    for (what, pieces) in &valid {
        let (j, o) = (
            after_preamble(&java.addr, pieces),
            after_preamble(&server.addr, pieces),
        );
        let j = j.unwrap_or_else(|| panic!("{what}: Java answers"));
        let o = o.unwrap_or_else(|| panic!("{what}: ours answers"));
        assert_eq!((j.code, &j.remark), (o.code, &o.remark), "{what}");
        assert_eq!(j.ext_fields, o.ext_fields, "{what}: header fields");
        eprintln!("{what}: both answer {} {:?}", o.code, o.remark);
    }

    let mut bad_version = raw_v2(0x21, 0x11, &[0u8; 12]);
    bad_version[12] = 0x31;
    let broken: Vec<(&str, Vec<u8>)> = vec![
        (
            "v1 with a bad address",
            b"PROXY TCP4 1.2.3 10.0.0.5 1 2\r\n".to_vec(),
        ),
        (
            "v1 of an unknown protocol",
            b"PROXY UDP4 1.2.3.4 10.0.0.5 1 2\r\n".to_vec(),
        ),
        ("v1 longer than 108 bytes", {
            let mut line = b"PROXY UNKNOWN ".to_vec();
            line.resize(200, b'x');
            line
        }),
        (
            "PROXX instead of PROXY",
            b"PROXX TCP4 1.2.3.4 10.0.0.5 1 2\r\n".to_vec(),
        ),
        ("v2 version 3", bad_version),
        (
            "v2 INET with a short address block",
            raw_v2(0x21, 0x11, &[0u8; 6]),
        ),
        (
            "v1 port 65536",
            b"PROXY TCP4 1.2.3.4 10.0.0.5 65536 2\r\n".to_vec(),
        ),
        (
            "v1 with two spaces",
            b"PROXY TCP4 1.2.3.4  10.0.0.5 1 2\r\n".to_vec(),
        ),
        (
            "v1 TCP4 with IPv6 addresses",
            b"PROXY TCP4 ::1 ::1 1 2\r\n".to_vec(),
        ),
        (
            "v1 ending in LF alone",
            b"PROXY TCP4 1.2.3.4 10.0.0.5 1 2\n".to_vec(),
        ),
        (
            "v2 extension overrunning the block",
            raw_v2(0x21, 0x11, &tlv_tail(&[0x01, 0, 9, b'h'])),
        ),
        ("v2 family 4", raw_v2(0x21, 0x41, &[0u8; 12])),
        ("v2 transport 3", raw_v2(0x21, 0x13, &[0u8; 12])),
        ("v2 command 2", raw_v2(0x22, 0x11, &[0u8; 12])),
    ];
    for (what, bytes) in &broken {
        let pieces = [bytes.clone()];
        let (j, o) = (
            after_preamble(&java.addr, &pieces),
            after_preamble(&server.addr, &pieces),
        );
        assert!(j.is_none(), "{what}: Java closes unanswered, got {j:?}");
        assert!(o.is_none(), "{what}: ours closes unanswered, got {o:?}");
        eprintln!("{what}: both close");
    }

    // Differs on purpose: a v1 line of 108 bytes, one over the specification's 107, which
    // no conforming balancer writes; Netty allows 108.
    let pieces = [v1_line(108)];
    assert!(
        after_preamble(&java.addr, &pieces).is_some(),
        "Java reads 108"
    );
    assert!(
        after_preamble(&server.addr, &pieces).is_none(),
        "ours: 107 at most"
    );
}

/// A `PROXY UNKNOWN …` line of `length` bytes, CRLF included.
fn v1_line(length: usize) -> Vec<u8> {
    let mut line = b"PROXY UNKNOWN ".to_vec();
    line.resize(length - 2, b'x');
    line.extend_from_slice(b"\r\n");
    line
}

/// An IPv4 address block followed by `tail`.
fn tlv_tail(tail: &[u8]) -> Vec<u8> {
    let mut block = vec![1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2];
    block.extend_from_slice(tail);
    block
}

/// A v2 preamble with this command byte, family byte and block.
fn raw_v2(command: u8, family: u8, block: &[u8]) -> Vec<u8> {
    let mut out = namesrv_protocol::proxy_protocol::V2_SIGNATURE.to_vec();
    out.extend_from_slice(&[command, family]);
    out.extend_from_slice(&(block.len() as u16).to_be_bytes());
    out.extend_from_slice(block);
    out
}
