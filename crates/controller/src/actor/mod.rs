//! The controller's owners, as actix actors: [`replicas::ReplicasOwner`] owns the replicated
//! state (decides, commits through Raft, answers), [`liveness::LivenessOwner`] owns broker
//! liveness (heartbeats, closed connections, timeouts). Sessions talk to them only through the
//! typed messages in [`messages`].

pub mod liveness;
pub mod messages;
pub mod notify;
pub mod replicas;
