//! Route semantics over TCP that go beyond one broker: scale, split registration, zones,
//! order config, the readiness gate, and NOTIFY_MIN_BROKER_ID_CHANGE sent back to brokers.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use bytes::BytesMut;
use common::in_process::InProcess;
use common::{eventually, request, route_of, route_query, with_ext, Broker};
use namesrv_protocol::body::{ClusterInfo, JsonBody, TopicRouteData};
use namesrv_protocol::RemotingCodec;
use tokio_util::codec::Decoder;

#[test]
fn a_broker_with_100k_topics_registers_when_the_frame_limit_allows_it() {
    let server = InProcess::start(&["frameMaxLength=67108864"]);
    let mut c = server.client();
    let names: Vec<String> = (0..100_000)
        .map(|i| format!("scale-topic-{i:06}"))
        .collect();
    let topics: Vec<(&str, i32, i32)> = names.iter().map(|n| (n.as_str(), 8, 6)).collect();
    let reg = Broker::new("c", "big", "127.0.0.1:10911", 0).register(&topics, 1);
    assert!(
        reg.body.len() > 16 * 1024 * 1024,
        "beyond Java's 16 MiB frame limit"
    );
    let resp = c.call(reg);
    assert_eq!(resp.code, 0, "{:?}", resp.remark);
    assert!(route_of(&mut c, "scale-topic-000000").is_ok());
    assert!(route_of(&mut c, "scale-topic-099999").is_ok());
    let all = c.call(request(206, &[]));
    let list = namesrv_protocol::body::TopicList::from_json(&all.body).unwrap();
    assert_eq!(list.topic_list.len(), 100_000);
}

#[test]
fn a_registration_over_the_default_frame_limit_closes_that_connection_only() {
    let server = InProcess::start(&[]);
    let names: Vec<String> = (0..100_000)
        .map(|i| format!("scale-topic-{i:06}"))
        .collect();
    let topics: Vec<(&str, i32, i32)> = names.iter().map(|n| (n.as_str(), 8, 6)).collect();
    let mut big = server.client();
    let sent = big.try_send(Broker::new("c", "big", "127.0.0.1:10911", 0).register(&topics, 1));
    // Refused from its length: either the write is cut off, or the close is seen after it.
    assert!(sent.is_err() || big.closed_within(Duration::from_secs(5)));
    assert_eq!(
        server.client().call(route_query("scale-topic-000000")).code,
        17
    );
}

#[test]
fn split_registration_chunks_with_one_data_version_merge() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    let b = Broker::new("c", "split", "127.0.0.1:10911", 0);
    assert_eq!(c.call(b.register(&[("A", 4, 6), ("B", 4, 6)], 5)).code, 0);
    // The next chunks of the same registration: same data version, other topics.
    assert_eq!(c.call(b.register(&[("C", 4, 6), ("D", 4, 6)], 5)).code, 0);
    assert_eq!(c.call(b.register(&[("E", 2, 6)], 5)).code, 0);
    for t in ["A", "B", "C", "D", "E"] {
        assert!(
            route_of(&mut c, t).is_ok(),
            "topic {t} of some chunk is routed"
        );
    }
    assert_eq!(
        route_of(&mut c, "E").unwrap().queue_datas[0].read_queue_nums,
        2
    );
}

#[test]
fn a_first_registration_with_exactly_one_topic_is_refused_like_java() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    let resp = c.call(Broker::new("c", "b", "127.0.0.1:10911", 0).register(&[("Only", 4, 6)], 1));
    assert_eq!(
        (resp.code, resp.remark.as_deref()),
        (1, Some("register broker failed"))
    );
    assert_eq!(route_of(&mut c, "Only"), Err(17));
}

