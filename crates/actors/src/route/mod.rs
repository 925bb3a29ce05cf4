//! Routing: the route tables, their owner, and the encoded answers it publishes.

pub mod actor;
pub mod answers;
pub mod notify;
pub mod publishing;
pub mod table;

pub use actor::{RouteActor, SnapshotSettings};
pub use answers::{RoutePublication, WorkerAnswers};
