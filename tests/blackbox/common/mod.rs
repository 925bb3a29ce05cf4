//! Shared fixtures of the black-box and acceptance tests: the real `namesrv` binary on a
//! loopback port, and the shared blocking client (`namesrv-client`) with a test's manners.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

// Each test binary uses some of them.
#[allow(unused_imports)]
pub use namesrv_client::{request, route_query, with_ext, Broker};
use namesrv_client::{ClientError, ClientErrorKind};
use namesrv_protocol::{RemotingCommand, SerializeType};

pub mod controller;
pub mod haproxy;
pub mod in_process;
pub mod java;
pub mod pki;
pub mod raw_replica;

/// A running name server, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
    /// Log lines printed up to and including the startup line.
    pub startup_log: Vec<String>,
    pub dir: tempfile::TempDir,
    pub log: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the binary on an ephemeral loopback port with a temp KV path and the given
    /// `key=value` settings.
    pub fn start(settings: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir, settings)
    }

    /// Starts in an existing directory (to restart on the same files).
    pub fn start_in(dir: tempfile::TempDir, settings: &[&str]) -> Server {
        Self::start_with_env(dir, settings, &[])
    }

    /// Starts with extra environment variables for the server process (they win over the
    /// fixture's own `RUST_LOG` and `HOME`).
    pub fn start_with_env(
        dir: tempfile::TempDir,
        settings: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        Self::start_via(dir, settings, env, &[])
    }

    /// Starts the binary through `launcher` (a command that ends by exec-ing its arguments,
    /// such as `unshare -m sh -c '…; exec "$0" "$@"'`), so the pid is still the server's.
    pub fn start_via(
        dir: tempfile::TempDir,
        settings: &[&str],
        env: &[(&str, &str)],
        launcher: &[&str],
    ) -> Server {
        let kv = dir.path().join("kvConfig.json");
        let store = dir.path().join("namesrv.properties");
        let mut cmd = match launcher.split_first() {
            Some((program, args)) => {
                let mut cmd = Command::new(program);
                cmd.args(args).arg(env!("CARGO_BIN_EXE_namesrv"));
                cmd
            }
            None => Command::new(env!("CARGO_BIN_EXE_namesrv")),
        };
        cmd.arg("-o")
            .arg("bindAddress=127.0.0.1")
            .arg("-o")
            .arg("listenPort=0")
            .arg("-o")
            .arg(format!("kvConfigPath={}", kv.display()))
            .arg("-o")
            .arg(format!("configStorePath={}", store.display()));
        for s in settings {
            cmd.arg("-o").arg(s);
        }
        cmd.env("RUST_LOG", "info")
            .env("HOME", dir.path())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start namesrv");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut startup_log = Vec::new();
        let addr = loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("namesrv printed its startup line in time");
            startup_log.push(line.clone());
            if let Some(rest) = line.split("address ").nth(1) {
                break rest.split(',').next().unwrap().trim().to_string();
            }
        };
        Server {
            child,
            addr,
            startup_log,
            dir,
            log: rx,
        }
    }

    /// The value of the metric line starting with `series` in `GET /metrics`, 0 when the
    /// series is absent (the server must run with `httpPort` set).
    pub fn metric(&self, series: &str) -> f64 {
        self.metrics_text()
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// The text of `GET /metrics` (the server must run with `httpPort=0` or a port).
    pub fn metrics_text(&self) -> String {
        self.http_get("/metrics").1
    }

    /// `GET path` on the HTTP endpoint (the server must run with `httpPort` set): the status
    /// code and the body.
    pub fn http_get(&self, path: &str) -> (u16, String) {
        let web = self
            .startup_log
            .iter()
            .find_map(|l| l.split("at http://").nth(1))
            .expect("the HTTP endpoint's address is logged (httpPort set?)")
            .trim()
            .to_owned();
        let mut http = std::net::TcpStream::connect(&web).expect("HTTP endpoint");
        write!(
            http,
            "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        .expect("request sent");
        let mut text = String::new();
        http.read_to_string(&mut text).expect("response read");
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
        (status, body)
    }

    pub fn client(&self) -> Client {
        Client::connect(&self.addr)
    }

    pub fn kv_path(&self) -> PathBuf {
        self.dir.path().join("kvConfig.json")
    }

    /// Sends SIGTERM and waits for the exit status (graceful shutdown).
    pub fn terminate(mut self) -> (std::process::ExitStatus, tempfile::TempDir) {
        send_signal(self.child.id(), "TERM");
        let status =
            wait_timeout(&mut self.child, Duration::from_secs(10)).expect("exited after SIGTERM");
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        (status, dir)
    }

    /// Sends SIGKILL and returns the directory for a restart.
    pub fn kill(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap())
    }

    /// Sends a signal by name (`USR1`, `TERM`, …) without waiting.
    pub fn signal(&self, signal: &str) {
        send_signal(self.child.id(), signal);
    }

    /// The first log line containing `needle`, from the startup lines or those after them
    /// (waiting up to 10 s for it).
    pub fn wait_for_log(&self, needle: &str) -> String {
        if let Some(line) = self.startup_log.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        loop {
            let line = self
                .log
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("the server logged {needle:?} in time"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends signal `signal` (a name: `STOP`, `CONT`, `TERM`, …) to process `pid`.
pub fn send_signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The shared blocking client (`namesrv-client`) with a test's manners: a 10 s read timeout
/// and no write timeout, every failure but a closed connection panics, and an answer must
/// carry the response flag.
pub struct Client {
    inner: namesrv_client::Client,
}

impl Client {
    pub fn connect(addr: &str) -> Client {
        let inner =
            namesrv_client::Client::connect(addr, Duration::from_secs(10)).expect("connect");
        inner.stream().set_write_timeout(None).unwrap();
        Client { inner }
    }

    /// A client on a connection the test opened; reads time out after 10 s.
    pub fn from_stream(stream: TcpStream) -> Client {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            inner: namesrv_client::Client::from_stream(stream),
        }
    }

    /// The socket, to change its timeouts.
    pub fn stream(&self) -> &TcpStream {
        self.inner.stream()
    }

    /// The header encoding of the requests sent from now on.
    pub fn set_encoding(&mut self, encoding: SerializeType) {
        self.inner.set_encoding(encoding);
    }

    /// Writes raw bytes, reporting a write error (for connections the server may cut).
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.inner.send_raw(bytes)
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.inner.send_raw(bytes).expect("write");
    }

    /// Sends `request` (opaque assigned here) without waiting.
    pub fn send(&mut self, request: RemotingCommand) -> i32 {
        self.inner.send(request).expect("write")
    }

    /// Sends `request` with its own opaque and reports a write error instead of panicking
    /// (for requests the server is expected to cut off).
    pub fn try_send(&mut self, request: RemotingCommand) -> Result<(), ClientError> {
        self.inner.send_as_is(request)
    }

    /// Reads the next frame; `None` when the server closed the connection.
    pub fn read(&mut self) -> Option<RemotingCommand> {
        match self.inner.read() {
            Ok(frame) => frame,
            Err(ClientError {
                kind: ClientErrorKind::Io(e),
                ..
            }) if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ) =>
            {
                None
            }
            Err(e) => panic!("read failed: {e}"),
        }
    }

    /// Sends and waits for the response with the same opaque.
    pub fn call(&mut self, request: RemotingCommand) -> RemotingCommand {
        let opaque = self.send(request);
        loop {
            let resp = self
                .read()
                .expect("a response before the connection closed");
            if resp.opaque == opaque {
                assert!(resp.is_response(), "answer carries the response flag");
                return resp;
            }
        }
    }

    /// Whether the server closes this connection within `timeout`.
    pub fn closed_within(&mut self, timeout: Duration) -> bool {
        let mut stream = self.inner.stream();
        stream.set_read_timeout(Some(timeout)).unwrap();
        let mut chunk = [0u8; 1024];
        let deadline = Instant::now() + timeout;
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
            if Instant::now() > deadline {
                return false;
            }
        }
    }
}

