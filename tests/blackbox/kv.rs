//! KV config over TCP against the real binary: the four KV codes, their error answers, and
//! persistence across graceful and abrupt restarts.

mod common;

use common::{request, Broker, Server};
use namesrv_protocol::body::{JsonBody, KvTable};

#[test]
fn put_get_list_delete_with_java_answers() {
    let server = Server::start(&[]);
    let mut c = server.client();

    let put = c.call(request(
        100,
        &[("namespace", "ns"), ("key", "k"), ("value", "v")],
    ));
    assert_eq!((put.code, put.remark.as_deref()), (0, None));

    let get = c.call(request(101, &[("namespace", "ns"), ("key", "k")]));
    assert_eq!(get.code, 0);
    assert_eq!(get.ext("value"), Some("v"));

    let list = c.call(request(219, &[("namespace", "ns")]));
    assert_eq!(list.code, 0);
    let table = KvTable::from_json(&list.body).unwrap();
    assert_eq!(table.table.get("k").map(String::as_str), Some("v"));

    let del = c.call(request(102, &[("namespace", "ns"), ("key", "k")]));
    assert_eq!(del.code, 0);

    let gone = c.call(request(101, &[("namespace", "ns"), ("key", "k")]));
    assert_eq!(gone.code, 22, "QUERY_NOT_FOUND");
    assert_eq!(
        gone.remark.as_deref(),
        Some("No config item, Namespace: ns Key: k")
    );
    assert_eq!(gone.ext("value"), None);

    // The namespace survives its last key, so listing it still succeeds (empty).
    let list = c.call(request(219, &[("namespace", "ns")]));
    assert_eq!(list.code, 0);
    let missing = c.call(request(219, &[("namespace", "nope")]));
    assert_eq!(missing.code, 22);
    assert_eq!(
        missing.remark.as_deref(),
        Some("No config item, Namespace: nope")
    );
}

#[test]
fn missing_namespace_or_key_is_a_system_error_with_the_java_remark() {
    let server = Server::start(&[]);
    let mut c = server.client();
    for code in [100, 101, 102] {
        let resp = c.call(request(code, &[("key", "k"), ("value", "v")]));
        assert_eq!(resp.code, 1, "code {code}");
        assert_eq!(resp.remark.as_deref(), Some("namespace or key is null"));
    }
    // GET_KVLIST_BY_NAMESPACE without a namespace: a header error, SYSTEM_ERROR.
    let resp = c.call(request(219, &[]));
    assert_eq!(resp.code, 1);
    assert!(resp.remark.unwrap().contains("namespace"));
}

#[test]
fn kv_survives_graceful_and_abrupt_restarts_in_the_java_file_format() {
    let server = Server::start(&[]);
    let mut c = server.client();
    for i in 0..20 {
        let v = format!("v{i}");
        let k = format!("k{i}");
        assert_eq!(
            c.call(request(
                100,
                &[
                    ("namespace", "ORDER_TOPIC_CONFIG"),
                    ("key", &k),
                    ("value", &v)
                ]
            ))
            .code,
            0
        );
    }
    let file = std::fs::read_to_string(server.kv_path()).unwrap();
    assert!(
        file.starts_with("{\"configTable\":{\"ORDER_TOPIC_CONFIG\":{"),
        "{file}"
    );

    // SIGKILL right after acknowledged writes: every one of them is on disk.
    let dir = server.kill();
    let server = Server::start_in(dir, &[]);
    let mut c = server.client();
    for i in 0..20 {
        let k = format!("k{i}");
        let resp = c.call(request(
            101,
            &[("namespace", "ORDER_TOPIC_CONFIG"), ("key", &k)],
        ));
        assert_eq!(resp.ext("value"), Some(format!("v{i}").as_str()));
    }
    assert_eq!(
        c.call(request(
            102,
            &[("namespace", "ORDER_TOPIC_CONFIG"), ("key", "k0")]
        ))
        .code,
        0
    );
    drop(c);

    let (status, dir) = server.terminate();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    let server = Server::start_in(dir, &[]);
    let mut c = server.client();
    assert_eq!(
        c.call(request(
            101,
            &[("namespace", "ORDER_TOPIC_CONFIG"), ("key", "k0")]
        ))
        .code,
        22
    );
    assert_eq!(
        c.call(request(
            101,
            &[("namespace", "ORDER_TOPIC_CONFIG"), ("key", "k1")]
        ))
        .ext("value"),
        Some("v1")
    );
}

