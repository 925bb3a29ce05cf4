//! The PROXY protocol on the remoting port against the real binary: a real HAProxy in front
//! of it sending v1 (`send-proxy`) and v2 (`send-proxy-v2`, with LOCAL health checks),
//! routes and KV through it; the client address a preamble names used for the admin policy
//! only from a proxy in `proxyProtocolTrustedAddresses`; preambles before TLS; malformed
//! preambles closing only their own connection.
//!
//! Different loopback addresses tell the parties apart: the test's clients connect from
//! 127.0.0.5, HAProxy connects to us from 127.0.0.3 (`source`), a forger from 127.0.0.4.
//! HAProxy (`common/haproxy.rs`) listens on reserved ports and is killed with its fixture.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::haproxy::Haproxy;
use common::pki::Pki;
use common::{eventually, request, route_of, route_query, Broker, Client, Server};
use namesrv_protocol::frame::encode_frame;
use namesrv_protocol::proxy_protocol::{ProxyHeader, ProxySource, ProxyVersion};
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio_util::codec::Decoder;

const NO_PERMISSION: i32 = 16;
const CLIENT_IP: &str = "127.0.0.5";
const PROXY_IP: &str = "127.0.0.3";
const FORGER_IP: &str = "127.0.0.4";

/// A TCP connection to `addr` from the local address `from`.
fn connect_from(from: &str, addr: &str) -> TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(format!("{from}:0").parse().unwrap())
            .expect("bind a loopback source address");
        socket.connect(addr.parse().unwrap()).await
    });
    let stream = stream
        .unwrap_or_else(|e| panic!("connect to {addr} from {from}: {e}"))
        .into_std()
        .unwrap();
    stream.set_nonblocking(false).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

fn client_from(from: &str, addr: &str) -> Client {
    Client::from_stream(connect_from(from, addr))
}

fn kv_put(key: &str, value: &str) -> RemotingCommand {
    request(100, &[("namespace", "ns"), ("key", key), ("value", value)])
}

fn kv_get(c: &mut Client, key: &str) -> Option<String> {
    let answer = c.call(request(101, &[("namespace", "ns"), ("key", key)]));
    (answer.code == 0).then(|| answer.ext("value").unwrap_or_default().to_owned())
}

fn preamble(version: ProxyVersion, client: &str, destination: &str) -> Vec<u8> {
    ProxyHeader {
        version,
        source: ProxySource::Inet {
            client: client.parse().unwrap(),
            destination: destination.parse().unwrap(),
        },
        tlvs: vec![],
    }
    .encode()
}

#[test]
fn routes_and_kv_through_a_real_haproxy_with_v1_and_v2() {
    let server = Server::start(&["httpPort=0"]);
    let broker = Broker::new("DefaultCluster", "broker-a", "127.0.0.1:10911", 0);
    // The broker's connection stays open: closing it would unregister the broker.
    let mut broker_connection = server.client();
    assert_eq!(
        broker_connection
            .call(broker.register(&[("TopicProxy", 4, 6), ("TopicOther", 4, 6)], 1))
            .code,
        0
    );
    let haproxy = Haproxy::start(&[
        format!("{} send-proxy source {PROXY_IP}", server.addr),
        format!(
            "{} send-proxy-v2 source {PROXY_IP} check check-send-proxy inter 200ms",
            server.addr
        ),
    ]);

    for (frontend, version) in haproxy.frontends.iter().zip(["v1", "v2"]) {
        // HAProxy's readiness probe was relayed too: count from here.
        let series = format!("namesrv_proxy_preambles_total{{kind=\"{version}\"}}");
        let before = server.metric(&series);
        let mut c = client_from(CLIENT_IP, frontend);
        let route = route_of(&mut c, "TopicProxy").expect("a route through HAProxy");
        assert_eq!(route.queue_datas.len(), 1, "{version}");
        assert_eq!(route.broker_datas[0].broker_name, "broker-a");
        let key = format!("via-{version}");
        assert_eq!(c.call(kv_put(&key, version)).code, 0, "{version}");
        assert_eq!(kv_get(&mut c, &key).as_deref(), Some(version));
        // Many requests on one relayed connection, and a second connection.
        for _ in 0..50 {
            assert_eq!(c.call(route_query("TopicProxy")).code, 0);
        }
        let mut again = client_from(CLIENT_IP, frontend);
        assert_eq!(kv_get(&mut again, &key).as_deref(), Some(version));
        assert_eq!(
            server.metric(&series) - before,
            2.0,
            "one preamble per relayed connection"
        );
    }
    assert!(
        eventually(Duration::from_secs(5), || server
            .metric("namesrv_proxy_preambles_total{kind=\"v2_local\"}")
            >= 2.0),
        "HAProxy's health checks send v2 LOCAL preambles"
    );
    let text = server.metrics_text();
    assert!(
        !text.contains("namesrv_proxy_preambles_rejected_total{"),
        "no preamble was refused: {text}"
    );
    assert_eq!(
        server.metric("namesrv_connections_closed_bad_frame_total"),
        0.0,
        "health checks are not mistaken for bad frames"
    );
    let direct = server.client().call(route_query("TopicProxy"));
    assert_eq!(direct.code, 0, "connections without a preamble as before");
}

