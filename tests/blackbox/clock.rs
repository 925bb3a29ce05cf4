//! Wall-clock jumps (an NTP step, a VM resumed, an operator's `date -s`) must not expire live
//! brokers. Java's name server compares `System.currentTimeMillis()` stamps, so a forward
//! step expires every broker at its next scan; ours measures liveness on the monotonic clock.
//!
//! The server runs under libfaketime (Debian package `faketime`, installed by `tests/run.sh`) with
//! only the wall clock faked (`DONT_FAKE_MONOTONIC=1`) and its offset read from a file on
//! every call, so the test can step the server's wall clock while it runs. The server's own
//! JSON log timestamps prove the steps took effect.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{eventually, request, route_of, with_ext, Broker, Client, Server};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// Whether the server logs, within `wait`, a line whose `"timestamp":"…"` (read by `date`)
/// satisfies `ok`. Older lines still in the pipe are skipped.
fn logs_a_time(server: &Server, wait: Duration, ok: impl Fn(i64) -> bool) -> bool {
    let deadline = std::time::Instant::now() + wait;
    while let Ok(line) = server
        .log
        .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
    {
        let Some(stamp) = line
            .split("\"timestamp\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let out = std::process::Command::new("date")
            .args(["-u", "-d", stamp, "+%s"])
            .output()
            .expect("date");
        if String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .is_ok_and(&ok)
        {
            return true;
        }
    }
    false
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// Heartbeats for `for_how_long`, every 300 ms, each answered SUCCESS.
fn heartbeat(broker: &mut Client, for_how_long: Duration) {
    let hb = request(
        904,
        &[
            ("clusterName", "DefaultCluster"),
            ("brokerAddr", "127.0.0.1:10911"),
            ("brokerName", "broker-a"),
        ],
    );
    let until = std::time::Instant::now() + for_how_long;
    while std::time::Instant::now() < until {
        assert_eq!(broker.call(hb.clone()).code, 0, "heartbeat answered");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Makes the server log a line now (a throwaway broker registering and unregistering).
fn poke_log(server: &Server) {
    let mut c = server.client();
    let z = Broker::new("Other", "broker-z", "127.0.0.1:20911", 0);
    assert_eq!(c.call(z.register(&[("Z1", 1, 6), ("Z2", 1, 6)], 1)).code, 0);
    assert_eq!(c.call(z.unregister()).code, 0);
}

#[test]
fn wall_clock_steps_forward_and_back_do_not_expire_a_heartbeating_broker() {
    assert!(
        Path::new(LIBFAKETIME).exists(),
        "{LIBFAKETIME} missing: install Debian's `faketime` package (tests/run.sh does)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let offset_file = dir.path().join("faketime-offset");
    std::fs::write(&offset_file, "+0\n").expect("offset file");
    let offset = offset_file.to_str().expect("utf-8 path").to_owned();
    let server = Server::start_with_env(
        dir,
        &["scanNotActiveBrokerInterval=200", "logFormat=json"],
        &[
            ("LD_PRELOAD", LIBFAKETIME),
            ("FAKETIME_TIMESTAMP_FILE", &offset),
            ("FAKETIME_NO_CACHE", "1"),
            ("DONT_FAKE_MONOTONIC", "1"),
        ],
    );
    let mut broker = server.client();
    let a = Broker::new("DefaultCluster", "broker-a", "127.0.0.1:10911", 0);
    let reg = with_ext(
        a.register(&[("T", 4, 6), ("T2", 4, 6)], 1),
        "heartbeatTimeoutMillis",
        Some("2000"),
    );
    assert_eq!(broker.call(reg).code, 0);
    let mut client = server.client();

    // Two days forward: Java would expire the broker at its next scan.
    std::fs::write(&offset_file, "+2d\n").expect("step forward");
    heartbeat(&mut broker, Duration::from_secs(3));
    assert!(route_of(&mut client, "T").is_ok(), "alive after +2 days");
    poke_log(&server);
    let now = real_now();
    assert!(
        logs_a_time(&server, Duration::from_secs(5), |t| t > now + 47 * 3600),
        "the server's wall clock really moved forward"
    );

    // Three days back: a stamp "from the future" must not confuse expiry either.
    std::fs::write(&offset_file, "-1d\n").expect("step back");
    heartbeat(&mut broker, Duration::from_secs(3));
    assert!(route_of(&mut client, "T").is_ok(), "alive after -3 days");
    poke_log(&server);
    let now = real_now();
    assert!(
        logs_a_time(&server, Duration::from_secs(5), |t| t < now - 23 * 3600),
        "the server's wall clock really moved back"
    );

    // Expiry itself still works under the faked clock: silence expires the broker.
    assert!(
        eventually(Duration::from_secs(6), || route_of(&mut client, "T")
            == Err(17)),
        "a silent broker still expires after its 2 s timeout"
    );
}
