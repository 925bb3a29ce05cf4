//! Authenticated admin operations against the real binary: the mutating codes restricted by
//! source address or by RocketMQ ACL signatures, reads and broker traffic left open, every
//! refusal a NO_PERMISSION answer (never a dropped connection), and a real Java 4.9.7
//! `mqadmin` signing with its `conf/tools.yml` credentials.

mod common;

use std::process::{Command, Stdio};

use common::{request, route_query, with_ext, Broker, Client, Server};
use namesrv_actors::auth::sign;
use namesrv_protocol::RemotingCommand;

const NO_PERMISSION: i32 = 16;

fn kv_put(key: &str, value: &str) -> RemotingCommand {
    request(100, &[("namespace", "ns"), ("key", key), ("value", value)])
}

fn kv_get(c: &mut Client, key: &str) -> Option<String> {
    let answer = c.call(request(101, &[("namespace", "ns"), ("key", key)]));
    (answer.code == 0).then(|| answer.ext("value").unwrap_or_default().to_owned())
}

fn server_with_keys(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("credentials.properties");
    std::fs::write(&keys, "# accessKey=secretKey\nadmin-ak=admin-secret\n").unwrap();
    let file = format!("authCredentialsFile={}", keys.display());
    let mut settings = vec![file.as_str(), "httpPort=0"];
    settings.extend_from_slice(extra);
    Server::start_in(dir, &settings)
}

#[test]
fn signed_admin_requests_pass_and_everything_else_gets_no_permission() {
    let server = server_with_keys(&[]);
    let mut c = server.client();

    let unsigned = c.call(kv_put("k", "v"));
    assert_eq!(unsigned.code, NO_PERMISSION);
    assert!(unsigned.remark.unwrap().starts_with("[AUTH]"));
    assert_eq!(kv_get(&mut c, "k"), None, "refused writes change nothing");

    assert_eq!(
        c.call(sign(kv_put("k", "v"), "admin-ak", "admin-secret"))
            .code,
        0
    );
    assert_eq!(kv_get(&mut c, "k").as_deref(), Some("v"), "reads stay open");

    let wrong_secret = c.call(sign(kv_put("k", "evil"), "admin-ak", "guess"));
    assert_eq!(wrong_secret.code, NO_PERMISSION);
    assert!(wrong_secret.remark.unwrap().contains("does not match"));
    let unknown = c.call(sign(kv_put("k", "evil"), "someone", "admin-secret"));
    assert_eq!(unknown.code, NO_PERMISSION);
    let malformed = c.call(with_ext(
        with_ext(kv_put("k", "evil"), "AccessKey", Some("admin-ak")),
        "Signature",
        Some("***not base64***"),
    ));
    assert_eq!(
        malformed.code, NO_PERMISSION,
        "malformed: refused, not a crash"
    );
    assert!(malformed.remark.unwrap().contains("Base64"));
    assert_eq!(
        kv_get(&mut c, "k").as_deref(),
        Some("v"),
        "still the signed value"
    );

    // Every mutating code is covered; config updates above all (CVE-2023-37582).
    let update = request(318, &[]).with_body(b"enableTopicList=false\n".to_vec());
    assert_eq!(c.call(update.clone()).code, NO_PERMISSION);
    assert_eq!(c.call(sign(update, "admin-ak", "admin-secret")).code, 0);
    for code in [102, 205, 216, 327] {
        let r = c.call(request(
            code,
            &[
                ("namespace", "ns"),
                ("key", "k"),
                ("brokerName", "b"),
                ("topic", "t"),
            ],
        ));
        assert_eq!(r.code, NO_PERMISSION, "code {code}");
    }

    // Brokers and clients are not asked for credentials.
    let broker = Broker::new("DefaultCluster", "broker-a", "127.0.0.1:10911", 0);
    assert_eq!(
        c.call(broker.register(&[("T", 4, 6), ("T2", 4, 6)], 1))
            .code,
        0
    );
    assert_eq!(c.call(route_query("T")).code, 0);

    // Refusals are counted by reason.
    let text = server.metrics_text();
    for line in [
        "namesrv_auth_rejections_total{reason=\"bad_signature\"} 1",
        "namesrv_auth_rejections_total{reason=\"unknown_access_key\"} 1",
        "namesrv_auth_rejections_total{reason=\"malformed_signature\"} 1",
    ] {
        assert!(text.contains(line), "{line}");
    }
}

#[test]
fn an_address_allow_list_admits_only_its_networks() {
    let closed = Server::start(&["authAdminAddresses=10.0.0.0/8;192.168.0.0/16"]);
    assert_eq!(closed.client().call(kv_put("k", "v")).code, NO_PERMISSION);
    let open = Server::start(&["authAdminAddresses=127.0.0.0/8"]);
    assert_eq!(open.client().call(kv_put("k", "v")).code, 0);
}

#[test]
fn reads_can_be_restricted_too_but_never_broker_traffic() {
    let server = server_with_keys(&["authReads=true"]);
    let mut c = server.client();
    assert_eq!(c.call(route_query("T")).code, NO_PERMISSION);
    assert_eq!(
        c.call(sign(route_query("T"), "admin-ak", "admin-secret"))
            .code,
        17
    );
    let broker = Broker::new("DefaultCluster", "broker-a", "127.0.0.1:10911", 0);
    assert_eq!(
        c.call(broker.register(&[("T", 4, 6), ("T2", 4, 6)], 1))
            .code,
        0
    );
}

#[test]
fn a_bad_policy_stops_startup_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_namesrv"))
        .args(["-o", "listenPort=0", "-o", "bindAddress=127.0.0.1"])
        .args(["-o", "authAdminAddresses=10.0.0.0/99"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("authAdminAddresses"));
}

#[test]
fn a_real_java_mqadmin_signs_with_its_tools_yml_credentials() {
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/acceptance/peers.sh");
    let peers = |home: &std::path::Path, args: &[&str]| {
        Command::new("bash")
            .env("ROCKETMQ_LINE", "4")
            .env("MQADMIN_HOME", home)
            .arg(&script)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let build = Command::new("bash")
        .env("ROCKETMQ_LINE", "4")
        .arg(&script)
        .arg("build")
        .output()
        .unwrap();
    assert!(build.status.success(), "peers build (Java 17 + Maven)");
    let server = server_with_keys(&[]);
    let home = |secret: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("conf")).unwrap();
        std::fs::write(
            dir.path().join("conf/tools.yml"),
            format!("accessKey: admin-ak\nsecretKey: {secret}\n"),
        )
        .unwrap();
        dir
    };
    let (good, bad) = (home("admin-secret"), home("wrong-secret"));
    let update = |h: &std::path::Path, value: &str| {
        peers(
            h,
            &[
                "mqadmin",
                "updateKvConfig",
                "-n",
                &server.addr,
                "-s",
                "ns",
                "-k",
                "java",
                "-v",
                value,
            ],
        )
    };
    let refused = update(bad.path(), "evil");
    let mut c = server.client();
    assert_eq!(
        kv_get(&mut c, "java"),
        None,
        "the wrongly signed update changed nothing"
    );
    let text = String::from_utf8_lossy(&refused.stdout).to_string()
        + &String::from_utf8_lossy(&refused.stderr);
    assert!(
        text.contains("16") || text.to_lowercase().contains("permission"),
        "mqadmin reports the refusal: {text}"
    );
    assert!(update(good.path(), "from-java").status.success());
    assert_eq!(kv_get(&mut c, "java").as_deref(), Some("from-java"));
}
