//! Hostile and broken input against the real binary. Each test says what the server does
//! with it: an error response (connection kept) or a closed connection (that one only).

mod common;

use std::time::Duration;

use common::{request, route_query, Server};
use namesrv_protocol::frame::encode_frame;
use namesrv_protocol::SerializeType;

#[test]
fn unknown_code_gets_request_code_not_supported_and_the_connection_stays() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let resp = c.call(request(99999, &[]));
    assert_eq!(resp.code, 3);
    assert_eq!(
        resp.remark.as_deref(),
        Some(" request type 99999 not supported")
    );
    assert_eq!(c.call(route_query("t")).code, 17);
}

#[test]
fn missing_required_header_field_gets_system_error() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let resp = c.call(request(105, &[]));
    assert_eq!(resp.code, 1);
    assert!(resp.remark.unwrap().contains("topic"));
    let resp = c.call(request(103, &[("brokerName", "b"), ("brokerId", "zero")]));
    assert_eq!(resp.code, 1);
    assert_eq!(
        c.call(route_query("t")).code,
        17,
        "still serving this connection"
    );
}

#[test]
fn garbage_frames_close_only_their_own_connection() {
    let server = Server::start(&[]);
    let mut good = server.client();
    assert_eq!(good.call(route_query("t")).code, 17);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("negative length", vec![0xFF, 0xFF, 0xFF, 0xF0, 0, 0, 0, 0]),
        (
            "header longer than frame",
            vec![0, 0, 0, 6, 0, 0, 0, 99, b'{', b'}'],
        ),
        (
            "unknown serialize type",
            vec![0, 0, 0, 6, 7, 0, 0, 2, b'{', b'}'],
        ),
        (
            "invalid JSON header",
            vec![0, 0, 0, 6, 0, 0, 0, 2, b'{', b'x'],
        ),
        (
            "invalid binary header",
            vec![0, 0, 0, 7, 1, 0, 0, 3, 0, 1, 2],
        ),
        (
            "HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        let mut bad = server.client();
        // A valid request first, then garbage mid-stream.
        assert_eq!(bad.call(route_query("t")).code, 17);
        bad.send_raw(&bytes);
        assert!(
            bad.closed_within(Duration::from_secs(3)),
            "{what}: connection closed"
        );
        assert_eq!(
            good.call(route_query("t")).code,
            17,
            "{what}: other connection unaffected"
        );
    }
}

#[test]
fn an_oversized_frame_is_refused_from_its_length_alone() {
    let server = Server::start(&["frameMaxLength=65536"]);
    let mut bad = server.client();
    // Announce 1 GiB but send only the length: refused without waiting for the rest.
    bad.send_raw(&(1u32 << 30).to_be_bytes());
    assert!(bad.closed_within(Duration::from_secs(3)));
    let mut good = server.client();
    let big = request(100, &[("namespace", "n"), ("key", "k")]).with_body(vec![b'x'; 70_000]);
    good.send(big);
    assert!(
        good.closed_within(Duration::from_secs(3)),
        "a real frame over the limit closes too"
    );
    assert_eq!(server.client().call(route_query("t")).code, 17);
}

#[test]
fn oneway_requests_are_processed_but_never_answered() {
    let server = Server::start(&[]);
    let mut c = server.client();
    c.send(request(100, &[("namespace", "ns"), ("key", "k"), ("value", "v")]).oneway());
    c.send(request(99999, &[]).oneway());
    // The next answer we read belongs to this request: nothing was written for the two above.
    let opaque = c.send(request(101, &[("namespace", "ns"), ("key", "k")]));
    let resp = c.read().unwrap();
    assert_eq!(resp.opaque, opaque);
    assert_eq!(resp.ext("value"), Some("v"));
}

#[test]
fn a_binary_header_request_is_answered_in_binary_and_json_in_json() {
    let server = Server::start(&[]);
    let mut c = server.client();
    c.set_encoding(SerializeType::RocketMq);
    let resp = c.call(route_query("t"));
    assert_eq!(resp.serialize_type, SerializeType::RocketMq);
    assert_eq!(resp.code, 17);
    c.set_encoding(SerializeType::Json);
    assert_eq!(c.call(route_query("t")).serialize_type, SerializeType::Json);
}

#[test]
fn json_replies_can_be_forced_like_java() {
    let server = Server::start(&["serializeType=JSON"]);
    let mut c = server.client();
    c.set_encoding(SerializeType::RocketMq);
    assert_eq!(c.call(route_query("t")).serialize_type, SerializeType::Json);
}

#[test]
fn response_frames_from_a_peer_are_ignored() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let mut stray = request(0, &[]);
    stray.flag = 1;
    c.send_raw(&encode_frame(&stray).unwrap());
    assert_eq!(c.call(route_query("t")).code, 17);
}

