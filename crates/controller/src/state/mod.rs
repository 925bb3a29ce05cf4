//! The replicated controller state and the decisions that change it.

mod events;
mod replicas;

pub use events::ControllerEvent;
pub use replicas::ReplicasInfo;
