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

#[test]
fn a_remote_update_with_a_value_its_key_cannot_take_is_refused_naming_the_key() {
    let server = Server::start(&[]);
    let mut c = server.client();
    for (body, key, expected) in [
        ("enableTopicList=maybe", "enableTopicList", "true or false"),
        (
            "orderMessageEnable=yes",
            "orderMessageEnable",
            "true or false",
        ),
        (
            "waitSecondsForService=-1",
            "waitSecondsForService",
            "at least 0",
        ),
    ] {
        let resp = c.call(request(318, &[]).with_body(body.as_bytes().to_vec()));
        assert_eq!(resp.code, 1, "{body}: SYSTEM_ERROR");
        let remark = resp.remark.unwrap_or_default();
        assert!(
            remark.contains(key) && remark.contains(expected),
            "{body}: {remark}"
        );
    }
    let text = config_text(&mut c);
    assert!(text.contains("enableTopicList=true\n"), "{text}");
    assert!(text.contains("orderMessageEnable=false\n"));
    assert!(text.contains("waitSecondsForService=45\n"));
    assert!(
        !server.dir.path().join("namesrv.properties").exists(),
        "nothing persisted"
    );
}

/// Arguments, environment, and the message expected on stderr.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

/// Each wrong value, in the file, the environment or a flag: `-p` and the start both fail
/// (exit 1) with the key, the value and what the key takes, and nothing is served.
#[test]
fn values_that_do_not_fit_their_key_stop_print_and_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namesrv.properties");
    std::fs::write(&file, "# from the operator\nenableTopicList=yes\n").unwrap();
    let file = file.to_str().unwrap();
    let cases: [Case; 4] = [
        (
            &["-o", "listenPort=abc"],
            &[],
            "listenPort: 'abc' is not an integer from 0 to 65535",
        ),
        (
            &["-c", file],
            &[],
            "enableTopicList: 'yes' is not true or false",
        ),
        (
            &[],
            &[("NAMESRV_LOG_FORMAT", "xml")],
            "logFormat: 'xml' is not one of human, json",
        ),
        (
            &["-o", "scanNotActiveBrokerInterval=-5000"],
            &[],
            "scanNotActiveBrokerInterval: '-5000' is not an integer of at least 100",
        ),
    ];
    for (args, env, message) in cases {
        for print in [true, false] {
            let mut all: Vec<&str> = vec!["-o", "bindAddress=127.0.0.1"];
            if !print {
                all.extend(["-o", "listenPort=0"]);
            }
            all.extend_from_slice(args);
            if print {
                all.push("-p");
            }
            let run = common::run_to_exit(&all, env, dir.path());
            assert_eq!(
                run.status.code(),
                Some(1),
                "{all:?} {env:?}: {}",
                run.stderr
            );
            assert!(run.stderr.contains(message), "{all:?}: {}", run.stderr);
            assert!(run.stdout.is_empty(), "{all:?}: {}", run.stdout);
            assert!(!run.stderr.contains("boot success"), "{}", run.stderr);
        }
    }
}

/// Paths that even root cannot write: under a regular file, inside /proc, a directory.
#[test]
fn files_the_server_cannot_write_stop_the_start_naming_key_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("regular-file");
    std::fs::write(&blocker, "x").unwrap();
    let under_file = |name: &str| blocker.join(name).display().to_string();
    let kv = under_file("kvConfig.json");
    let snapshot = under_file("routes.json");
    let as_directory = dir.path().display().to_string();
    for (key, path) in [
        ("kvConfigPath", kv.as_str()),
        ("configStorePath", "/proc/namesrv/namesrv.properties"),
        ("routeSnapshotPath", snapshot.as_str()),
        ("configStorePath", as_directory.as_str()),
    ] {
        let setting = format!("{key}={path}");
        let run = common::run_to_exit(
            &[
                "-o",
                "bindAddress=127.0.0.1",
                "-o",
                "listenPort=0",
                "-o",
                &setting,
            ],
            &[],
            dir.path(),
        );
        assert_eq!(run.status.code(), Some(2), "{setting}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("namesrv: {key} {path}: ")),
            "{setting}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("boot success"), "{}", run.stderr);
    }
}

