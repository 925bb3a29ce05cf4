//! The decisions: one file per request family, each an `impl ReplicasInfo` block that reads
//! the state (and the live table) and returns a [`super::Decision`]. None of them changes
//! the state; their events do, once committed.

mod clean;
mod election;

pub use election::CONTROLLER_TRIGGER_BROKER_ID;
mod registration;
mod sync_state;
