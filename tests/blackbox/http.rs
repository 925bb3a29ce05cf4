//! The optional HTTP endpoint against the real binary: Prometheus metrics that count what
//! the server did, the health and readiness probes, and the writes (drain, undrain) held to
//! the admin policy.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{request, route_query, Broker, Server};

/// A plain HTTP/1.1 request without a body; returns (status, body).
fn http(addr: &str, method: &str, path: &str) -> (u16, String) {
    http_with(addr, method, path, &[])
}

/// The same with extra headers.
fn http_with(addr: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: test\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn get(addr: &str, path: &str) -> (u16, String) {
    http(addr, "GET", path)
}

fn post(addr: &str, path: &str) -> u16 {
    http(addr, "POST", path).0
}

fn http_addr(server: &Server) -> String {
    server
        .startup_log
        .iter()
        .find_map(|l| l.split("at http://").nth(1))
        .expect("the HTTP endpoint's address is logged")
        .trim()
        .to_owned()
}

fn metric(body: &str, series: &str) -> f64 {
    body.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("series {series} in\n{body}"))
}

#[test]
fn metrics_count_requests_responses_brokers_and_cache_hits() {
    let server = Server::start(&["httpPort=0"]);
    let http = http_addr(&server);
    let mut broker = server.client();
    let reg = Broker::new("c", "b", "127.0.0.1:10911", 0).register(&[("A", 4, 6), ("B", 4, 6)], 1);
    assert_eq!(broker.call(reg).code, 0);
    let mut c = server.client();
    for _ in 0..5 {
        assert_eq!(c.call(route_query("A")).code, 0);
    }
    assert_eq!(c.call(route_query("missing")).code, 17);
    assert_eq!(c.call(request(99999, &[])).code, 3);
    let mut binary = server.client();
    binary.set_encoding(namesrv_protocol::SerializeType::RocketMq);
    assert_eq!(binary.call(route_query("A")).code, 0);

    let (status, body) = get(&http, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(
        metric(
            &body,
            "namesrv_requests_total{code=\"GET_ROUTEINFO_BY_TOPIC\"}"
        ),
        7.0
    );
    assert_eq!(
        metric(
            &body,
            "namesrv_requests_by_header_encoding_total{encoding=\"rocketmq\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &body,
            "namesrv_requests_by_header_encoding_total{encoding=\"json\"}"
        ),
        8.0
    );
    assert_eq!(
        metric(&body, "namesrv_requests_total{code=\"REGISTER_BROKER\"}"),
        1.0
    );
    assert_eq!(
        metric(&body, "namesrv_requests_total{code=\"UNKNOWN\"}"),
        1.0
    );
    assert_eq!(
        metric(&body, "namesrv_responses_total{code=\"TOPIC_NOT_EXIST\"}"),
        1.0
    );
    assert_eq!(
        metric(
            &body,
            "namesrv_responses_total{code=\"REQUEST_CODE_NOT_SUPPORTED\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(&body, "namesrv_route_cache_total{result=\"miss\"}"),
        1.0
    );
    assert_eq!(
        metric(&body, "namesrv_route_cache_total{result=\"hit\"}"),
        5.0
    );
    assert_eq!(metric(&body, "namesrv_live_brokers"), 1.0);
    assert_eq!(metric(&body, "namesrv_topics"), 2.0);
    assert_eq!(metric(&body, "namesrv_connections"), 3.0);
    assert_eq!(
        metric(
            &body,
            "namesrv_request_duration_seconds_count{code=\"GET_ROUTEINFO_BY_TOPIC\"}"
        ),
        7.0
    );

    drop(broker);
    assert!(common::eventually(
        std::time::Duration::from_secs(5),
        || {
            let (_, body) = get(&http, "/metrics");
            metric(&body, "namesrv_live_brokers") == 0.0
                && metric(
                    &body,
                    "namesrv_broker_unregistrations_total{cause=\"connection_closed\"}",
                ) == 1.0
        }
    ));
}

#[test]
fn health_readiness_and_unknown_paths() {
    let server = Server::start(&["httpPort=0"]);
    let http = http_addr(&server);
    assert_eq!(get(&http, "/healthz"), (200, "ok\n".to_owned()));
    assert_eq!(get(&http, "/readyz").0, 200);
    assert_eq!(get(&http, "/nope").0, 404);
    // A known path with the wrong method is 405, not 404.
    assert_eq!(post(&http, "/metrics"), 405);
    assert_eq!(http_addr_method(&http, "DELETE", "/readyz"), 405);
    assert_eq!(get(&http, "/drain").0, 405);
    assert_eq!(
        get(&http, "/readyz").0,
        200,
        "the wrong method changed nothing"
    );
}

fn http_addr_method(addr: &str, method: &str, path: &str) -> u16 {
    http(addr, method, path).0
}

#[test]
fn the_address_server_answer_lists_the_replicas() {
    let server = Server::start(&[
        "httpPort=0",
        "addressServerList=127.0.0.1:9876;127.0.0.2:9876",
    ]);
    let http = http_addr(&server);
    assert_eq!(
        get(&http, "/rocketmq/nsaddr"),
        (200, "127.0.0.1:9876;127.0.0.2:9876".to_owned())
    );
    let plain = Server::start(&["httpPort=0"]);
    assert_eq!(
        get(&http_addr(&plain), "/rocketmq/nsaddr").0,
        404,
        "not configured"
    );
}

#[test]
fn the_endpoint_is_off_by_default() {
    let server = Server::start(&[]);
    assert!(server.startup_log.iter().all(|l| !l.contains("http://")));
}

#[test]
fn a_draining_replica_turns_clients_away_but_keeps_serving_brokers() {
    use std::time::Duration;
    let server = Server::start(&["httpPort=0"]);
    let http = http_addr(&server);
    let mut broker = server.client();
    let b = Broker::new("c", "b", "127.0.0.1:10911", 0);
    assert_eq!(
        broker.call(b.register(&[("A", 4, 6), ("B", 4, 6)], 1)).code,
        0
    );

    server.signal("USR1");
    assert!(common::eventually(Duration::from_secs(5), || get(
        &http, "/readyz"
    )
    .0 == 503));
    // A client newer than V5_3_1 gets GO_AWAY, an older one SYSTEM_ERROR; both connections close.
    let mut new_client = server.client();
    let resp = new_client.call(route_query("A"));
    assert_eq!(
        (resp.code, resp.remark.as_deref()),
        (1500, Some("please go away"))
    );
    assert!(new_client.closed_within(Duration::from_secs(3)));
    let mut old_client = server.client();
    let mut old = route_query("A");
    old.version = 401;
    assert_eq!(old_client.call(old).code, 1);
    assert!(old_client.closed_within(Duration::from_secs(3)));
    // Brokers are still served, so the replica's routes stay current.
    assert_eq!(
        broker
            .call(b.register(&[("A", 4, 6), ("B", 4, 6), ("C", 4, 6)], 2))
            .code,
        0
    );

    server.signal("USR2");
    assert!(common::eventually(Duration::from_secs(5), || get(
        &http, "/readyz"
    )
    .0 == 200));
    assert_eq!(server.client().call(route_query("C")).code, 0);

    assert_eq!(post(&http, "/drain"), 200);
    assert_eq!(server.client().call(route_query("A")).code, 1500);
    assert_eq!(post(&http, "/undrain"), 200);
    assert_eq!(server.client().call(route_query("A")).code, 0);
}

#[test]
fn every_limit_hit_is_counted_in_its_metric() {
    let server = Server::start(&[
        "httpPort=0",
        "maxConnections=2",
        "maxInFlightPerConnection=1",
        "serverChannelMaxIdleTimeSeconds=1",
        "frameReadTimeoutMillis=1000",
    ]);
    let web = http_addr(&server);
    let counter = |name: &str| metric(&get(&web, "/metrics").1, name);

    // maxConnections: the third connection is closed at accept.
    let mut first = server.client();
    let _second = server.client();
    let mut third = server.client();
    assert!(third.closed_within(std::time::Duration::from_secs(3)));
    assert!(counter("namesrv_connections_refused_total") >= 1.0);

    // maxInFlightPerConnection: a burst of pipelined KV writes gets SYSTEM_BUSY for the excess.
    let mut burst = Vec::new();
    for i in 0..50 {
        let key = format!("k{i}");
        let mut put = request(100, &[("namespace", "ns"), ("key", &key), ("value", "v")]);
        put.opaque = i + 1;
        burst.extend_from_slice(&namesrv_protocol::frame::encode_frame(&put).unwrap());
    }
    first.send_raw(&burst);
    let busy = (0..50)
        .filter(|_| first.read().expect("answered").code == 2)
        .count();
    assert!(busy >= 1, "some writes were turned away");
    assert_eq!(counter("namesrv_requests_busy_total"), busy as f64);

    // A garbage frame closes its connection.
    first.send_raw(&[0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
    assert!(first.closed_within(std::time::Duration::from_secs(3)));
    assert!(common::eventually(
        std::time::Duration::from_secs(3),
        || { counter("namesrv_connections_closed_bad_frame_total") >= 1.0 }
    ));

    // The idle timeout closes a silent connection (a slot is free again after the closes).
    let mut idle = None;
    assert!(common::eventually(
        std::time::Duration::from_secs(5),
        || {
            let mut c = server.client();
            let opaque = c.send(route_query("t"));
            let answered = matches!(c.read(), Some(r) if r.opaque == opaque);
            if answered {
                idle = Some(c);
            }
            answered
        }
    ));
    assert!(idle
        .as_mut()
        .expect("connected")
        .closed_within(std::time::Duration::from_secs(4)));
    assert!(common::eventually(
        std::time::Duration::from_secs(3),
        || { counter("namesrv_connections_closed_idle_total") >= 1.0 }
    ));
}

#[test]
fn logs_written_to_a_pipe_carry_no_colour_escapes() {
    let server = Server::start(&["httpPort=0"]);
    assert!(!server.startup_log.is_empty());
    for line in &server.startup_log {
        assert!(!line.contains('\u{1b}'), "escape in {line:?}");
    }
}

/// With `goAwayOnShutdown=true`, a server told to stop sends clients newer than 5.3.1 away
/// with GO_AWAY (and closes their connection); an older client, which does not know
/// GO_AWAY, is still answered.
#[test]
fn a_stopping_server_sends_new_clients_away() {
    use std::time::Duration;
    let server = Server::start(&["goAwayOnShutdown=true"]);
    let mut b = server.client();
    assert_eq!(
        b.call(
            Broker::new("c", "b", "127.0.0.1:10911", 0).register(&[("A", 4, 6), ("B", 4, 6)], 1)
        )
        .code,
        0
    );
    let mut new_client = server.client();
    let mut old_client = server.client();
    assert_eq!(new_client.call(route_query("A")).code, 0);
    server.signal("TERM");
    server.wait_for_log("shutting down");
    // The shutdown (snapshot, KV flush, letting answers out) outlasts this call.
    let resp = new_client.call(route_query("A"));
    assert_eq!(
        (resp.code, resp.remark.as_deref()),
        (1500, Some("please go away"))
    );
    assert!(new_client.closed_within(Duration::from_secs(3)));
    // An old client is answered as usual, unless the server is already gone.
    let mut old = route_query("A");
    old.version = 401;
    old_client.send(old);
    if let Some(resp) = old_client.read() {
        assert_eq!(resp.code, 0, "an old client is served, not sent away");
    }
}

#[test]
fn by_default_a_stopping_server_serves_new_clients_as_usual() {
    // The default.
    let server = Server::start(&[]);
    let mut b = server.client();
    assert_eq!(
        b.call(
            Broker::new("c", "b", "127.0.0.1:10911", 0).register(&[("A", 4, 6), ("B", 4, 6)], 1)
        )
        .code,
        0
    );
    let mut new_client = server.client();
    assert_eq!(new_client.call(route_query("A")).code, 0);
    server.signal("TERM");
    server.wait_for_log("clients are served until the exit (goAwayOnShutdown=false)");
    // The same window in which `a_stopping_server_sends_new_clients_away` gets GO_AWAY.
    let resp = new_client.call(route_query("A"));
    assert_eq!(resp.code, 0, "served, not sent away: {:?}", resp.remark);
    assert!(!resp.body.is_empty(), "with the route");
}

/// A server whose admin policy admits `admin_addresses` and the access key
/// `ops-ak`/`ops-secret`.
fn server_with_policy(admin_addresses: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("credentials.properties");
    std::fs::write(&keys, "ops-ak=ops-secret\n").unwrap();
    let keys = format!("authCredentialsFile={}", keys.display());
    let addresses = format!("authAdminAddresses={admin_addresses}");
    Server::start_in(dir, &["httpPort=0", &addresses, &keys])
}

/// The headers of a signed HTTP write, signed now.
fn signed(method: &str, path: &str, access_key: &str, secret: &str) -> Vec<(String, String)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let signature = namesrv_actors::auth::sign_http(method, path, &now, secret);
    vec![
        ("AccessKey".into(), access_key.into()),
        ("Timestamp".into(), now),
        ("Signature".into(), signature),
    ]
}

fn post_signed(addr: &str, path: &str, access_key: &str, secret: &str) -> u16 {
    let headers = signed("POST", path, access_key, secret);
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    http_with(addr, "POST", path, &headers).0
}

#[test]
fn under_an_admin_policy_drain_needs_an_admin_address_or_a_signature() {
    use std::time::Duration;
    // 127.0.0.1 is not an admin address here (10.9.9.9 is never contacted).
    let server = server_with_policy("10.9.9.9/32");
    let http = http_addr(&server);
    assert!(
        server
            .startup_log
            .iter()
            .all(|l| !l.contains("HTTP writes are unprotected")),
        "no warning when a policy holds the writes"
    );

    assert_eq!(post(&http, "/drain"), 403);
    assert_eq!(post(&http, "/undrain"), 403);
    assert_eq!(
        get(&http, "/readyz").0,
        200,
        "the refused drain did nothing"
    );
    assert_eq!(
        server.client().call(route_query("A")).code,
        17,
        "still serving"
    );
    assert!(
        common::eventually(Duration::from_secs(5), || server
            .log
            .try_iter()
            .any(|l| l.contains("HTTP write refused") && l.contains("no AccessKey"))),
        "the refusal is logged with its reason"
    );
    assert_eq!(
        post_signed(&http, "/drain", "ops-ak", "guessed"),
        403,
        "wrong secret"
    );
    assert_eq!(post_signed(&http, "/drain", "nobody", "ops-secret"), 403);
    // A signature is for one path: /undrain's does not drain.
    let for_undrain = signed("POST", "/undrain", "ops-ak", "ops-secret");
    let for_undrain: Vec<(&str, &str)> = for_undrain
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(http_with(&http, "POST", "/drain", &for_undrain).0, 403);
    assert_eq!(get(&http, "/readyz").0, 200);

    let (_, metrics) = get(&http, "/metrics");
    assert_eq!(
        metric(
            &metrics,
            "namesrv_auth_rejections_total{reason=\"no_credentials\"}"
        ),
        2.0
    );
    assert_eq!(
        metric(
            &metrics,
            "namesrv_auth_rejections_total{reason=\"bad_signature\"}"
        ),
        2.0
    );
    assert_eq!(
        metric(
            &metrics,
            "namesrv_auth_rejections_total{reason=\"unknown_access_key\"}"
        ),
        1.0
    );

    assert_eq!(post_signed(&http, "/drain", "ops-ak", "ops-secret"), 200);
    assert_eq!(get(&http, "/readyz").0, 503, "drained");
    assert_eq!(server.client().call(route_query("A")).code, 1500);
    assert_eq!(post_signed(&http, "/undrain", "ops-ak", "ops-secret"), 200);
    assert_eq!(get(&http, "/readyz").0, 200);

    // The reads stay open to anyone.
    assert_eq!(get(&http, "/healthz").0, 200);
    assert_eq!(get(&http, "/metrics").0, 200);
}

#[test]
fn an_admin_address_drains_without_credentials() {
    let server = server_with_policy("127.0.0.1/32");
    let http = http_addr(&server);
    assert_eq!(post(&http, "/drain"), 200);
    assert_eq!(get(&http, "/readyz").0, 503);
    assert_eq!(post(&http, "/undrain"), 200);
    assert_eq!(get(&http, "/readyz").0, 200);
}

#[test]
fn without_a_policy_the_open_writes_are_warned_about_at_start() {
    let server = Server::start(&["httpPort=0"]);
    assert!(
        server
            .startup_log
            .iter()
            .any(|l| l.contains("HTTP writes are unprotected")),
        "{:?}",
        server.startup_log
    );
    let http = http_addr(&server);
    assert_eq!(post(&http, "/drain"), 200, "today's behaviour is kept");
    assert_eq!(post(&http, "/undrain"), 200);
}
