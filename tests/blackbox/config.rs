//! GET/UPDATE_NAMESRV_CONFIG over TCP, and the command line's `-p` and `-c`.

mod common;

use common::{request, Server};

fn config_text(c: &mut common::Client) -> String {
    let resp = c.call(request(319, &[]));
    assert_eq!(resp.code, 0);
    String::from_utf8(resp.body.to_vec()).unwrap()
}

#[test]
fn get_config_lists_java_keys_sorted_and_update_changes_them() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let text = config_text(&mut c);
    assert!(text.contains("enableTopicList=true\n"), "{text}");
    assert!(text.contains("scanNotActiveBrokerInterval=5000\n"));
    let keys: Vec<&str> = text.lines().map(|l| l.split('=').next().unwrap()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "sorted by key");

    let resp = c.call(request(318, &[]).with_body(&b"enableTopicList=false"[..]));
    assert_eq!(resp.code, 0);
    assert!(config_text(&mut c).contains("enableTopicList=false\n"));
    // Persisted to configStorePath.
    let stored = std::fs::read_to_string(server.dir.path().join("namesrv.properties")).unwrap();
    assert!(stored.contains("enableTopicList=false"), "{stored}");
    // No body: success, nothing changes.
    assert_eq!(c.call(request(318, &[])).code, 0);
}

#[test]
fn black_listed_keys_are_refused_with_no_permission() {
    let server = Server::start(&[]);
    let mut c = server.client();
    for body in [
        "configStorePath=test/path",
        "kvConfigPath=test/path",
        "configBlackList=test;path",
        "rocketmqHome=/tmp/evil",
        "enableTopicList=false\nkvConfigPath=/tmp/x",
    ] {
        let resp = c.call(request(318, &[]).with_body(body.as_bytes().to_vec()));
        assert_eq!(resp.code, 16, "{body}");
        assert!(resp
            .remark
            .unwrap()
            .contains("Can not update config in black list."));
    }
    assert!(
        config_text(&mut c).contains("enableTopicList=true\n"),
        "a refused update changes nothing"
    );
}

#[test]
fn print_config_and_load_a_java_properties_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namesrv.properties");
    std::fs::write(
        &file,
        "listenPort = 19999\nenableAllTopicList=false\nsomeFutureKey=1\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_namesrv"))
        .arg("-c")
        .arg(&file)
        .arg("-p")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("listenPort=19999\n"), "{text}");
    assert!(text.contains("enableAllTopicList=false\n"));
    assert!(
        text.contains("someFutureKey=1\n"),
        "unknown keys are kept and shown"
    );
    assert!(text.contains(&format!("configStorePath={}\n", file.display())));
}

#[test]
fn keys_that_cannot_change_at_run_time_are_refused_and_nothing_is_applied() {
    let server = Server::start(&[]);
    let mut c = server.client();
    for body in [
        "listenPort=1234",
        "serverWorkerThreads=1000",
        "frameMaxLength=1",
        "enableTopicList=false\nbindAddress=0.0.0.0",
        "unknownKey=1",
    ] {
        let resp = c.call(request(318, &[]).with_body(body.as_bytes().to_vec()));
        assert_eq!(resp.code, 16, "{body}");
        assert!(resp.remark.unwrap().contains("at run time"));
    }
    let text = config_text(&mut c);
    assert!(
        text.contains("enableTopicList=true\n"),
        "the whole update was refused"
    );
    assert!(!text.contains("listenPort=1234"));
}

#[test]
fn a_value_of_the_wrong_type_is_refused() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let resp = c.call(request(318, &[]).with_body(&b"waitSecondsForService=soon"[..]));
    assert_eq!(resp.code, 1);
    assert!(resp.remark.unwrap().contains("waitSecondsForService"));
    assert!(config_text(&mut c).contains("waitSecondsForService=45\n"));
}
