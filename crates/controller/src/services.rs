//! What every controller session is handed: the two owners' addresses and the Raft engine.
//!
//! The engine is here (and not behind an owner) for one reason: Raft messages from the other
//! controllers must reach it even while the state owner waits for a commit that needs them.

use actix::Addr;

use crate::actor::liveness::LivenessOwner;
use crate::actor::replicas::ReplicasOwner;
use crate::raft::Raft;

#[derive(Clone)]
pub struct ControllerServices {
    pub replicas: Addr<ReplicasOwner>,
    pub liveness: Addr<LivenessOwner>,
    pub raft: Raft,
}