#[test]
fn many_requests_in_flight_on_one_connection_are_all_answered() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let mut sent = std::collections::HashSet::new();
    for i in 0..200 {
        sent.insert(c.send(route_query(&format!("t{i}"))));
    }
    while !sent.is_empty() {
        let resp = c.read().expect("all answers arrive");
        assert!(sent.remove(&resp.opaque), "each opaque answered once");
    }
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let server = Server::start(&[]);
    let (status, _dir) = server.terminate();
    assert!(status.success());
}

#[test]
fn connections_past_the_limit_are_closed_and_the_rest_keep_working() {
    let server = Server::start(&["maxConnections=3"]);
    let mut kept: Vec<common::Client> = (0..3).map(|_| server.client()).collect();
    for c in &mut kept {
        assert_eq!(c.call(route_query("t")).code, 17);
    }
    let mut extra = server.client();
    assert!(
        extra.closed_within(Duration::from_secs(3)),
        "the 4th connection is closed"
    );
    assert_eq!(
        kept[0].call(route_query("t")).code,
        17,
        "the first three are unaffected"
    );
    // A slot freed by a closing connection is available again.
    drop(kept.pop());
    assert!(common::eventually(Duration::from_secs(5), || {
        let mut again = server.client();
        again
            .stream()
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let opaque = again.send(route_query("t"));
        matches!(again.read(), Some(r) if r.opaque == opaque)
    }));
}

#[test]
fn a_pipelining_peer_past_its_in_flight_limit_gets_system_busy_not_a_queue() {
    let server = Server::start(&["maxInFlightPerConnection=1"]);
    let mut c = server.client();
    let n = 50;
    let mut frames = Vec::new();
    for i in 0..n {
        let k = format!("k{i}");
        let mut put = request(100, &[("namespace", "ns"), ("key", &k), ("value", "v")]);
        put.opaque = i + 1;
        frames.extend_from_slice(&encode_frame(&put).unwrap());
    }
    // All 50 in one write: the session sees them before the first KV write completes.
    c.send_raw(&frames);
    let (mut ok, mut busy) = (0, 0);
    for _ in 0..n {
        let resp = c.read().expect("every request is answered");
        match resp.code {
            0 => ok += 1,
            2 => {
                assert_eq!(
                    resp.remark.as_deref(),
                    Some("[OVERLOAD]system busy, start flow control for a while")
                );
                busy += 1
            }
            other => panic!("unexpected code {other}"),
        }
    }
    assert!(ok >= 1 && busy >= 1, "ok {ok}, busy {busy}");
    assert_eq!(
        c.call(route_query("t")).code,
        17,
        "the connection is still usable"
    );
}

#[test]
fn a_frame_dripped_too_slowly_closes_that_connection() {
    let server = Server::start(&["frameReadTimeoutMillis=1000"]);
    let mut slow = server.client();
    let frame = encode_frame(&route_query("t")).unwrap();
    let mut good = server.client();
    let started = std::time::Instant::now();
    // One byte every 300 ms: never idle, never finished.
    let mut closed = false;
    for byte in frame.iter().take(20) {
        if slow.try_send_raw(&[*byte]).is_err() {
            closed = true;
            break;
        }
        assert_eq!(
            good.call(route_query("t")).code,
            17,
            "others are served meanwhile"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        closed || slow.closed_within(Duration::from_secs(3)),
        "the slow frame's connection is closed"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let server = Server::start(&["serverChannelMaxIdleTimeSeconds=1"]);
    let mut idle = server.client();
    assert_eq!(idle.call(route_query("t")).code, 17);
    assert!(
        idle.closed_within(Duration::from_secs(4)),
        "closed after ~1 s of silence"
    );
}

#[test]
fn a_peer_that_never_reads_its_answers_is_closed_not_buffered() {
    let server = Server::start(&["maxWriteBacklogBytes=65536", "httpPort=0"]);
    let mut stuck = server.client();
    let mut frames = Vec::new();
    for i in 0..1000 {
        let mut query = route_query("t");
        query.opaque = i + 1;
        frames.extend_from_slice(&encode_frame(&query).unwrap());
    }
    // Requests keep coming, answers are never read: beyond what the kernel's socket buffers
    // hold, the answers would pile up in the server. Bounded: 400 batches (~60 MB of
    // answers) or 30 s.
    stuck
        .stream()
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut refused = false;
    for _ in 0..400 {
        if stuck.try_send_raw(&frames).is_err() || started.elapsed() > Duration::from_secs(30) {
            refused = true;
            break;
        }
    }
    assert!(
        refused || stuck.closed_within(Duration::from_secs(5)),
        "the connection that never reads is closed"
    );
    let mut other = server.client();
    assert_eq!(other.call(route_query("t")).code, 17, "others are served");
    let text = server.metrics_text();
    assert!(
        text.lines()
            .any(|l| l.starts_with("namesrv_connections_closed_slow_reader_total 1")),
        "counted as a slow reader"
    );
}
