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
    (Killed { child, _port: port }, addr)
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