#[test]
fn zone_mode_routes_only_brokers_of_the_clients_zone() {
    let server = InProcess::start(&[]);
    let mut c = server.client();
    let east =
        Broker::new("c", "east", "127.0.0.1:10911", 0).register(&[("Z", 4, 6), ("Y", 4, 6)], 1);
    let west =
        Broker::new("c", "west", "127.0.0.1:10921", 0).register(&[("Z", 4, 6), ("Y", 4, 6)], 1);
    assert_eq!(c.call(with_ext(east, "__ZONE_NAME", Some("east"))).code, 0);
    assert_eq!(c.call(with_ext(west, "__ZONE_NAME", Some("west"))).code, 0);
    let plain = route_of(&mut c, "Z").unwrap();
    assert_eq!(plain.broker_datas.len(), 2);
    let zoned = with_ext(
        with_ext(route_query("Z"), "__ZONE_MODE", Some("true")),
        "__ZONE_NAME",
        Some("EAST"),
    );
    let resp = c.call(zoned);
    let route = TopicRouteData::from_json(&resp.body).unwrap();
    assert_eq!(route.broker_datas.len(), 1);
    assert_eq!(route.broker_datas[0].broker_name, "east");
    assert_eq!(route.broker_datas[0].zone_name.as_deref(), Some("east"));
    assert!(route.queue_datas.iter().all(|q| q.broker_name == "east"));
}

#[test]
fn order_topic_conf_appears_in_routes_when_order_messages_are_enabled() {
    let server = InProcess::start(&["orderMessageEnable=true"]);
    let mut c = server.client();
    c.call(Broker::new("c", "b", "127.0.0.1:10911", 0).register(&[("O", 4, 6), ("P", 4, 6)], 1));
    assert_eq!(route_of(&mut c, "O").unwrap().order_topic_conf, None);
    c.call(request(
        100,
        &[
            ("namespace", "ORDER_TOPIC_CONFIG"),
            ("key", "O"),
            ("value", "b:4"),
        ],
    ));
    assert!(eventually(Duration::from_secs(5), || {
        route_of(&mut c, "O").unwrap().order_topic_conf.as_deref() == Some("b:4")
    }));
    assert_eq!(route_of(&mut c, "P").unwrap().order_topic_conf, None);
}

#[test]
fn the_readiness_gate_answers_not_ready_to_route_queries_only() {
    let server = InProcess::start(&["needWaitForService=true", "waitSecondsForService=60"]);
    let mut c = server.client();
    let resp = c.call(route_query("t"));
    assert_eq!(
        (resp.code, resp.remark.as_deref()),
        (1, Some("name server not ready"))
    );
    assert_eq!(c.call(request(106, &[])).code, 0);
    assert_eq!(
        c.call(
            Broker::new("c", "b", "127.0.0.1:10911", 0).register(&[("A", 1, 6), ("B", 1, 6)], 1)
        )
        .code,
        0
    );
}

/// Route answers kept on the worker threads must never outlive readiness: a server told at
/// run time to wait for brokers answers "not ready" even for a topic whose route every
/// worker already holds, and serves it again once the wait is lifted.
#[test]
fn a_server_that_is_not_ready_never_serves_a_kept_route_answer() {
    let server = InProcess::start(&["ioThreads=2"]);
    let mut c = server.client();
    let b = Broker::new("c", "b", "127.0.0.1:10911", 0);
    assert_eq!(c.call(b.register(&[("A", 1, 6), ("B", 1, 6)], 1)).code, 0);
    // Several connections, so every worker thread keeps the answer.
    let mut clients: Vec<_> = (0..4).map(|_| server.client()).collect();
    for client in &mut clients {
        for _ in 0..3 {
            assert_eq!(client.call(route_query("A")).code, 0);
        }
    }
    let update = |c: &mut common::Client, body: &str| {
        c.call(request(318, &[]).with_body(body.as_bytes().to_vec()))
            .code
    };
    assert_eq!(
        update(&mut c, "needWaitForService=true\nwaitSecondsForService=600"),
        0
    );
    for client in &mut clients {
        let resp = client.call(route_query("A"));
        assert_eq!(
            (resp.code, resp.remark.as_deref()),
            (1, Some("name server not ready"))
        );
    }
    assert_eq!(update(&mut c, "needWaitForService=false"), 0);
    for client in &mut clients {
        assert_eq!(client.call(route_query("A")).code, 0);
    }
}

