//! Routing: the route tables, their owner, and the cache of encoded answers.

pub mod actor;
pub mod cache;
pub mod notify;
pub mod published;
pub mod table;

pub use actor::{RouteActor, SnapshotSettings};
pub use published::RouteVersion;
