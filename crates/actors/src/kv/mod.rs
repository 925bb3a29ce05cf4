//! KV config: namespaces of string pairs, persisted to one JSON file.

pub mod actor;
pub mod store;

pub use actor::KvActor;
pub use store::KvStore;

/// The namespace whose values brokers and producers read as ordered-topic settings.
pub const ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";
