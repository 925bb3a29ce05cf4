//! Starting this node's Raft engine.
//!
//! Every node of a new group initializes it with the full membership from the configuration;
//! openraft allows that when all nodes give the same membership, and it is what lets a group
//! of our controllers start in any order with no bootstrap step. A node that already has a log
//! or a vote skips it.

use std::path::Path;
use std::sync::Arc;

use openraft::{BasicNode, Config, SnapshotPolicy};
use thiserror::Error;

use super::log_store::LogStore;
use super::network::Network;
use super::peers::ControllerPeers;
use super::state_machine::{SharedReplicas, StateMachine};
use super::Raft;

/// Raft timing. Java's DLedger group took 7.6–8.9 s to replace a killed leader on our machine.
/// With a heartbeat every 100 ms and an election timeout of 0.5–1 s, ours replaced it in
/// 1.6–1.8 s (blackbox_controller, three runs): a follower waits out one timeout, and openraft's
/// leader lease makes the first vote wait out about another. 1–2 s timeouts gave 2.8–3.3 s.
/// Five missed heartbeats in a row are needed for a needless election, which a busy two-core
/// machine running JVMs beside us did not produce in our runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaftTuning {
    pub heartbeat_interval_ms: u64,
    pub election_timeout_min_ms: u64,
    pub election_timeout_max_ms: u64,
    /// A snapshot is taken after this many entries since the last one.
    pub snapshot_every_entries: u64,
}

impl Default for RaftTuning {
    fn default() -> Self {
        Self {
            heartbeat_interval_ms: 100,
            election_timeout_min_ms: 500,
            election_timeout_max_ms: 1000,
            snapshot_every_entries: 1000,
        }
    }
}

#[derive(Debug, Error)]
pub enum NodeError {
    #[error("controller store {path}: {source}")]
    Store {
        path: String,
        source: std::io::Error,
    },
    #[error("raft configuration: {0}")]
    Config(String),
    #[error("raft engine: {0}")]
    Engine(String),
}

/// This node's engine and the state it applies.
#[derive(Clone)]
pub struct ControllerNode {
    pub raft: Raft,
    pub replicas: SharedReplicas,
    pub peers: Arc<ControllerPeers>,
}

/// Opens the store under `store_path/raft`, starts the engine and forms the group if new.
pub async fn start_node(
    peers: ControllerPeers,
    store_path: &Path,
    tuning: RaftTuning,
) -> Result<ControllerNode, NodeError> {
    let dir = store_path.join("raft");
    let store_error = |source| NodeError::Store {
        path: dir.display().to_string(),
        source,
    };
    let log_store = LogStore::open(&dir).map_err(store_error)?;
    let state_machine = StateMachine::open(&dir).map_err(store_error)?;
    let replicas = state_machine.replicas();
    let config = Config {
        cluster_name: peers.group.clone(),
        heartbeat_interval: tuning.heartbeat_interval_ms,
        election_timeout_min: tuning.election_timeout_min_ms,
        election_timeout_max: tuning.election_timeout_max_ms,
        snapshot_policy: SnapshotPolicy::LogsSinceLast(tuning.snapshot_every_entries),
        max_in_snapshot_log_to_keep: 0,
        ..Config::default()
    }
    .validate()
    .map_err(|e| NodeError::Config(e.to_string()))?;
    let raft = Raft::new(
        peers.self_id,
        Arc::new(config),
        Network,
        log_store,
        state_machine,
    )
    .await
    .map_err(|e| NodeError::Engine(e.to_string()))?;
    if !raft
        .is_initialized()
        .await
        .map_err(|e| NodeError::Engine(e.to_string()))?
    {
        let members = peers
            .nodes
            .iter()
            .map(|(id, (_, addr))| (*id, BasicNode::new(addr)))
            .collect::<std::collections::BTreeMap<_, _>>();
        // Another node may have formed the group first; that is the same membership.
        if let Err(e) = raft.initialize(members).await {
            tracing::debug!("controller group already formed: {e}");
        }
    }
    Ok(ControllerNode {
        raft,
        replicas,
        peers: Arc::new(peers),
    })
}
