//! The name server inside the test process, through the server crate's library entry: no
//! binary to spawn and no startup line to wait for, so a test that only talks TCP to the
//! server starts faster and fails with the server's own error rather than a timeout.
//!
//! What the server keeps process-wide (the metrics registry, the drain flag, the log
//! subscriber) is shared by every in-process server of one test binary, so tests that read
//! metrics or logs, drain, send signals or restart on the same files keep using the real
//! binary ([`super::Server`]), which is also what proves the binary itself.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use namesrv::{config, Shutdown};

use super::Client;

/// A running in-process name server, stopped (and waited for) when dropped.
pub struct InProcess {
    pub addr: String,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl InProcess {
    /// Starts on a free loopback port with a temp KV path and the given `key=value`
    /// settings.
    pub fn start(settings: &[&str]) -> InProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut overrides = vec![
            ("bindAddress".to_owned(), "127.0.0.1".to_owned()),
            ("listenPort".to_owned(), "0".to_owned()),
            (
                "kvConfigPath".to_owned(),
                dir.path().join("kvConfig.json").display().to_string(),
            ),
            (
                "configStorePath".to_owned(),
                dir.path().join("namesrv.properties").display().to_string(),
            ),
        ];
        overrides.extend(settings.iter().map(|s| {
            let (k, v) = s.split_once('=').expect("settings are key=value");
            (k.to_owned(), v.to_owned())
        }));
        let loaded = config::load(None, std::iter::empty(), &overrides).expect("config loads");
        let (stop, shutdown) = Shutdown::trigger();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            namesrv::run(loaded, shutdown, move |ready| {
                let _ = ready_tx.send(ready.remoting);
            })
        });
        let addr = match ready_rx.recv_timeout(Duration::from_secs(20)) {
            Ok(addr) => addr.to_string(),
            Err(_) => panic!(
                "in-process name server did not start: {:?}",
                thread.join().expect("server thread")
            ),
        };
        InProcess {
            addr,
            dir,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn client(&self) -> Client {
        Client::connect(&self.addr)
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let result = thread.join();
            if !std::thread::panicking() {
                assert_eq!(
                    result.expect("server thread"),
                    Ok(()),
                    "server stopped cleanly"
                );
            }
        }
    }
}
