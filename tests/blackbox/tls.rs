//! TLS on the remoting port against the real binary, with certificates this test makes
//! (`openssl`): each mode with a Rust TLS client and a plain one, client certificates, a
//! certificate subject admitted to admin operations, and real Java peers — `mqadmin` and a
//! 5.5.0 broker with `-Dtls.enable=true` — against an enforcing server.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use common::pki::Pki;
use common::{eventually, request, route_query, Server};
use namesrv_protocol::frame::encode_frame;
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use rustls::pki_types::ServerName;
use tokio_util::codec::Decoder;

fn start(settings: &[String]) -> Server {
    let refs: Vec<&str> = settings.iter().map(String::as_str).collect();
    Server::start(&refs)
}

/// One request over TLS; `Err` if the handshake or the exchange fails.
fn tls_call(
    addr: &str,
    config: Arc<rustls::ClientConfig>,
    req: RemotingCommand,
) -> Result<RemotingCommand, String> {
    let tcp = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let conn = rustls::ClientConnection::new(config, ServerName::try_from("127.0.0.1").unwrap())
        .map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(&encode_frame(&req.with_opaque(7)).unwrap())
        .map_err(|e| e.to_string())?;
    read_answer(&mut tls)
}

/// Reads one remoting frame; `Err` on a close, a timeout or bytes that are not a frame.
fn read_answer(stream: &mut impl Read) -> Result<RemotingCommand, String> {
    let mut buf = BytesMut::new();
    let mut codec = RemotingCodec::default();
    loop {
        if let Some(answer) = codec.decode(&mut buf).map_err(|e| e.to_string())? {
            return Ok(answer);
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Whether a plain client gets a remoting answer (a TLS alert sent back is not one).
fn plain_answers(server: &Server) -> bool {
    let mut c = TcpStream::connect(&server.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    c.write_all(&encode_frame(&route_query("t").with_opaque(1)).unwrap())
        .unwrap();
    read_answer(&mut c).is_ok_and(|answer| answer.opaque == 1 && answer.is_response())
}

#[test]
fn enforcing_serves_only_tls_and_permissive_serves_both_on_one_port() {
    let pki = Pki::make();
    let enforcing = start(&pki.server_settings("enforcing"));
    let answer = tls_call(&enforcing.addr, pki.client_config(false), route_query("t")).unwrap();
    assert_eq!(answer.code, 17, "answered over TLS");
    assert!(!plain_answers(&enforcing), "plain refused under enforcing");

    let permissive = start(&pki.server_settings("permissive"));
    assert_eq!(
        tls_call(&permissive.addr, pki.client_config(false), route_query("t"))
            .unwrap()
            .code,
        17
    );
    assert!(
        plain_answers(&permissive),
        "plain still served under permissive"
    );

    let disabled = Server::start(&[]);
    assert!(tls_call(&disabled.addr, pki.client_config(false), route_query("t")).is_err());
    assert!(plain_answers(&disabled));
}

#[test]
fn client_certificates_are_verified_and_their_subject_can_admit_admin_operations() {
    let pki = Pki::make();
    let mut settings = pki.server_settings("enforcing");
    settings.push("tls.server.need.client.auth=optional".into());
    settings.push(format!(
        "tls.server.trustCertPath={}",
        pki.path("ca.pem").display()
    ));
    settings.push("authTlsSubjects=admin-client".into());
    let server = start(&settings);
    let put = || request(100, &[("namespace", "ns"), ("key", "k"), ("value", "v")]);
    assert_eq!(
        tls_call(&server.addr, pki.client_config(true), put())
            .unwrap()
            .code,
        0,
        "admitted by its certificate"
    );
    assert_eq!(
        tls_call(&server.addr, pki.client_config(false), put())
            .unwrap()
            .code,
        16,
        "no certificate, no admin"
    );
    assert_eq!(
        tls_call(&server.addr, pki.client_config(false), route_query("t"))
            .unwrap()
            .code,
        17,
        "reads need no certificate"
    );

    let mut required = pki.server_settings("enforcing");
    required.push("tls.server.need.client.auth=require".into());
    required.push(format!(
        "tls.server.trustCertPath={}",
        pki.path("ca.pem").display()
    ));
    let strict = start(&required);
    assert!(
        tls_call(&strict.addr, pki.client_config(false), route_query("t")).is_err(),
        "a certificate is required"
    );
    assert_eq!(
        tls_call(&strict.addr, pki.client_config(true), route_query("t"))
            .unwrap()
            .code,
        17
    );
}

#[test]
fn a_tls_setting_that_cannot_work_stops_startup() {
    for bad in [
        vec!["tls.server.mode=enforcing".to_owned()],
        vec!["tls.server.mode=sometimes".to_owned()],
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_namesrv"));
        cmd.args(["-o", "listenPort=0", "-o", "bindAddress=127.0.0.1"]);
        for b in &bad {
            cmd.arg("-o").arg(b);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{bad:?} refused");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("tls"),
            "{bad:?}: a message naming TLS"
        );
    }
}

#[test]
fn an_encrypted_key_is_used_with_its_password_and_refused_without_it() {
    let pki = Pki::make();
    let key = pki.encrypted_server_key("k3y-pass");
    let settings = |password: Option<&str>| {
        let mut s = vec![
            "tls.server.mode=enforcing".to_owned(),
            format!("tls.server.certPath={}", pki.path("server.pem").display()),
            format!("tls.server.keyPath={}", key.display()),
        ];
        s.extend(password.map(|p| format!("tls.server.keyPassword={p}")));
        s
    };

    let server = start(&settings(Some("k3y-pass")));
    let answer = tls_call(&server.addr, pki.client_config(false), route_query("t")).unwrap();
    assert_eq!(answer.code, 17, "answered over TLS with the decrypted key");
    drop(server);

    for (password, says) in [(Some("not-the-pass"), "wrong"), (None, "missing")] {
        let home = tempfile::tempdir().unwrap();
        let mut args = vec![
            "-o".to_owned(),
            "listenPort=0".to_owned(),
            "-o".to_owned(),
            "bindAddress=127.0.0.1".to_owned(),
            "-o".to_owned(),
            format!("kvConfigPath={}", home.path().join("kv.json").display()),
        ];
        for s in settings(password) {
            args.push("-o".into());
            args.push(s);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = common::run_to_exit(&args, &[], home.path());
        assert_eq!(out.status.code(), Some(2), "{password:?}: {}", out.stderr);
        let names_file = out.stderr.contains(&key.display().to_string());
        assert!(
            names_file
                && out.stderr.contains("tls.server.keyPassword")
                && out.stderr.contains(says),
            "{password:?}: the message names the key file and says the password is {says}:\n{}",
            out.stderr
        );
    }
}

fn peers_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/acceptance/peers.sh")
}

#[test]
fn java_mqadmin_and_a_java_broker_with_tls_enabled_work_against_an_enforcing_server() {
    let build = Command::new("bash")
        .arg(peers_script())
        .arg("build")
        .output()
        .unwrap();
    assert!(build.status.success(), "peers build (Java 17 + Maven)");
    let pki = Pki::make();
    let server = start(&pki.server_settings("enforcing"));
    let tls_jvm = "-Dtls.enable=true";

    // A 5.5.0 broker registering over TLS.
    let broker_dir = tempfile::tempdir().unwrap();
    let ports = namesrv_test_support::reserve_broker_port().expect("a broker port triple");
    let port = ports.port();
    let broker_log = broker_dir.path().join("broker-stdout.log");
    let mut broker = Command::new("bash")
        .env("JAVA_EXTRA_OPTS", tls_jvm)
        .arg(peers_script())
        .args([
            "broker",
            &server.addr,
            broker_dir.path().to_str().unwrap(),
            &port.to_string(),
            "TlsCluster",
            "broker-tls",
        ])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&broker_log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill<'a>(&'a mut std::process::Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _broker = Kill(&mut broker);
    let client = pki.client_config(false);
    assert!(
        eventually(Duration::from_secs(90), || {
            tls_call(&server.addr, client.clone(), request(106, &[]))
                .map(|a| String::from_utf8_lossy(&a.body).contains("broker-tls"))
                .unwrap_or(false)
        }),
        "the TLS broker registered; its output:\n{}",
        std::fs::read_to_string(&broker_log).unwrap_or_default()
    );

    // mqadmin over TLS sees it.
    let out = Command::new("bash")
        .env("JAVA_EXTRA_OPTS", tls_jvm)
        .arg(peers_script())
        .args(["mqadmin", "clusterList", "-n", &server.addr])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("broker-tls"),
        "mqadmin clusterList over TLS:\n{text}"
    );
}
