//! Topic administration codes over TCP: write permissions, topic lists, delete and
//! register topic.

mod common;

use std::time::Duration;

use common::in_process::InProcess;
use common::{request, route_of, Broker};
use namesrv_protocol::body::{JsonBody, JsonDialect, QueueData, TopicList, TopicRouteData};

fn topics(resp: &namesrv_protocol::RemotingCommand) -> Vec<String> {
    assert_eq!(resp.code, 0, "{:?}", resp.remark);
    let mut list = TopicList::from_json(&resp.body).unwrap().topic_list;
    list.sort();
    list
}

fn two_clusters(server: &InProcess) -> common::Client {
    let mut c = server.client();
    let a = Broker::new("c1", "broker-a", "127.0.0.1:10911", 0);
    let b = Broker::new("c2", "broker-b", "127.0.0.1:10921", 0);
    assert_eq!(
        c.call(a.register(&[("A1", 4, 6), ("Both", 4, 6)], 1)).code,
        0
    );
    assert_eq!(
        c.call(b.register(&[("B1", 4, 6), ("Both", 4, 6)], 1)).code,
        0
    );
    c
}

#[test]
fn wipe_and_add_write_permission_count_topics_and_change_routes() {
    let server = InProcess::start(&[]);
    let mut c = two_clusters(&server);
    let wipe = c.call(request(205, &[("brokerName", "broker-a")]));
    assert_eq!((wipe.code, wipe.ext("wipeTopicCount")), (0, Some("2")));
    let route = route_of(&mut c, "A1").unwrap();
    assert_eq!(route.queue_datas[0].perm, 4, "write bit cleared");

    let add = c.call(request(327, &[("brokerName", "broker-a")]));
    assert_eq!((add.code, add.ext("addTopicCount")), (0, Some("2")));
    assert_eq!(route_of(&mut c, "A1").unwrap().queue_datas[0].perm, 6);

    let none = c.call(request(205, &[("brokerName", "nobody")]));
    assert_eq!(none.ext("wipeTopicCount"), Some("0"));
}

#[test]
fn topic_lists_all_by_cluster_and_system() {
    let server = InProcess::start(&[]);
    let mut c = two_clusters(&server);
    assert_eq!(topics(&c.call(request(206, &[]))), ["A1", "B1", "Both"]);
    assert_eq!(
        topics(&c.call(request(224, &[("cluster", "c1")]))),
        ["A1", "Both"]
    );
    assert!(topics(&c.call(request(224, &[("cluster", "nope")]))).is_empty());
    let system = c.call(request(304, &[]));
    assert_eq!(topics(&system), ["broker-a", "broker-b", "c1", "c2"]);
    let addr = TopicList::from_json(&system.body)
        .unwrap()
        .broker_addr
        .unwrap();
    assert!(addr == "127.0.0.1:10911" || addr == "127.0.0.1:10921");
    for code in [311, 312, 313] {
        assert!(
            topics(&c.call(request(code, &[]))).is_empty(),
            "no unit topics ({code})"
        );
    }
}

#[test]
fn topic_lists_can_be_disabled_at_run_time() {
    let server = InProcess::start(&[]);
    let mut c = two_clusters(&server);
    let update = c.call(
        request(318, &[]).with_body(&b"enableAllTopicList=false\nenableTopicList=false\n"[..]),
    );
    assert_eq!(update.code, 0, "{:?}", update.remark);
    let all = c.call(request(206, &[]));
    assert_eq!((all.code, all.remark.as_deref()), (1, Some("disable")));
    assert_eq!(c.call(request(224, &[("cluster", "c1")])).code, 1);
    assert_eq!(c.call(request(311, &[])).code, 1);
    assert_eq!(
        c.call(request(304, &[])).code,
        0,
        "the system list is never gated"
    );
}

#[test]
fn delete_topic_everywhere_or_in_one_cluster() {
    let server = InProcess::start(&[]);
    let mut c = two_clusters(&server);
    assert_eq!(
        c.call(request(216, &[("topic", "Both"), ("clusterName", "c1")]))
            .code,
        0
    );
    let route = route_of(&mut c, "Both").unwrap();
    assert_eq!(route.queue_datas.len(), 1);
    assert_eq!(route.queue_datas[0].broker_name, "broker-b");
    assert_eq!(c.call(request(216, &[("topic", "Both")])).code, 0);
    assert_eq!(route_of(&mut c, "Both"), Err(17));
    assert_eq!(c.call(request(216, &[("topic", "never-existed")])).code, 0);
}

#[test]
fn register_topic_adds_queue_data_for_known_brokers_only() {
    let server = InProcess::start(&[]);
    let mut c = two_clusters(&server);
    let qd = |broker: &str| QueueData {
        broker_name: broker.into(),
        read_queue_nums: 2,
        write_queue_nums: 2,
        perm: 6,
        topic_sys_flag: 0,
    };
    let body = |qds: Vec<QueueData>| {
        TopicRouteData {
            order_topic_conf: None,
            queue_datas: qds,
            broker_datas: vec![],
            filter_server_table: Default::default(),
            topic_queue_mapping_by_broker: None,
        }
        .to_json(JsonDialect::Standard)
    };
    let ok = c.call(request(217, &[("topic", "New")]).with_body(body(vec![qd("broker-a")])));
    assert_eq!(ok.code, 0);
    assert_eq!(
        route_of(&mut c, "New").unwrap().queue_datas[0].read_queue_nums,
        2
    );
    // All or nothing for a new topic: one unknown broker name stores nothing.
    let refused = c.call(
        request(217, &[("topic", "New2")]).with_body(body(vec![qd("broker-a"), qd("ghost")])),
    );
    assert_eq!(
        refused.code, 0,
        "Java answers SUCCESS even when nothing is stored"
    );
    assert_eq!(route_of(&mut c, "New2"), Err(17));
    // No body: nothing happens, still SUCCESS.
    assert_eq!(c.call(request(217, &[("topic", "New3")])).code, 0);
    std::thread::sleep(Duration::from_millis(1));
}
