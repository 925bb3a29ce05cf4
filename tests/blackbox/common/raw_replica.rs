//! A broker replica made by hand, for controller tests that speak the broker's side of the
//! protocol themselves: an address (a listener, so the controller's role-change notices have
//! somewhere to go), the registration sequence a 5.x broker runs, and its heartbeats.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use namesrv_client::{request, Client};
use namesrv_protocol::RemotingCommand;

pub const GET_NEXT_BROKER_ID: i32 = 1012;
pub const APPLY_BROKER_ID: i32 = 1013;
pub const REGISTER_BROKER: i32 = 1003;
pub const BROKER_HEARTBEAT: i32 = 904;
pub const ELECT_MASTER: i32 = 1002;

/// One request on a fresh connection.
pub fn call(addr: &str, request: RemotingCommand) -> RemotingCommand {
    let mut client =
        Client::connect(addr, Duration::from_secs(5)).expect("connect to the controller");
    client.call(request).expect("an answer")
}

/// CONTROLLER_ELECT_MASTER as a broker asks it (not designated).
pub fn elect(leader: &str, cluster: &str, group: &str, broker_id: i64) -> RemotingCommand {
    let id = broker_id.to_string();
    call(
        leader,
        request(
            ELECT_MASTER,
            &[
                ("clusterName", cluster),
                ("brokerName", group),
                ("brokerId", &id),
                ("designateElect", "false"),
                ("invokeTime", "1"),
            ],
        ),
    )
}

/// What a heartbeat reports besides who sends it.
#[derive(Debug, Clone, Copy)]
pub struct Beat {
    pub epoch: i32,
    pub max_offset: i64,
    /// How long the controller keeps the replica alive without another heartbeat.
    pub timeout_ms: u64,
}

pub struct RawReplica {
    pub id: i64,
    cluster: &'static str,
    group: &'static str,
    listener: TcpListener,
    /// The controller heartbeats go to, and the connection to it.
    heartbeat: Option<(String, Client)>,
}

impl RawReplica {
    /// A broker's registration sequence on the leader: next id (1012), apply it (1013),
    /// heartbeat (904), register (1003).
    pub fn register(
        leader: &str,
        cluster: &'static str,
        group: &'static str,
        beat: Beat,
    ) -> RawReplica {
        let names = [("clusterName", cluster), ("brokerName", group)];
        let next = call(leader, request(GET_NEXT_BROKER_ID, &names));
        assert_eq!(next.code, 0, "{:?}", next.remark);
        let id: i64 = next
            .ext("nextBrokerId")
            .expect("nextBrokerId")
            .parse()
            .expect("a number");
        let mut replica = RawReplica {
            id,
            cluster,
            group,
            listener: TcpListener::bind("127.0.0.1:0").expect("bind"),
            heartbeat: None,
        };
        let (address, id_text) = (replica.address(), id.to_string());
        let check = format!("{address};{}", 1_700_000_000_000i64 + id);
        let applied = call(
            leader,
            request(
                APPLY_BROKER_ID,
                &[
                    names[0],
                    names[1],
                    ("appliedBrokerId", &id_text),
                    ("registerCheckCode", &check),
                ],
            ),
        );
        assert_eq!(applied.code, 0, "{:?}", applied.remark);
        replica.heartbeat(leader, beat);
        // The heartbeat is one-way on another connection: the controller may see the
        // registration first.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let registered = call(
                leader,
                request(
                    REGISTER_BROKER,
                    &[
                        names[0],
                        names[1],
                        ("brokerId", &id_text),
                        ("brokerAddress", &address),
                        ("invokeTime", "1"),
                    ],
                ),
            );
            if registered.code == 0 {
                return replica;
            }
            assert!(
                Instant::now() < deadline,
                "register: {} {:?}",
                registered.code,
                registered.remark
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn address(&self) -> String {
        self.listener.local_addr().expect("bound").to_string()
    }

    /// The listener the controller's notices to this replica arrive on.
    pub fn listener(&self) -> &TcpListener {
        &self.listener
    }

    /// Closes the heartbeat connection, as the kernel does when a broker's process dies.
    pub fn close_heartbeat(&mut self) {
        self.heartbeat = None;
    }

    /// A one-way BROKER_HEARTBEAT to `controller`, over a new connection when the controller
    /// changed (only the leader acts on liveness).
    pub fn heartbeat(&mut self, controller: &str, beat: Beat) {
        if self.heartbeat.as_ref().map(|(to, _)| to.as_str()) != Some(controller) {
            let client = Client::connect(controller, Duration::from_secs(5)).expect("connect");
            self.heartbeat = Some((controller.to_owned(), client));
        }
        let (id, addr) = (self.id.to_string(), self.address());
        let (epoch, offset, timeout) = (
            beat.epoch.to_string(),
            beat.max_offset.to_string(),
            beat.timeout_ms.to_string(),
        );
        let hb = request(
            BROKER_HEARTBEAT,
            &[
                ("clusterName", self.cluster),
                ("brokerName", self.group),
                ("brokerAddr", &addr),
                ("brokerId", &id),
                ("epoch", &epoch),
                ("maxOffset", &offset),
                ("confirmOffset", &offset),
                ("heartbeatTimeoutMills", &timeout),
                ("electionPriority", "0"),
            ],
        );
        let (_, client) = self.heartbeat.as_mut().expect("connected");
        client.send(hb.oneway()).expect("heartbeat sent");
    }
}
