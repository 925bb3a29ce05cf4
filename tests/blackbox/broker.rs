//! Broker-facing codes over TCP against the real binary: registration, route and cluster
//! queries, data versions, heartbeats, unregistration and both kinds of expiry.

mod common;

use std::time::Duration;

use common::in_process::InProcess;
use common::{eventually, request, route_of, route_query, with_ext, Broker, Server};
use namesrv_protocol::body::{ClusterInfo, DataVersion, JsonBody, JsonDialect};

fn broker_a() -> Broker {
    Broker::new("DefaultCluster", "broker-a", "127.0.0.1:10911", 0)
}

#[test]
fn a_registered_topic_is_routed_in_both_json_dialects() {
    let server = InProcess::start(&[]);
    let mut broker = server.client();
    let reg = broker.call(broker_a().register(&[("TopicA", 8, 6), ("TopicB", 4, 6)], 1));
    assert_eq!(reg.code, 0, "{:?}", reg.remark);
    assert!(
        reg.ext_fields.is_some(),
        "the response header is present even when empty"
    );

    let mut client = server.client();
    let route = route_of(&mut client, "TopicA").unwrap();
    assert_eq!(route.queue_datas.len(), 1);
    assert_eq!(route.queue_datas[0].broker_name, "broker-a");
    assert_eq!(route.queue_datas[0].read_queue_nums, 8);
    assert_eq!(route.queue_datas[0].perm, 6);
    assert_eq!(
        route.broker_datas[0]
            .broker_addrs
            .get(&0)
            .map(String::as_str),
        Some("127.0.0.1:10911")
    );
    assert_eq!(route.broker_datas[0].cluster, "DefaultCluster");

    // Version >= 401 (ours is 479): standard JSON with quoted keys.
    let standard = client.call(route_query("TopicA"));
    let text = String::from_utf8(standard.body.to_vec()).unwrap();
    assert!(
        text.contains("\"brokerAddrs\":{\"0\":\"127.0.0.1:10911\"}"),
        "{text}"
    );
    assert!(text.contains("\"filterServerTable\":{}"), "{text}");
    assert!(text.contains("\"enableActingMaster\":false"), "{text}");

    // An old client (version 63, like the C++ client) gets fastjson's bare integer keys…
    let mut old = route_query("TopicA");
    old.version = 63;
    let text = String::from_utf8(client.call(old.clone()).body.to_vec()).unwrap();
    assert!(
        text.contains("\"brokerAddrs\":{0:\"127.0.0.1:10911\"}"),
        "{text}"
    );
    // …unless it asks for standard JSON.
    let old = with_ext(old, "acceptStandardJsonOnly", Some("true"));
    let text = String::from_utf8(client.call(old).body.to_vec()).unwrap();
    assert!(text.contains("{\"0\":\"127.0.0.1:10911\"}"), "{text}");
}

#[test]
fn an_unknown_topic_is_topic_not_exist_with_the_java_remark() {
    let server = InProcess::start(&[]);
    let resp = server.client().call(route_query("NoSuchTopic"));
    assert_eq!(resp.code, 17);
    assert!(resp.body.is_empty());
    assert_eq!(
        resp.remark.as_deref(),
        Some("No topic route info in name server for the topic: NoSuchTopic\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.")
    );
}

#[test]
fn cluster_info_lists_brokers_with_bare_integer_keys() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1));
    c.call(
        Broker::new("DefaultCluster", "broker-a", "127.0.0.1:10921", 1)
            .register(&[("T", 4, 6), ("T2", 4, 6)], 1),
    );
    let resp = c.call(request(106, &[]));
    assert_eq!(resp.code, 0);
    let text = String::from_utf8(resp.body.to_vec()).unwrap();
    assert!(
        text.contains("{0:\"127.0.0.1:10911\",1:\"127.0.0.1:10921\"}"),
        "{text}"
    );
    let info = ClusterInfo::from_json(&resp.body).unwrap();
    assert_eq!(info.cluster_addr_table["DefaultCluster"].len(), 1);
    assert_eq!(info.broker_addr_table["broker-a"].broker_addrs.len(), 2);
}

#[test]
fn a_slave_learns_its_master_addresses_from_the_register_reply() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1));
    let slave = Broker::new("DefaultCluster", "broker-a", "127.0.0.1:10921", 1);
    let resp = c.call(slave.register(&[("T", 4, 6), ("T2", 4, 6)], 1));
    assert_eq!(resp.code, 0);
    assert_eq!(resp.ext("masterAddr"), Some("127.0.0.1:10911"));
    assert_eq!(resp.ext("haServerAddr"), Some("127.0.0.1:109111"));
}

