//! The replicated controller state and the decisions that change it. Plain Rust: no actors,
//! no Raft, no I/O, no clock.
//!
//! The flow, Java's: a request reaches the leader, which asks [`ReplicasInfo`] for a
//! [`Decision`] (read-only; it may consult the [`liveness`] table and the [`ElectPolicy`]).
//! The decision holds the [`ControllerEvent`]s to commit and the answer to give once they
//! are committed. Every node applies committed events with [`ReplicasInfo::apply`], in log
//! order. Because decisions are made one at a time on the leader and read the state the
//! previous events left, the leader must apply an entry before deciding on the next request
//! (Java runs them on one event thread).
//!
//! * [`events`]: the log's event kinds;
//! * [`replicas`]: the state and `apply`;
//! * [`decisions`]: one file per request family;
//! * [`elect`]: the election policy;
//! * [`liveness`]: the heartbeat table the leader keeps beside the state (not replicated).

mod decision;
mod decisions;
pub mod elect;
pub mod events;
pub mod liveness;
pub mod replicas;

pub use decision::Decision;
pub use decisions::CONTROLLER_TRIGGER_BROKER_ID;
pub use elect::ElectPolicy;
pub use events::ControllerEvent;
pub use liveness::{
    BrokerLiveTable, ExpiredReplica, HeartbeatError, LiveView, LivenessSnapshot, ReplicaHeartbeat,
    ReplicaKey, ReplicaLiveness,
};
pub use replicas::{
    BrokerReplicaInfo, ReplicaRecord, ReplicasInfo, RoleChangeNotice, SyncStateInfo,
    FIRST_BROKER_ID,
};

use namesrv_protocol::body::{JsonBody, JsonDialect};

/// A body as Java's controller writes it (fastjson, bare integer map keys).
fn body_json(body: &impl JsonBody) -> Vec<u8> {
    body.to_json(JsonDialect::Fastjson)
}
