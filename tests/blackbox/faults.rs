//! Faults against the real binary: a SIGKILL in the middle of a KV write storm, brokers
//! flapping (registering, dropping their connections, coming back) in numbers, and a
//! connection flood far past `maxConnections`.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{eventually, request, route_of, route_query, Broker, Server};
use namesrv_protocol::body::{ClusterInfo, JsonBody, KvConfigFile};

#[test]
fn sigkill_during_a_kv_write_storm_loses_no_acknowledged_write_and_never_corrupts_the_file() {
    for round in 0..3 {
        let server = Server::start(&[]);
        let acked: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let addr = server.addr.clone();
                let acked = acked.clone();
                std::thread::spawn(move || {
                    let mut c = common::Client::connect(&addr);
                    for i in 0..10_000 {
                        let (k, v) = (format!("w{w}-k{}", i % 50), format!("v{i}"));
                        let mut put =
                            request(100, &[("namespace", "storm"), ("key", &k), ("value", &v)]);
                        let opaque = i + 1;
                        put.opaque = opaque;
                        if c.try_send(put).is_err() {
                            return; // the server died
                        }
                        match c.read() {
                            Some(r) if r.opaque == opaque && r.code == 0 => {
                                acked.lock().unwrap().insert(k, v);
                            }
                            _ => return, // the server died mid-request
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(300 + 200 * round));
        let dir = server.kill();
        for w in writers {
            w.join().unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            !acked.is_empty(),
            "some writes were acknowledged before the kill"
        );

        let bytes = std::fs::read(dir.path().join("kvConfig.json")).unwrap();
        let file = KvConfigFile::from_json(&bytes).expect("the file is whole, never half-written");
        let stored = &file.config_table["storm"];
        for (k, v) in &acked {
            // A later write to the same key may have reached the disk without its ack.
            let on_disk = stored
                .get(k)
                .unwrap_or_else(|| panic!("acknowledged key {k} lost"));
            let n = |s: &str| s[1..].parse::<u64>().unwrap();
            assert!(
                n(on_disk) >= n(v),
                "key {k}: acknowledged {v}, on disk {on_disk}"
            );
        }
        // And the restarted server serves them.
        let server = Server::start_in(dir, &[]);
        let mut c = server.client();
        let (k, _) = acked.iter().next().unwrap();
        assert_eq!(
            c.call(request(101, &[("namespace", "storm"), ("key", k)]))
                .code,
            0
        );
    }
}

#[test]
fn a_thousand_flapping_brokers_settle_to_exactly_the_connected_ones() {
    let server = Server::start(&[]);
    let n = 1000;
    let broker = |i: usize| {
        Broker::new(
            "flap",
            &format!("b{i}"),
            &format!("127.0.0.1:{}", 30_000 + i),
            0,
        )
    };
    // Each broker registers over its own connection; half of them then drop it.
    let mut conns: Vec<Option<common::Client>> = (0..n)
        .map(|i| {
            let mut c = server.client();
            assert_eq!(
                c.call(broker(i).register(&[("Shared", 1, 6), (&format!("own{i}"), 1, 6)], 1))
                    .code,
                0
            );
            Some(c)
        })
        .collect();
    for round in 0..3 {
        for (i, conn) in conns.iter_mut().enumerate() {
            if (i + round) % 2 == 0 {
                *conn = None; // connection closed: unregistered at once
            } else if conn.is_none() {
                let mut c = server.client();
                let reg = broker(i).register(
                    &[("Shared", 1, 6), (&format!("own{i}"), 1, 6)],
                    round as i64 + 2,
                );
                assert_eq!(c.call(reg).code, 0);
                *conn = Some(c);
            }
        }
    }
    let connected: Vec<usize> = (0..n).filter(|i| conns[*i].is_some()).collect();
    let mut probe = server.client();
    assert!(eventually(Duration::from_secs(10), || {
        let info = ClusterInfo::from_json(&probe.call(request(106, &[])).body).unwrap();
        info.broker_addr_table.len() == connected.len()
    }));
    let route = route_of(&mut probe, "Shared").unwrap();
    assert_eq!(route.broker_datas.len(), connected.len());
    assert!(route_of(&mut probe, &format!("own{}", connected[0])).is_ok());
    let gone = (0..n).find(|i| conns[*i].is_none()).unwrap();
    assert_eq!(route_of(&mut probe, &format!("own{gone}")), Err(17));
}

#[test]
fn a_connection_flood_past_the_limit_leaves_established_clients_served() {
    let server = Server::start(&["maxConnections=64"]);
    let mut steady = server.client();
    assert_eq!(steady.call(route_query("t")).code, 17);

    // 8 threads open 250 connections each as fast as they can, holding them (2,000 in all,
    // 31x the limit), while the established client keeps asking.
    let addr = server.addr.clone();
    let flooders: Vec<_> = (0..8)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut held = Vec::new();
                for _ in 0..250 {
                    if let Ok(s) = std::net::TcpStream::connect(&addr) {
                        held.push(s);
                    }
                }
                std::thread::sleep(Duration::from_millis(500));
                held.len()
            })
        })
        .collect();
    for _ in 0..50 {
        assert_eq!(steady.call(route_query("t")).code, 17, "still answered");
        std::thread::sleep(Duration::from_millis(10));
    }
    let connected: usize = flooders.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(connected > 0, "the flood really connected");

    // Once the flood is gone, slots are free again.
    assert!(eventually(Duration::from_secs(5), || {
        let mut c = server.client();
        c.stream()
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let opaque = c.send(route_query("t"));
        matches!(c.read(), Some(r) if r.opaque == opaque)
    }));
}