#[test]
fn a_returning_master_makes_us_notify_the_slaves_of_the_new_minimum_broker_id() {
    let server = InProcess::start(&["notifyMinBrokerIdChanged=true"]);
    // The "slave" listens where a broker would, to receive our oneway NOTIFY.
    let slave_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let slave_addr = slave_listener.local_addr().unwrap().to_string();
    let mut c = server.client();
    let slave = Broker::new("c", "grp", &slave_addr, 1);
    assert_eq!(
        c.call(slave.register(&[("A", 1, 6), ("B", 1, 6)], 1)).code,
        0
    );
    let master = Broker::new("c", "grp", "127.0.0.1:1", 0);
    assert_eq!(
        c.call(master.register(&[("A", 1, 6), ("B", 1, 6)], 1)).code,
        0
    );

    slave_listener.set_nonblocking(false).unwrap();
    let (mut conn, _) = slave_listener.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = BytesMut::new();
    let mut codec = RemotingCodec::default();
    let notify = loop {
        if let Some(cmd) = codec.decode(&mut buf).unwrap() {
            break cmd;
        }
        let mut chunk = [0u8; 4096];
        let n = std::io::Read::read(&mut conn, &mut chunk).unwrap();
        assert!(n > 0, "connection closed before a frame");
        buf.extend_from_slice(&chunk[..n]);
    };
    assert_eq!(notify.code, 905);
    assert!(notify.is_oneway());
    assert_eq!(notify.ext("minBrokerId"), Some("0"));
    assert_eq!(notify.ext("minBrokerAddr"), Some("127.0.0.1:1"));
    let info = ClusterInfo::from_json(&c.call(request(106, &[])).body).unwrap();
    assert_eq!(info.broker_addr_table["grp"].broker_addrs.len(), 2);
}

#[test]
fn ten_thousand_brokers_expiring_at_once_do_not_stop_route_answers() {
    // All 10,000 registrations are pipelined on one connection: lift the in-flight limit so
    // a slow moment of the route thread is not answered SYSTEM_BUSY (that limit has its own
    // test in bad_input.rs).
    let server = InProcess::start(&[
        "scanNotActiveBrokerInterval=200",
        "maxInFlightPerConnection=20000",
    ]);
    let mut brokers = server.client();
    // One connection registers 10,000 broker groups, pipelined (all sent, then all answers
    // read). Their 10 s heartbeat timeout must outlast the registering itself even on a busy
    // machine: a broker that expires closes its connection, which is this one.
    let n = 10_000;
    for i in 0..n {
        let b = Broker::new(
            "c",
            &format!("b{i}"),
            &format!("127.0.0.1:{}", 20_000 + i),
            0,
        );
        let reg = b.register(&[("Shared", 1, 6), ("Other", 1, 6)], 1);
        brokers.send(with_ext(reg, "heartbeatTimeoutMillis", Some("10000")));
    }
    for _ in 0..n {
        assert_eq!(brokers.read().expect("register answer").code, 0);
    }
    let mut client = server.client();
    let route = route_of(&mut client, "Shared").unwrap();
    assert_eq!(route.broker_datas.len(), n as usize);

    // While they all expire in one scan, route queries keep being answered.
    let mut answered = 0;
    let gone = eventually(Duration::from_secs(40), || {
        answered += 1;
        route_of(&mut client, "Shared") == Err(17)
    });
    assert!(gone, "all 10,000 expired");
    assert!(answered > 1);
    let info = ClusterInfo::from_json(&client.call(request(106, &[])).body).unwrap();
    assert!(info.broker_addr_table.is_empty());
}