#[test]
fn the_order_topic_config_is_returned_to_registering_brokers() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    assert_eq!(
        c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1))
            .body
            .len(),
        0,
        "no namespace, no body"
    );
    c.call(request(
        100,
        &[
            ("namespace", "ORDER_TOPIC_CONFIG"),
            ("key", "T"),
            ("value", "broker-a:4"),
        ],
    ));
    let body = eventually(Duration::from_secs(5), || {
        !c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1))
            .body
            .is_empty()
    });
    assert!(body);
    let resp = c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1));
    assert_eq!(&resp.body[..], br#"{"table":{"T":"broker-a:4"}}"#);
}

#[test]
fn query_data_version_reports_changes_and_the_stored_version() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    let b = broker_a();
    let fields = [
        ("brokerName", "broker-a"),
        ("brokerAddr", "127.0.0.1:10911"),
        ("clusterName", "DefaultCluster"),
        ("brokerId", "0"),
    ];
    let unknown = c.call(request(322, &fields));
    assert_eq!((unknown.code, unknown.ext("changed")), (0, Some("true")));
    assert!(unknown.body.is_empty());

    c.call(b.register(&[("T", 4, 6), ("T2", 4, 6)], 7));
    let same = DataVersion {
        state_version: 0,
        timestamp: 1_700_000_000_000,
        counter: 7,
    };
    let resp = c.call(request(322, &fields).with_body(same.to_json(JsonDialect::Fastjson)));
    assert_eq!(resp.ext("changed"), Some("false"));
    assert_eq!(DataVersion::from_json(&resp.body).unwrap(), same);
    let newer = DataVersion { counter: 8, ..same };
    let resp = c.call(request(322, &fields).with_body(newer.to_json(JsonDialect::Fastjson)));
    assert_eq!(resp.ext("changed"), Some("true"));
}

/// A broker asking QUERY_DATA_VERSION counts as heard from (as with Java 5.x); a tool
/// reading data versions with our `__READ_ONLY` key never does, so it cannot keep a
/// silent broker routed.
#[test]
fn a_read_only_data_version_query_never_keeps_a_broker_alive() {
    let server = InProcess::start(&["scanNotActiveBrokerInterval=200"]);
    let register = |name: &str, addr: &str| {
        let mut conn = server.client();
        let own = format!("T-{name}");
        let reg = Broker::new("c", name, addr, 0).register(&[(own.as_str(), 1, 6), ("X", 1, 6)], 1);
        assert_eq!(
            conn.call(with_ext(reg, "heartbeatTimeoutMillis", Some("1500")))
                .code,
            0
        );
        conn
    };
    let query = |name: &str, addr: &str, read_only: bool| {
        let mut fields = vec![
            ("brokerName", name),
            ("brokerAddr", addr),
            ("clusterName", "c"),
            ("brokerId", "0"),
        ];
        if read_only {
            fields.push(("__READ_ONLY", "true"));
        }
        request(322, &fields)
    };
    let _asking = register("asking", "127.0.0.1:10001");
    let _watched = register("watched", "127.0.0.1:10002");
    let mut tool = server.client();
    let mut c = server.client();
    let started = std::time::Instant::now();
    let watched_gone = eventually(Duration::from_secs(15), || {
        assert_eq!(tool.call(query("asking", "127.0.0.1:10001", false)).code, 0);
        assert_eq!(tool.call(query("watched", "127.0.0.1:10002", true)).code, 0);
        std::thread::sleep(Duration::from_millis(100));
        route_of(&mut c, "T-watched") == Err(17)
    });
    assert!(watched_gone, "read-only queries kept the broker alive");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(
        route_of(&mut c, "T-asking").is_ok(),
        "the broker's own queries keep it alive"
    );
}

#[test]
fn unregister_removes_the_broker_and_its_topics() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1));
    assert!(route_of(&mut c, "T").is_ok());
    let resp = c.call(broker_a().unregister());
    assert_eq!(resp.code, 0);
    assert!(eventually(Duration::from_secs(5), || route_of(&mut c, "T") == Err(17)));
    let info = ClusterInfo::from_json(&c.call(request(106, &[])).body).unwrap();
    assert!(info.broker_addr_table.is_empty());
}

