//! The bench tool against its own null server, as a black box: a bounded closed-loop run and
//! an open-loop run both get answers and no errors, and the JSON report says so.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use namesrv_test_support::{reserve_port, Reservation};

/// A null server, killed when dropped; its port stays reserved until then.
struct Killed {
    child: Child,
    _port: Reservation,
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn null_server() -> (Killed, String) {
    let (server, addr, _) = null_server_with_pid();
    (server, addr)
}

fn null_server_with_pid() -> (Killed, String, u32) {
    let port = reserve_port().expect("a port for the null server");
    let addr = port.addr();
    let child = Command::new(env!("CARGO_BIN_EXE_namesrv-bench"))
        .args(["null-server", "--listen", &addr])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(std::time::Instant::now() < deadline, "null server listens");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id();
    (Killed { child, _port: port }, addr, pid)
}

fn load(addr: &str, extra: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_namesrv-bench"))
        .args(["load", "--addr", addr, "--duration", "1", "--warmup", "0.2"])
        .args(extra)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "load exits 0");
    serde_json::from_slice(&out.stdout).expect("one JSON report on stdout")
}

#[test]
fn closed_loop_against_the_null_server_gets_answers_and_no_errors() {
    let (_server, addr) = null_server();
    let report = load(&addr, &["--connections", "2", "--inflight", "4"]);
    assert!(report["requests"].as_u64().unwrap() > 0);
    assert_eq!(report["errors"].as_u64(), Some(0));
    assert_eq!(
        report["codes"]["0"], report["requests"],
        "every answer SUCCESS"
    );
    assert!(
        report["latency_us"]["p99"].as_u64().unwrap()
            >= report["latency_us"]["p50"].as_u64().unwrap()
    );
    assert_eq!(
        report["populate_registration_ms"].as_array().unwrap().len(),
        2,
        "two brokers registered first"
    );
}

#[test]
fn open_loop_sends_at_the_offered_rate() {
    let (_server, addr) = null_server();
    let report = load(
        &addr,
        &[
            "--connections",
            "2",
            "--rate",
            "2000",
            "--workload",
            "mixed",
            "--no-populate",
        ],
    );
    let qps = report["qps"].as_f64().unwrap();
    // Bounded by the offered rate (the generator must not send faster than asked).
    assert!(qps > 500.0 && qps < 2600.0, "qps {qps}");
    assert_eq!(report["errors"].as_u64(), Some(0));
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let port = reserve_port().expect("a port nobody listens on");
    let addr = port.addr();
    let out = Command::new(env!("CARGO_BIN_EXE_namesrv-bench"))
        .args(["load", "--addr", &addr, "--duration", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
}

#[test]
fn storms_of_both_kinds_are_answered_and_say_which_they_were() {
    let (_server, addr, pid) = null_server_with_pid();
    let pid = pid.to_string();
    for versions in ["unchanged", "changing"] {
        let report = load(
            &addr,
            &[
                "--workload",
                "register",
                "--versions",
                versions,
                "--connections",
                "2",
                "--inflight",
                "1",
                "--brokers",
                "5",
                "--topics",
                "50",
                "--no-populate",
                "--note",
                "storm",
                "--server-pid",
                &pid,
            ],
        );
        assert_eq!(report["versions"], versions);
        assert_eq!(report["note"], "storm");
        assert!(report["requests"].as_u64().unwrap() > 0);
        assert_eq!(report["errors"].as_u64(), Some(0));
        assert!(report["server_idle"]["rss_kb"].as_u64().unwrap() > 0);
        assert!(report["client_cpu_ms_per_1k"].as_f64().is_some());
    }
}

#[test]
fn a_changing_storm_with_as_many_requests_in_flight_as_brokers_is_refused() {
    let (_server, addr) = null_server();
    let out = Command::new(env!("CARGO_BIN_EXE_namesrv-bench"))
        .args([
            "load",
            "--addr",
            &addr,
            "--workload",
            "register",
            "--versions",
            "changing",
        ])
        .args([
            "--connections",
            "4",
            "--inflight",
            "1",
            "--brokers",
            "4",
            "--no-populate",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("more brokers"));
}
