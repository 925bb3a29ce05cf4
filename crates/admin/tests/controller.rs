//! The controller commands' leader search against scripted controller nodes: answers a real
//! controller gives only at awkward moments (a leader that names itself but answers
//! CONTROLLER_NOT_LEADER, as Java's does right after its election) are given here on demand.
//! The commands against real controllers, ours and Java's, are in
//! tests/blackbox/admin_controller.rs.

use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use namesrv_client::Client;
use namesrv_protocol::{ExtFields, RemotingCommand};

const GET_METADATA_INFO: i32 = 1005;
const GET_SYNC_STATE_DATA: i32 = 1006;
const NOT_LEADER: i32 = 2007;

/// Java's 1006 answer for one group, bare-key style aside (it has no number-keyed map).
const REPLICAS: &str = concat!(
    r#"{"replicasInfoTable":{"broker-a":{"inSyncReplicas":[{"alive":true,"brokerAddress":"127.0.0.1:30911","brokerId":1,"brokerName":"broker-a"}],"#,
    r#""masterAddress":"127.0.0.1:30911","masterBrokerId":1,"masterEpoch":1,"notInSyncReplicas":[],"syncStateSetEpoch":1}}}"#
);

/// A controller node on a loopback port answering each request with `answer(request, n)`,
/// where `n` counts the requests of that code so far; it records every code it was sent.
struct ScriptedNode {
    addr: String,
    seen: Arc<Mutex<Vec<i32>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ScriptedNode {
    fn start(
        answer: impl Fn(&RemotingCommand, usize) -> RemotingCommand + Send + 'static,
    ) -> ScriptedNode {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("bound").to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen_by, stopped) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for connection in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = connection else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut peer = Client::from_stream(stream);
                // One connection at a time, as the tool opens them; bounded by its timeout.
                while let Ok(Some(request)) = peer.read() {
                    let n = {
                        let mut seen = seen_by.lock().unwrap();
                        seen.push(request.code);
                        seen.iter().filter(|c| **c == request.code).count()
                    };
                    let reply = answer(&request, n).with_opaque(request.opaque);
                    if peer.send_as_is(reply).is_err() {
                        break;
                    }
                }
            }
        });
        ScriptedNode {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    fn count(&self, code: i32) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|c| **c == code)
            .count()
    }
}

impl Drop for ScriptedNode {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn metadata(request: &RemotingCommand, leader: &str, is_leader: bool) -> RemotingCommand {
    let mut ext = ExtFields::new();
    ext.insert("group", "g");
    ext.insert("controllerLeaderId", "n1");
    ext.insert("controllerLeaderAddress", leader);
    ext.insert("isLeader", if is_leader { "true" } else { "false" });
    ext.insert("peers", "n0:a;n1:b;");
    RemotingCommand::response_to(request, 0).with_ext_fields(ext)
}

/// A follower naming `leader`.
fn follower(leader: String) -> ScriptedNode {
    ScriptedNode::start(move |request, _| match request.code {
        GET_METADATA_INFO => metadata(request, &leader, false),
        _ => RemotingCommand::response_to(request, NOT_LEADER)
            .with_remark("The controller is not in leader state"),
    })
}

/// A node that says it leads and answers 1006 with CONTROLLER_NOT_LEADER `refusals` times
/// before it serves.
fn leader(refusals: usize) -> ScriptedNode {
    let own = Arc::new(Mutex::new(String::new()));
    let own_addr = own.clone();
    let node = ScriptedNode::start(move |request, n| match request.code {
        GET_METADATA_INFO => metadata(request, &own_addr.lock().unwrap(), true),
        GET_SYNC_STATE_DATA if n <= refusals => RemotingCommand::response_to(request, NOT_LEADER)
            .with_remark("The controller is not in leader state"),
        GET_SYNC_STATE_DATA => {
            RemotingCommand::response_to(request, 0).with_body(REPLICAS.as_bytes().to_vec())
        }
        _ => RemotingCommand::response_to(request, 3).with_remark("not supported"),
    });
    *own.lock().unwrap() = node.addr.clone();
    node
}

fn admin(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_namesrv-admin"))
        .args(["--timeout-ms", "2000"])
        .args(args)
        .output()
        .expect("run namesrv-admin");
    (out, started.elapsed())
}

#[test]
fn a_leader_that_does_not_serve_yet_is_asked_again_through_a_follower() {
    let leader = leader(2);
    let follower = follower(leader.addr.clone());
    let (out, took) = admin(&["sync-state-set", "-a", &follower.addr, "-b", "broker-a"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let group = stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&"broker-a"));
    assert_eq!(
        group,
        Some(vec!["broker-a", "1", "127.0.0.1:30911", "1", "1"]),
        "{stdout}"
    );
    assert_eq!(
        leader.count(GET_SYNC_STATE_DATA),
        3,
        "two refusals, then the answer"
    );
    assert_eq!(
        follower.count(GET_SYNC_STATE_DATA),
        0,
        "followers are not asked"
    );
    println!("served on the third try after {took:?}");
}

#[test]
fn a_leader_that_never_serves_ends_the_search_after_a_bounded_number_of_tries() {
    let leader = leader(usize::MAX);
    let follower = follower(leader.addr.clone());
    let list = format!("{};{}", follower.addr, leader.addr);
    let (out, took) = admin(&["--json", "sync-state-set", "-a", &list, "-b", "broker-a"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert!(
        json["error"]
            .as_str()
            .is_some_and(|e| e.contains("no controller leader could be reached")),
        "{json}"
    );
    assert!(stderr.contains("answered code 2007"), "{stderr}");
    // Named by both addresses, tried once: the first ask and four more.
    assert_eq!(leader.count(GET_SYNC_STATE_DATA), 5);
    assert!(took < Duration::from_secs(10), "{took:?}");
}