#[test]
fn a_broker_is_removed_at_once_when_its_connection_closes() {
    let server = InProcess::start(&[]);
    let mut broker = server.client();
    assert_eq!(
        broker
            .call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1))
            .code,
        0
    );
    let mut client = server.client();
    assert!(route_of(&mut client, "T").is_ok());
    drop(broker);
    assert!(
        eventually(Duration::from_secs(2), || route_of(&mut client, "T")
            == Err(17)),
        "route gone within a second or two of the close"
    );
}

#[test]
fn a_silent_broker_expires_after_its_heartbeat_timeout_and_heartbeats_keep_it() {
    let server = InProcess::start(&["scanNotActiveBrokerInterval=200"]);
    let mut broker = server.client();
    let reg = with_ext(
        broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1),
        "heartbeatTimeoutMillis",
        Some("1500"),
    );
    assert_eq!(broker.call(reg).code, 0);

    let hb = request(
        904,
        &[
            ("clusterName", "DefaultCluster"),
            ("brokerAddr", "127.0.0.1:10911"),
            ("brokerName", "broker-a"),
        ],
    );
    let mut client = server.client();
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(broker.call(hb.clone()).code, 0);
    }
    assert!(
        route_of(&mut client, "T").is_ok(),
        "3 s of heartbeats outlived a 1.5 s timeout"
    );
    // Oneway heartbeats are processed and never answered.
    broker.send(hb.clone().oneway());
    // Now silence: expired within timeout + scan interval, and its connection is closed.
    assert!(eventually(Duration::from_secs(5), || route_of(
        &mut client,
        "T"
    ) == Err(17)));
    assert!(
        broker.closed_within(Duration::from_secs(2)),
        "the expired broker's connection is closed"
    );
}

#[test]
fn a_bad_crc_is_refused_and_registers_nothing() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    let reg = with_ext(
        broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1),
        "bodyCrc32",
        Some("12345"),
    );
    let resp = c.call(reg);
    assert_eq!(
        (resp.code, resp.remark.as_deref()),
        (1, Some("crc32 not match"))
    );
    assert_eq!(route_of(&mut c, "T"), Err(17));
}

#[test]
fn a_compressed_4x_registration_is_accepted() {
    use namesrv_protocol::body::RegisterBrokerBody;
    let server = InProcess::start(&[]);
    let mut c = server.client();
    let json_reg = broker_a().register(&[("Zipped", 2, 6), ("Z2", 2, 6)], 1);
    let body = RegisterBrokerBody::decode(&json_reg.body, false, 409).unwrap();
    let zipped = body.encode_compressed(409);
    let crc = namesrv_protocol::body::body_crc32(&zipped).to_string();
    let mut reg = json_reg.with_body(zipped);
    reg.version = 409; // a 4.9.8 broker: no enableActingMaster
    let reg = with_ext(reg, "enableActingMaster", None);
    let reg = with_ext(reg, "compressed", Some("true"));
    let reg = with_ext(reg, "bodyCrc32", Some(&crc));
    assert_eq!(c.call(reg).code, 0);
    let route = route_of(&mut c, "Zipped").unwrap();
    assert_eq!(route.queue_datas[0].write_queue_nums, 2);
    assert!(!route.broker_datas[0].enable_acting_master);
}

#[test]
fn a_garbled_register_body_is_a_system_error() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    let reg = broker_a().register(&[], 1).with_body(&b"{not json"[..]);
    let resp = c.call(with_ext(reg, "bodyCrc32", Some("0")));
    assert_eq!(resp.code, 1);
    assert!(resp.remark.unwrap().contains("RegisterBrokerBody"));
    // The connection is still usable.
    assert_eq!(c.call(route_query("x")).code, 17);
}

#[test]
fn member_group_lists_the_group() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1));
    let resp = c.call(request(
        901,
        &[
            ("clusterName", "DefaultCluster"),
            ("brokerName", "broker-a"),
        ],
    ));
    assert_eq!(resp.code, 0);
    let text = String::from_utf8(resp.body.to_vec()).unwrap();
    assert!(
        text.starts_with("{\"brokerMemberGroup\":{\"brokerAddrs\":{0:\"127.0.0.1:10911\"}"),
        "{text}"
    );
    let empty = c.call(request(
        901,
        &[("clusterName", "DefaultCluster"), ("brokerName", "nobody")],
    ));
    assert_eq!(empty.code, 0);
}