/// Polls `f` until it returns true or `timeout` passes.
pub fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

/// The decoded route of `topic`, or the response code when there is none.
pub fn route_of(
    client: &mut Client,
    topic: &str,
) -> Result<namesrv_protocol::body::TopicRouteData, i32> {
    use namesrv_protocol::body::JsonBody;
    let resp = client.call(route_query(topic));
    if resp.code != 0 {
        return Err(resp.code);
    }
    Ok(namesrv_protocol::body::TopicRouteData::from_json(&resp.body).expect("route body decodes"))
}
/// What a run of the binary that is expected to end by itself printed, and how it ended.
pub struct Exited {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with `args` (and `env`, HOME set to `home`) until it exits: for `-p` and
/// for starts that must be refused. One still running after 20 s is killed and fails the
/// test (it started when it should not have).
pub fn run_to_exit(args: &[&str], env: &[(&str, &str)], home: &std::path::Path) -> Exited {
    let mut child = Command::new(env!("CARGO_BIN_EXE_namesrv"))
        .args(args)
        .env("RUST_LOG", "info")
        .env("HOME", home)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start namesrv");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let status = wait_timeout(&mut child, Duration::from_secs(20));
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    Exited {
        status: status.unwrap_or_else(|| panic!("namesrv {args:?} did not exit by itself")),
        stdout: out.join().expect("stdout read"),
        stderr: err.join().expect("stderr read"),
    }
}
