//! Replication of the controller state on openraft.
//!
//! The controller group is a Raft group: only its leader decides, and a decision's events are
//! committed to a majority (and fsynced on each of them) before the request that caused them is
//! answered. openraft (0.9, storage v2) is the consensus engine; this module gives it what an
//! application must: the log entry payload ([`Command`]), a durable log ([`log_store`]), the state
//! machine with snapshots ([`state_machine`]) and the transport between nodes ([`network`]).
//!
//! Raft traffic rides on the controller listener itself, as one private request code
//! ([`RAFT_RPC_CODE`]) whose body is the JSON of openraft's request, so a node has one address
//! (Java's `controllerDLegerPeers` entry) for brokers, tools and its peers alike.

pub mod log_store;
pub mod network;
mod node;
pub mod peers;
pub mod state_machine;

use std::io::Cursor;

use serde::{Deserialize, Serialize};

use crate::state::ControllerEvent;

pub use node::{start_node, ControllerNode, NodeError, RaftTuning};
pub use peers::{ControllerPeers, PeersError};

/// The private request code of Raft messages between our controllers (see the request table).
pub const RAFT_RPC_CODE: i32 =
    namesrv_protocol::code::ControllerRequestCode::CONTROLLER_RAFT_RPC.code();

/// One Raft log entry's payload: the events of one decision, applied together or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub events: Vec<ControllerEvent>,
}

/// What applying a [`Command`] yields to the writer: nothing beyond "applied"; the answer was
/// decided before the events were proposed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Applied;

/// A node's id in the Raft group: the position of its peer id (`n0`, `n1`, …) in the sorted
/// peer list, so every node derives the same ids from the same `controllerDLegerPeers`.
pub type NodeId = u64;

openraft::declare_raft_types!(
    /// openraft's type configuration for the controller group.
    pub TypeConfig:
        D = Command,
        R = Applied,
        NodeId = NodeId,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

pub type Raft = openraft::Raft<TypeConfig>;
pub type LogId = openraft::LogId<NodeId>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type Vote = openraft::Vote<NodeId>;
pub type StorageError = openraft::StorageError<NodeId>;
pub type StoredMembership = openraft::StoredMembership<NodeId, openraft::BasicNode>;