/// A broker with 100,000 topics (issue 14), as a real one sends it: its plain JSON body
/// is over the default 16 MiB frame limit, so the broker must compress it (its
/// `compressedRegister`, off by default), or the operator raises `frameMaxLength`.
mod hundred_thousand_topics {
    use namesrv_protocol::body::{body_crc32, RegisterBrokerBody, TopicList};
    use namesrv_protocol::version::CURRENT_VERSION;
    use namesrv_protocol::RemotingCommand;

    use super::*;

    /// 100,000 in the test; debug builds take a few seconds to write and read the body.
    const TOPICS: usize = 100_000;
    const DEFAULT_FRAME_MAX: usize = 16 * 1024 * 1024;

    fn plain_registration() -> RemotingCommand {
        let names: Vec<String> = (0..TOPICS).map(|i| format!("BigTopic{i}")).collect();
        let topics: Vec<(&str, i32, i32)> = names.iter().map(|n| (n.as_str(), 8, 6)).collect();
        broker_a().register(&topics, 1)
    }

    fn compressed(plain: RemotingCommand) -> RemotingCommand {
        let body = RegisterBrokerBody::decode(&plain.body, false, CURRENT_VERSION).unwrap();
        let zipped = body.encode_compressed(CURRENT_VERSION);
        let crc = body_crc32(&zipped).to_string();
        let reg = with_ext(plain.with_body(zipped), "compressed", Some("true"));
        with_ext(reg, "bodyCrc32", Some(&crc))
    }

    /// A client that waits up to 2 minutes for an answer: a debug build on a busy machine
    /// takes more than the usual 10 s to apply 100,000 topics.
    fn patient_client(server: &InProcess) -> common::Client {
        let c = server.client();
        c.stream()
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        c
    }

    /// The route of one of its topics and the whole topic list are served.
    fn assert_served(server: &InProcess) {
        let mut c = patient_client(server);
        let route = route_of(&mut c, "BigTopic99999").unwrap();
        assert_eq!(route.queue_datas.len(), 1);
        assert_eq!(route.queue_datas[0].read_queue_nums, 8);
        assert_eq!(route.broker_datas[0].broker_name, "broker-a");
        let list = c.call(request(206, &[]));
        assert_eq!(list.code, 0, "{:?}", list.remark);
        let list = TopicList::from_json(&list.body).unwrap().topic_list;
        assert_eq!(list.len(), TOPICS);
        assert!(list.iter().any(|t| t == "BigTopic0"));
    }

    #[test]
    fn registers_compressed_within_the_default_frame_limit() {
        let plain = plain_registration();
        assert!(plain.body.len() > DEFAULT_FRAME_MAX, "{}", plain.body.len());
        let reg = compressed(plain);
        assert!(reg.body.len() < DEFAULT_FRAME_MAX / 4, "{}", reg.body.len());
        let server = InProcess::start(&[]);
        // Held open: a broker's routes go when its connection closes.
        let mut broker = patient_client(&server);
        let resp = broker.call(reg);
        assert_eq!(resp.code, 0, "{:?}", resp.remark);
        assert_served(&server);
    }

    #[test]
    fn registers_in_plain_json_once_the_frame_limit_is_raised() {
        let server = InProcess::start(&["frameMaxLength=33554432"]);
        let mut broker = patient_client(&server);
        let resp = broker.call(plain_registration());
        assert_eq!(resp.code, 0, "{:?}", resp.remark);
        assert_served(&server);
    }

    #[test]
    fn is_cut_off_in_plain_json_at_the_default_frame_limit() {
        let server = InProcess::start(&[]);
        let mut c = server.client();
        // The server closes as soon as it reads the length, so the write may fail midway.
        let _ = c.try_send(plain_registration());
        assert!(c.closed_within(Duration::from_secs(10)));
        assert_eq!(route_of(&mut server.client(), "BigTopic0"), Err(17));
    }
}

/// What a broker can see of a REGISTER_BROKER answer (everything but the opaque).
fn seen(answer: &namesrv_protocol::RemotingCommand) -> impl PartialEq + std::fmt::Debug {
    (
        answer.code,
        answer.remark.clone(),
        answer.ext_fields.clone(),
        answer.body.clone(),
    )
}

const UNCHANGED: &str = "namesrv_broker_registrations_unchanged_total";