#[test]
fn a_claimed_admin_address_counts_only_from_a_trusted_proxy() {
    let admin = format!("authAdminAddresses={CLIENT_IP}");
    let untrusting = Server::start(&[admin.as_str()]);
    let trusted = format!("proxyProtocolTrustedAddresses={PROXY_IP}/32");
    let trusting = Server::start(&[admin.as_str(), trusted.as_str()]);
    let haproxy = Haproxy::start(&[
        format!("{} send-proxy-v2 source {PROXY_IP}", untrusting.addr),
        format!("{} send-proxy source {PROXY_IP}", trusting.addr),
        format!("{} send-proxy-v2 source {PROXY_IP}", trusting.addr),
    ]);

    let mut c = client_from(CLIENT_IP, &haproxy.frontends[0]);
    let refused = c.call(kv_put("k", "via-untrusted"));
    assert_eq!(refused.code, NO_PERMISSION, "the proxy is not trusted");
    let line = untrusting.wait_for_log("admin request refused");
    assert!(
        line.contains(&format!("{CLIENT_IP}:")) && line.contains(&format!("via {PROXY_IP}:")),
        "the log names the client and the proxy: {line}"
    );
    assert!(line.contains("proxyProtocolTrustedAddresses"), "{line}");
    assert_eq!(
        c.call(route_query("T")).code,
        17,
        "the connection lives on and reads stay open"
    );

    for frontend in &haproxy.frontends[1..] {
        let mut c = client_from(CLIENT_IP, frontend);
        assert_eq!(c.call(kv_put("k", frontend)).code, 0, "trusted: {frontend}");
        assert_eq!(kv_get(&mut c, "k").as_deref(), Some(frontend.as_str()));
    }

    // Anyone else claiming the admin address is judged by their own.
    let destination = trusting.addr.clone();
    for version in [ProxyVersion::V1, ProxyVersion::V2] {
        let mut forger = client_from(FORGER_IP, &trusting.addr);
        forger.send_raw(&preamble(
            version,
            &format!("{CLIENT_IP}:4000"),
            &destination,
        ));
        assert_eq!(
            forger.call(kv_put("k", "forged")).code,
            NO_PERMISSION,
            "{version:?}"
        );
    }
    // The trusted proxy's own address is not an admin one: a LOCAL preamble names no client.
    let mut local = client_from(PROXY_IP, &trusting.addr);
    local.send_raw(
        &ProxyHeader {
            version: ProxyVersion::V2,
            source: ProxySource::Local,
            tlvs: vec![],
        }
        .encode(),
    );
    assert_eq!(local.call(kv_put("k", "local")).code, NO_PERMISSION);
    let mut direct = client_from(CLIENT_IP, &trusting.addr);
    assert_eq!(
        kv_get(&mut direct, "k").as_deref(),
        Some(haproxy.frontends[2].as_str())
    );
}