#[test]
fn an_unwritable_kv_path_answers_an_error_and_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("sub");
    let kv = format!("kvConfigPath={}/kvConfig.json", parent.display());
    let server = Server::start(&[&kv]);
    // The start checked the path and made the (empty) directory; replace it by a file:
    // every write now fails (we run as root in CI, so permissions alone would not stop us).
    std::fs::remove_dir(&parent).unwrap();
    std::fs::write(&parent, b"in the way").unwrap();
    let mut c = server.client();
    let resp = c.call(request(
        100,
        &[("namespace", "ns"), ("key", "k"), ("value", "v")],
    ));
    assert_eq!(resp.code, 1, "SYSTEM_ERROR");
    assert!(resp.remark.unwrap().contains("could not persist"));
    // Not acknowledged, so not visible either.
    assert_eq!(
        c.call(request(101, &[("namespace", "ns"), ("key", "k")]))
            .code,
        22
    );
    // Routes are still served.
    assert_eq!(c.call(common::route_query("any")).code, 17);
    // Once the disk is usable again, writes succeed.
    std::fs::remove_file(&parent).unwrap();
    assert_eq!(
        c.call(request(
            100,
            &[("namespace", "ns"), ("key", "k"), ("value", "v")]
        ))
        .code,
        0
    );
    assert!(parent.join("kvConfig.json").exists());
}

#[test]
fn a_corrupt_kv_file_stops_startup_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let kv = dir.path().join("kv.json");
    std::fs::write(&kv, b"{\"configTable\":{").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_namesrv"))
        .args(["-o", "listenPort=0", "-o", "bindAddress=127.0.0.1", "-o"])
        .arg(format!("kvConfigPath={}", kv.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("corrupt"), "{err}");
}

#[test]
fn a_full_kv_disk_answers_an_error_keeps_acknowledged_writes_and_keeps_serving() {
    // The KV directory is a 64 KiB tmpfs in the server's own mount namespace (root in CI, as
    // here; `unshare` is util-linux). The server is exec'd, so its pid is the child's.
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=64k tmpfs '{}' && exec \"$0\" \"$@\"",
        full.display()
    );
    let kv = format!("kvConfigPath={}/kvConfig.json", full.display());
    let server = Server::start_via(dir, &[&kv], &[], &["unshare", "-m", "sh", "-c", &script]);
    let mut c = server.client();
    let value = "x".repeat(4096);
    let mut acknowledged = Vec::new();
    let mut refused = None;
    for i in 0..64 {
        let key = format!("k{i}");
        let resp = c.call(request(
            100,
            &[("namespace", "ns"), ("key", &key), ("value", &value)],
        ));
        match resp.code {
            0 => acknowledged.push(key),
            1 => {
                refused = Some((key, resp.remark.unwrap_or_default()));
                break;
            }
            other => panic!("unexpected code {other}"),
        }
    }
    let (key, remark) = refused.expect("the disk filled up within 64 writes of 4 KiB");
    assert!(
        remark.contains("could not persist"),
        "clear error: {remark}"
    );
    assert!(
        remark.contains("No space left"),
        "the disk was full: {remark}"
    );
    assert!(!acknowledged.is_empty(), "some writes fit");
    // The refused write is not visible; every acknowledged one still is.
    assert_eq!(
        c.call(request(101, &[("namespace", "ns"), ("key", &key)]))
            .code,
        22
    );
    for k in &acknowledged {
        let resp = c.call(request(101, &[("namespace", "ns"), ("key", k)]));
        assert_eq!(resp.code, 0, "{k} still there");
    }
    // Routes are still served, and a registration still works.
    let broker = Broker::new("DefaultCluster", "broker-a", "127.0.0.1:10911", 0);
    assert_eq!(
        c.call(broker.register(&[("T", 4, 6), ("T2", 4, 6)], 1))
            .code,
        0
    );
    assert_eq!(common::route_of(&mut c, "T").map(|_| ()), Ok(()));
}