/// `-c` names the operator's commented file, which is also the config store; the environment
/// and flags set values for this run only.
#[test]
fn a_remote_update_changes_only_its_keys_in_the_operators_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namesrv.properties");
    let original = "# Name server of the test cluster\n\
                    listenPort=9876\n\
                    \n\
                    ! topic lists are for the console\n\
                    enableTopicList = true\n\
                    orderMessageEnable=false\n";
    std::fs::write(&file, original).unwrap();
    let script = format!("exec \"$0\" -c '{}' \"$@\"", file.display());
    let server = Server::start_via(
        dir,
        &["deleteTopicWithBrokerRegistration=true"],
        &[("NAMESRV_WAIT_SECONDS_FOR_SERVICE", "30")],
        &["sh", "-c", &script],
    );
    let mut c = server.client();
    let text = config_text(&mut c);
    assert!(text.contains("waitSecondsForService=30\n"), "{text}");
    assert!(text.contains("deleteTopicWithBrokerRegistration=true\n"));

    let resp = c.call(request(318, &[]).with_body(&b"enableTopicList=false"[..]));
    assert_eq!(resp.code, 0, "{:?}", resp.remark);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        original.replace("enableTopicList = true", "enableTopicList=false")
    );
    let resp = c.call(
        request(318, &[])
            .with_body(&b"notifyMinBrokerIdChanged=true\norderMessageEnable=false"[..]),
    );
    assert_eq!(resp.code, 0, "{:?}", resp.remark);
    let stored = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        stored,
        format!(
            "{}notifyMinBrokerIdChanged=true\n",
            original.replace("enableTopicList = true", "enableTopicList=false")
        ),
        "a new key is appended; an unchanged one is not rewritten"
    );
    for (not_written, from) in [
        ("waitSecondsForService", "the environment"),
        ("deleteTopicWithBrokerRegistration", "a flag"),
        ("listenPort=0", "a flag"),
        ("kvConfigPath", "a flag"),
    ] {
        assert!(
            !stored.contains(not_written),
            "{not_written} came from {from}"
        );
    }
}

#[test]
fn a_lone_carriage_return_ends_a_line_of_the_config_file_as_in_java() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namesrv.properties");
    std::fs::write(
        &file,
        "enableTopicList=false\rkvConfigPath=/var/lib/namesrv/kv.json\r",
    )
    .unwrap();
    let run = common::run_to_exit(&["-c", file.to_str().unwrap(), "-p"], &[], dir.path());
    assert!(run.status.success(), "{}", run.stderr);
    assert!(
        run.stdout.contains("enableTopicList=false\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("kvConfigPath=/var/lib/namesrv/kv.json\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn of_two_flags_setting_one_key_the_later_wins_whatever_their_names() {
    let dir = tempfile::tempdir().unwrap();
    for (args, port) in [
        (["--listen-port", "1111", "-o", "listenPort=2222"], "2222"),
        (["-o", "listenPort=2222", "--listen-port", "1111"], "1111"),
    ] {
        let mut all = args.to_vec();
        all.push("-p");
        let run = common::run_to_exit(&all, &[], dir.path());
        assert!(run.status.success(), "{}", run.stderr);
        assert!(
            run.stdout.contains(&format!("\nlistenPort={port}\n")),
            "{all:?}: {}",
            run.stdout
        );
    }
}

/// `ROCKETMQ_SERIALIZE_TYPE` is an environment variable like the others: below flags, and
/// what `-p`, GET_NAMESRV_CONFIG and the startup line show is what the replies use.
#[test]
fn rocketmq_serialize_type_ranks_as_environment_and_what_is_shown_is_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let java = [("ROCKETMQ_SERIALIZE_TYPE", "ROCKETMQ")];
    let run = common::run_to_exit(&["-p"], &java, dir.path());
    assert!(
        run.stdout.contains("serializeType=ROCKETMQ\n"),
        "{}",
        run.stdout
    );
    let run = common::run_to_exit(&["-o", "serializeType=JSON", "-p"], &java, dir.path());
    assert!(
        run.stdout.contains("serializeType=JSON\n"),
        "{}",
        run.stdout
    );

    let server = Server::start_with_env(dir, &["serializeType=JSON"], &java);
    let startup = server.startup_log.last().cloned().unwrap_or_default();
    assert!(startup.contains("serializeType=JSON"), "{startup}");
    let mut c = server.client();
    c.set_encoding(namesrv_protocol::SerializeType::RocketMq);
    let resp = c.call(request(319, &[]));
    assert_eq!(resp.serialize_type, namesrv_protocol::SerializeType::Json);
    let text = String::from_utf8(resp.body.to_vec()).unwrap();
    assert!(text.contains("serializeType=JSON\n"), "{text}");
}

#[test]
fn an_empty_rust_log_means_info_and_an_invalid_one_is_named() {
    let server = Server::start_with_env(tempfile::tempdir().unwrap(), &[], &[("RUST_LOG", "")]);
    assert!(server
        .startup_log
        .iter()
        .any(|l| l.contains("boot success")));
    drop(server);

    let server = Server::start_with_env(
        tempfile::tempdir().unwrap(),
        &[],
        &[("RUST_LOG", "namesrv=loudest")],
    );
    let warning = server
        .startup_log
        .iter()
        .find(|l| l.contains("RUST_LOG"))
        .unwrap_or_else(|| panic!("no warning: {:?}", server.startup_log));
    assert!(warning.contains("'namesrv=loudest'"), "{warning}");
    assert!(server
        .startup_log
        .iter()
        .any(|l| l.contains("boot success")));
}