#[test]
fn malformed_slow_and_oversized_preambles_close_only_their_connection() {
    let server = Server::start(&["httpPort=0"]);
    let mut bystander = server.client();
    assert_eq!(bystander.call(route_query("T")).code, 17);

    let mut long_line = b"PROXY UNKNOWN ".to_vec();
    long_line.resize(200, b'x');
    let mut bad_v2 = preamble(ProxyVersion::V2, "10.0.0.1:1", "10.0.0.2:2");
    bad_v2[12] = 0x31;
    let cases: [(&[u8], &str); 4] = [
        (
            b"PROXY TCP4 10.0.0.1 not-an-address 1 2\r\n",
            "v1_malformed",
        ),
        (&long_line, "v1_too_long"),
        (b"PROXX TCP4", "signature"),
        (&bad_v2, "v2_version"),
    ];
    for (bytes, reason) in cases {
        let mut c = client_from(CLIENT_IP, &server.addr);
        c.send_raw(bytes);
        let _ = c.try_send_raw(&encode_frame(&route_query("T")).unwrap());
        assert!(c.closed_within(Duration::from_secs(5)), "{reason}");
        let series = format!("namesrv_proxy_preambles_rejected_total{{reason=\"{reason}\"}}");
        assert_eq!(server.metric(&series), 1.0, "{reason}");
    }
    let line = server.wait_for_log("bad PROXY protocol preamble");
    assert!(line.contains(CLIENT_IP), "{line}");

    // Half a preamble, then silence: closed after the 10 s preamble deadline.
    let mut slow = client_from(CLIENT_IP, &server.addr);
    slow.send_raw(b"PROXY TCP4 10.0.0.1");
    assert!(slow.closed_within(Duration::from_secs(15)));
    assert_eq!(
        server.metric("namesrv_proxy_preambles_rejected_total{reason=\"timed_out\"}"),
        1.0
    );

    assert_eq!(bystander.call(route_query("T")).code, 17, "others live on");
}

#[test]
fn a_preamble_split_from_its_frame_or_sharing_its_segment_is_read() {
    let server = Server::start(&[]);
    let header = preamble(ProxyVersion::V2, "203.0.113.7:51234", &server.addr);
    let frame = encode_frame(&route_query("T")).unwrap();

    let mut whole = header.clone();
    whole.extend_from_slice(&frame);
    let mut c = client_from(CLIENT_IP, &server.addr);
    c.send_raw(&whole);
    let answer = c.read().expect("an answer");
    assert_eq!(answer.code, 17);

    let mut c = client_from(CLIENT_IP, &server.addr);
    for piece in whole.chunks(3) {
        c.send_raw(piece);
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(c.read().expect("an answer").code, 17);
}

/// A route query over TLS on `tcp` (past whatever the caller already wrote on it).
fn tls_route_query(tcp: TcpStream, ca: &Path) -> RemotingCommand {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let conn =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("127.0.0.1").unwrap())
            .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(&encode_frame(&route_query("T").with_opaque(7)).unwrap())
        .expect("TLS write");
    let mut buffer = bytes::BytesMut::new();
    let mut codec = RemotingCodec::default();
    loop {
        if let Some(answer) = codec.decode(&mut buffer).unwrap() {
            return answer;
        }
        let mut chunk = [0u8; 4096];
        let n = tls.read(&mut chunk).expect("TLS read");
        assert!(n > 0, "closed before answering");
        buffer.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn the_preamble_comes_before_tls_in_every_tls_mode() {
    let pki = Pki::make();
    for mode in ["permissive", "enforcing"] {
        let mut settings = pki.server_settings(mode);
        settings.push("httpPort=0".to_owned());
        let server = Server::start(&settings.iter().map(String::as_str).collect::<Vec<_>>());
        let haproxy = Haproxy::start(&[format!("{} send-proxy-v2 source {PROXY_IP}", server.addr)]);
        let series = "namesrv_proxy_preambles_total{kind=\"v2\"}";
        let before = server.metric(series);
        let through = connect_from(CLIENT_IP, &haproxy.frontends[0]);
        let answer = tls_route_query(through, &pki.path("ca.pem"));
        assert_eq!(answer.code, 17, "{mode}: through HAProxy");

        let mut direct = connect_from(CLIENT_IP, &server.addr);
        direct
            .write_all(&preamble(ProxyVersion::V1, "203.0.113.7:1", &server.addr))
            .unwrap();
        let answer = tls_route_query(direct, &pki.path("ca.pem"));
        assert_eq!(answer.code, 17, "{mode}: v1 then TLS");
        assert_eq!(server.metric(series) - before, 1.0);
        assert_eq!(
            server.metric("namesrv_proxy_preambles_total{kind=\"v1\"}"),
            1.0
        );
    }
}