#[test]
fn an_unchanged_re_registration_is_not_decoded_yet_keeps_the_broker_alive_and_answers_alike() {
    let server = Server::start(&["httpPort=0", "scanNotActiveBrokerInterval=200"]);
    let mut broker = server.client();
    let reg = with_ext(
        broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1),
        "heartbeatTimeoutMillis",
        Some("1500"),
    );
    let first = broker.call(reg.clone());
    assert_eq!(first.code, 0);
    assert_eq!(server.metric(UNCHANGED), 0.0);

    // 3 s of re-registrations, the only sign of life: each must refresh the 1.5 s timeout.
    let mut client = server.client();
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(seen(&broker.call(reg.clone())), seen(&first));
    }
    assert_eq!(server.metric(UNCHANGED), 6.0, "none of them was decoded");
    let route = route_of(&mut client, "T").expect("still routed");
    assert_eq!(route.queue_datas[0].read_queue_nums, 4);
    assert!(eventually(Duration::from_secs(5), || route_of(
        &mut client,
        "T"
    ) == Err(17)));
}

#[test]
fn a_new_data_version_is_decoded_and_updates_the_routes() {
    let server = Server::start(&["httpPort=0"]);
    let mut c = server.client();
    assert_eq!(
        c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1))
            .code,
        0
    );
    assert_eq!(
        c.call(broker_a().register(&[("T", 8, 6), ("T3", 2, 6)], 2))
            .code,
        0
    );
    let route = route_of(&mut c, "T").unwrap();
    assert_eq!(route.queue_datas[0].read_queue_nums, 8);
    assert_eq!(
        route_of(&mut c, "T3").unwrap().queue_datas[0].read_queue_nums,
        2
    );
    assert_eq!(server.metric(UNCHANGED), 0.0);
}

/// What a 5.x broker in controller mode sends after a role change, and any broker after an
/// `updateTopic` that repeats a topic's settings: a new data version, the same topics. The
/// body is not decoded, yet the new version is stored and the answer is a full one's.
#[test]
fn a_new_data_version_with_the_same_topics_is_stored_without_decoding_the_body() {
    let server = Server::start(&["httpPort=0"]);
    let mut c = server.client();
    let topics = [("T", 4, 6), ("T2", 4, 6)];
    let first = c.call(broker_a().register(&topics, 1));
    assert_eq!(first.code, 0);
    for counter in 2..=4 {
        assert_eq!(
            seen(&c.call(broker_a().register(&topics, counter))),
            seen(&first)
        );
    }
    assert_eq!(server.metric(UNCHANGED), 3.0, "none of them was decoded");
    let fields = [
        ("brokerName", "broker-a"),
        ("brokerAddr", "127.0.0.1:10911"),
        ("clusterName", "DefaultCluster"),
        ("brokerId", "0"),
    ];
    let stored = DataVersion::from_json(&c.call(request(322, &fields)).body).unwrap();
    assert_eq!(stored.counter, 4);
    assert_eq!(
        route_of(&mut c, "T").unwrap().queue_datas[0].read_queue_nums,
        4
    );

    // The next version that changes a topic is decoded and applied.
    assert_eq!(
        c.call(broker_a().register(&[("T", 8, 6), ("T2", 4, 6)], 5))
            .code,
        0
    );
    assert_eq!(server.metric(UNCHANGED), 3.0);
    assert_eq!(
        route_of(&mut c, "T").unwrap().queue_datas[0].read_queue_nums,
        8
    );
}

/// A broker that sends other topics under the data version it already registered. Java
/// does not fully trust the version: it still writes every topic the broker has no queue
/// data for yet (protocol §5.2 step 10.2), which needs the body. So other bytes are always
/// decoded; and, where we depart from Java (the same-version merge of split registrations,
/// `route/table/register.rs`), the changed queue counts of known topics are taken too.
#[test]
fn other_bytes_under_an_unchanged_data_version_are_decoded() {
    let server = Server::start(&["httpPort=0"]);
    let mut c = server.client();
    let first = c.call(broker_a().register(&[("T", 4, 6), ("T2", 4, 6)], 1));
    let lying = c.call(broker_a().register(&[("T", 8, 6), ("T2", 4, 6), ("T3", 2, 6)], 1));
    assert_eq!(seen(&lying), seen(&first));
    assert_eq!(server.metric(UNCHANGED), 0.0);
    assert_eq!(
        route_of(&mut c, "T3").unwrap().queue_datas[0].read_queue_nums,
        2,
        "a topic new to the broker is written, as Java writes it"
    );
    assert_eq!(
        route_of(&mut c, "T").unwrap().queue_datas[0].read_queue_nums,
        8,
        "same-version merge (Java would keep 4)"
    );
}
