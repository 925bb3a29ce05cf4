//! `tests/ports.sh` and this crate must take the same locks, or a shell script and a Rust test
//! running side by side could hand one port to two peers.

use std::fs::{File, TryLockError};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use namesrv_test_support::ports::LOCK_DIR;
use namesrv_test_support::reserve_broker_port;

fn held(port: u16) -> bool {
    let file = File::open(Path::new(LOCK_DIR).join(format!("{port}.lock"))).unwrap();
    matches!(file.try_lock(), Err(TryLockError::WouldBlock))
}

#[test]
fn ports_reserved_by_the_shell_script_are_held_against_rust_and_back() {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/ports.sh");
    let mut shell = Command::new("bash")
        .arg("-c")
        .arg(r#"set -eu; source "$0"; reserve_broker_port p; echo "$p"; read -r _"#)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(shell.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let p: u16 = line.trim().parse().expect("ports.sh printed a port");
    let triple = [p - 2, p, p + 1];
    assert!(triple.iter().all(|q| held(*q)), "bash holds {triple:?}");

    let ours = reserve_broker_port().unwrap();
    let mine = [ours.port() - 2, ours.port(), ours.port() + 1];
    assert!(
        mine.iter().all(|q| !triple.contains(q)),
        "{mine:?} overlaps {triple:?}"
    );

    shell.stdin.take().unwrap().write_all(b"\n").unwrap();
    assert!(shell.wait().unwrap().success());
    assert!(triple.iter().all(|q| !held(*q)), "released when bash exits");
}
