//! The RocketMQ 5 controller: which replica of a controller-mode broker group is master.
//!
//! Brokers started with `enableControllerMode=true` ask the controller for a broker id, register
//! with it, heartbeat to it, and ask it to elect a master when theirs is gone. The controller's
//! state (broker ids, masters, epochs, sync-state sets) changes only by [`state::ControllerEvent`]s,
//! which the leader of a Raft group commits before it answers; every node applies the same events
//! in the same order.
//!
//! * [`state`]: plain Rust, no actors, no Raft: the replicated state, the events that change
//!   it, the decisions that produce events from requests, the election policy, the liveness
//!   table.
//! * [`raft`]: openraft's storage, state machine and transport for that state.
//! * [`actor`]: the two owners (replicated state; broker liveness) and their messages.
//! * [`session`], [`listener`]: the controller's own port, as Java's (`controllerDLegerPeers`).
//! * [`config`]: Java's `ControllerConfig` keys.
//!
//! [`start`] runs one node inside the caller's actix system: embedded in the name server
//! (`enableControllerInNamesrv=true`) or alone (`namesrv --controller`).

pub mod actor;
pub mod config;
pub mod listener;
pub mod metrics;
pub mod raft;
pub mod services;
pub mod session;
pub mod state;

use std::net::SocketAddr;

use actix::prelude::*;
use thiserror::Error;
use tracing::info;

use actor::liveness::{LivenessOwner, ReportTo};
use actor::replicas::ReplicasOwner;
pub use config::{ConfigError, ControllerConfig};
use metrics::ControllerMetrics;
use raft::{ControllerNode, NodeError};
use services::ControllerServices;

#[derive(Debug, Error)]
pub enum StartError {
    #[error("cannot listen for the controller on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Node(#[from] NodeError),
}

/// A running controller node.
pub struct Controller {
    pub address: SocketAddr,
    pub node: ControllerNode,
    accept: tokio::task::JoinHandle<()>,
}

impl Controller {
    /// Whether the group has a leader this node knows of (what `/readyz` asks).
    pub fn has_leader(&self) -> bool {
        self.node.raft.metrics().borrow().current_leader.is_some()
    }

    /// Stops accepting and shuts the engine down.
    pub async fn stop(self) {
        self.accept.abort();
        let _ = self.node.raft.shutdown().await;
    }
}

/// Starts this node: listener first (so peers reach it as soon as the engine runs), then the
/// engine, then the owners.
pub async fn start(config: ControllerConfig) -> Result<Controller, StartError> {
    let address = config.peers.self_address().to_string();
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|source| StartError::Listen {
            address: address.clone(),
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| StartError::Listen {
        address: address.clone(),
        source,
    })?;
    let node = raft::start_node(config.peers.clone(), &config.store_path, config.raft).await?;
    let metrics = ControllerMetrics::get();
    actix::spawn(metrics.clone().watch_raft(node.raft.clone()));
    let liveness = LivenessOwner::new(metrics.clone()).start();
    let replicas =
        ReplicasOwner::new(node.clone(), liveness.clone(), config.clone(), metrics).start();
    liveness.do_send(ReportTo(replicas.clone()));
    let services = ControllerServices {
        replicas,
        liveness,
        raft: node.raft.clone(),
    };
    let accept = actix::spawn(listener::serve(listener, services));
    info!(
        address = %bound,
        group = %config.peers.group,
        node = config.peers.peer_name(config.peers.self_id).unwrap_or_default(),
        store = %config.store_path.display(),
        "controller started"
    );
    Ok(Controller {
        address: bound,
        node,
        accept,
    })
}
