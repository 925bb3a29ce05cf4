//! Shared fixtures of the black-box tests: the real `namesrv` binary on a loopback port, and
//! a minimal blocking client speaking the remoting protocol through our codec.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use namesrv_protocol::frame::encode_frame;
use namesrv_protocol::{ExtFields, RemotingCodec, RemotingCommand, SerializeType};
use tokio_util::codec::Decoder;

pub mod java;

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

    /// Starts with extra environment variables for the server process.
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
        cmd.envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .env("HOME", dir.path())
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

    /// The text of `GET /metrics` (the server must run with `httpPort=0` or a port).
    pub fn metrics_text(&self) -> String {
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
            "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        .expect("request sent");
        let mut text = String::new();
        http.read_to_string(&mut text).expect("response read");
        text
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

/// A blocking remoting client.
pub struct Client {
    pub stream: TcpStream,
    buf: BytesMut,
    codec: RemotingCodec,
    next_opaque: i32,
    pub encoding: SerializeType,
}

impl Client {
    pub fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: BytesMut::new(),
            codec: RemotingCodec::new(64 * 1024 * 1024),
            next_opaque: 1,
            encoding: SerializeType::Json,
        }
    }

    /// Writes raw bytes, reporting a write error (for connections the server may cut).
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Sends `request` (opaque assigned here) without waiting.
    pub fn send(&mut self, mut request: RemotingCommand) -> i32 {
        request.opaque = self.next_opaque;
        request.serialize_type = self.encoding;
        self.next_opaque += 1;
        let frame = encode_frame(&request).expect("encode");
        self.send_raw(&frame);
        request.opaque
    }

    /// Sends `request` and reports a write error instead of panicking (for requests the
    /// server is expected to cut off).
    /// The request's own opaque is kept.
    pub fn try_send(&mut self, mut request: RemotingCommand) -> std::io::Result<()> {
        request.serialize_type = self.encoding;
        let frame = encode_frame(&request).expect("encode");
        self.stream.write_all(&frame)
    }

    /// Reads the next frame; `None` when the server closed the connection.
    pub fn read(&mut self) -> Option<RemotingCommand> {
        loop {
            if let Some(cmd) = self
                .codec
                .decode(&mut self.buf)
                .expect("server frames decode")
            {
                return Some(cmd);
            }
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return None,
                Err(e) => panic!("read failed: {e}"),
            }
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
        self.stream.set_read_timeout(Some(timeout)).unwrap();
        let mut chunk = [0u8; 1024];
        let deadline = Instant::now() + timeout;
        loop {
            match self.stream.read(&mut chunk) {
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

/// A request with the given ext fields.
pub fn request(code: i32, fields: &[(&str, &str)]) -> RemotingCommand {
    let ext: ExtFields = fields.iter().map(|(k, v)| (*k, *v)).collect();
    RemotingCommand::request(code, Some(ext))
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

/// A broker's identity for building REGISTER_BROKER requests.
#[derive(Clone)]
pub struct Broker {
    pub cluster: String,
    pub name: String,
    pub addr: String,
    pub id: i64,
}

impl Broker {
    pub fn new(cluster: &str, name: &str, addr: &str, id: i64) -> Broker {
        Broker {
            cluster: cluster.into(),
            name: name.into(),
            addr: addr.into(),
            id,
        }
    }

    /// A 5.x-style REGISTER_BROKER with a JSON RegisterBrokerBody holding `topics`
    /// (name, queue count, perm) and the data version counter `counter`. (Like Java, the
    /// server refuses a *first* registration carrying exactly one topic: it takes it for an
    /// incremental update from a broker it does not know. Real brokers always send their
    /// system topics too; tests pass two or more.)
    pub fn register(&self, topics: &[(&str, i32, i32)], counter: i64) -> RemotingCommand {
        use namesrv_protocol::body::{
            DataVersion, JsonBody, JsonDialect, RegisterBrokerBody, TopicConfig,
            TopicConfigSerializeWrapper,
        };
        let wrapper = TopicConfigSerializeWrapper {
            topic_config_table: topics
                .iter()
                .map(|(t, q, perm)| {
                    (
                        t.to_string(),
                        TopicConfig {
                            topic_name: Some(t.to_string()),
                            read_queue_nums: *q,
                            write_queue_nums: *q,
                            perm: *perm,
                            topic_filter_type: "SINGLE_TAG".into(),
                            topic_sys_flag: 0,
                            order: false,
                            attributes: Default::default(),
                        },
                    )
                })
                .collect(),
            data_version: DataVersion {
                state_version: 0,
                timestamp: 1_700_000_000_000,
                counter,
            },
            topic_queue_mapping_info_map: Default::default(),
        };
        let body = RegisterBrokerBody {
            topic_config_serialize_wrapper: wrapper,
            filter_server_list: vec![],
        }
        .to_json(JsonDialect::Fastjson);
        let crc = namesrv_protocol::body::body_crc32(&body).to_string();
        let id = self.id.to_string();
        let ha = format!("{}1", self.addr);
        request(
            103,
            &[
                ("brokerName", &self.name),
                ("brokerAddr", &self.addr),
                ("clusterName", &self.cluster),
                ("haServerAddr", &ha),
                ("brokerId", &id),
                ("enableActingMaster", "false"),
                ("compressed", "false"),
                ("bodyCrc32", &crc),
            ],
        )
        .with_body(body)
    }

    pub fn unregister(&self) -> RemotingCommand {
        let id = self.id.to_string();
        request(
            104,
            &[
                ("brokerName", &self.name),
                ("brokerAddr", &self.addr),
                ("clusterName", &self.cluster),
                ("brokerId", &id),
            ],
        )
    }
}

/// GET_ROUTEINFO_BY_TOPIC.
pub fn route_query(topic: &str) -> RemotingCommand {
    request(105, &[("topic", topic)])
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

/// `cmd` with ext field `key` set to `value` (`None` removes it).
pub fn with_ext(mut cmd: RemotingCommand, key: &str, value: Option<&str>) -> RemotingCommand {
    let mut fields = cmd.ext_fields.take().unwrap_or_default();
    match value {
        Some(v) => fields.insert(key, v),
        None => {
            fields.remove(key);
        }
    }
    cmd.ext_fields = Some(fields);
    cmd
}
