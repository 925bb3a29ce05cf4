//! Warm restart over TCP: with `routeSnapshotPath` set, a restarted server answers routes at
//! once instead of "no route" until brokers re-register, and restored brokers still expire
//! when they do not heartbeat.

mod common;

use std::time::{Duration, Instant};

use common::{eventually, route_of, with_ext, Broker, Server};

fn settings(dir: &std::path::Path) -> Vec<String> {
    vec![
        format!("routeSnapshotPath={}/routes.json", dir.display()),
        "routeSnapshotIntervalSeconds=1".into(),
        "scanNotActiveBrokerInterval=200".into(),
    ]
}

fn start(dir: tempfile::TempDir) -> Server {
    let s = settings(dir.path());
    let refs: Vec<&str> = s.iter().map(String::as_str).collect();
    Server::start_in(dir, &refs)
}

/// Registers a broker and returns its connection: closing it would unregister the broker.
fn register(server: &Server, timeout_ms: &str) -> common::Client {
    let reg = Broker::new("c", "b", "127.0.0.1:10911", 0).register(&[("A", 4, 6), ("B", 2, 6)], 3);
    let mut broker = server.client();
    let resp = broker.call(with_ext(reg, "heartbeatTimeoutMillis", Some(timeout_ms)));
    assert_eq!(resp.code, 0);
    broker
}

#[test]
fn routes_survive_a_graceful_restart_and_restored_brokers_still_expire() {
    let server = start(tempfile::tempdir().unwrap());
    let _broker = register(&server, "3000");
    let (status, dir) = server.terminate();
    assert!(status.success());
    assert!(
        dir.path().join("routes.json").exists(),
        "snapshot written on shutdown"
    );

    let restarted = Instant::now();
    let server = start(dir);
    let mut c = server.client();
    let route = route_of(&mut c, "A").expect("routes are served right after the restart");
    eprintln!(
        "first route answered {:?} after restart",
        restarted.elapsed()
    );
    assert_eq!(route.queue_datas[0].read_queue_nums, 4);
    assert_eq!(
        route_of(&mut c, "B").unwrap().queue_datas[0].read_queue_nums,
        2
    );
    // The broker never heartbeats the new process: it expires after its 3 s timeout.
    assert!(eventually(Duration::from_secs(10), || route_of(
        &mut c, "A"
    ) == Err(17)));
    assert!(
        restarted.elapsed() >= Duration::from_secs(3),
        "not before its timeout"
    );
}

#[test]
fn the_periodic_snapshot_covers_a_crash() {
    let server = start(tempfile::tempdir().unwrap());
    let _broker = register(&server, "60000");
    let snapshot = server.dir.path().join("routes.json");
    assert!(
        eventually(Duration::from_secs(5), || snapshot.exists()),
        "written within the interval"
    );
    let dir = server.kill();
    let server = start(dir);
    assert!(
        route_of(&mut server.client(), "A").is_ok(),
        "restored after SIGKILL"
    );
}

#[test]
fn without_a_snapshot_a_restart_has_no_routes_until_brokers_come_back() {
    let server = Server::start(&[]);
    let _broker = register(&server, "60000");
    let (_, dir) = server.terminate();
    let server = Server::start_in(dir, &[]);
    assert_eq!(route_of(&mut server.client(), "A"), Err(17));
}

#[test]
fn a_corrupt_snapshot_means_starting_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("routes.json"), b"{not json").unwrap();
    let server = start(dir);
    assert_eq!(route_of(&mut server.client(), "A"), Err(17));
    let _broker = register(&server, "60000");
    assert!(route_of(&mut server.client(), "A").is_ok());
}

/// A broker whose snapshot holds exactly one topic (here after an operator deleted its
/// other one) comes back: a restore is not a fresh registration, which Java refuses with
/// exactly one topic.
#[test]
fn a_broker_left_with_one_topic_survives_a_restart() {
    let server = start(tempfile::tempdir().unwrap());
    let mut broker = server.client();
    let reg =
        Broker::new("c", "wr-b", "127.0.0.1:10911", 0).register(&[("WrA", 4, 6), ("WrB", 4, 6)], 1);
    assert_eq!(
        broker
            .call(with_ext(reg, "heartbeatTimeoutMillis", Some("60000")))
            .code,
        0
    );
    let delete = common::request(216, &[("topic", "WrB")]);
    assert_eq!(server.client().call(delete).code, 0);
    let (status, dir) = server.terminate();
    assert!(status.success());

    let server = start(dir);
    let line = server.wait_for_log("routes restored");
    assert!(line.contains("brokers=1"), "{line}");
    assert!(line.contains("topics=1"), "{line}");
    assert!(line.contains("skipped=0"), "{line}");
    let mut c = server.client();
    let route = route_of(&mut c, "WrA").expect("WrA is routed after the restart");
    assert_eq!(route.broker_datas[0].broker_name, "wr-b");
    assert_eq!(route_of(&mut c, "WrB"), Err(17));
}
