//! The RocketMQ 5 controller: which replica of a controller-mode broker group is master.
//!
//! Brokers started with `enableControllerMode=true` ask the controller for a broker id, register
//! with it, heartbeat to it, and ask it to elect a master when theirs is gone. The controller's
//! state (broker ids, masters, epochs, sync-state sets) changes only by [`state::ControllerEvent`]s,
//! which the leader of a Raft group commits before it answers; every node applies the same events
//! in the same order.
//!
//! * [`state`]: plain Rust, no actors, no Raft: the replicated state, the events that change
//!   it, the decisions that produce events from requests, and the election policy.

pub mod raft;
pub mod state;
