//! The name server's actors and the plain state they own.
//!
//! Each piece of state has exactly one owner, and owners talk only through the typed
//! messages in [`messages`]:
//! - [`route`]: the route tables (topics, brokers, clusters, data versions) and the cache
//!   of encoded route answers;
//! - [`kv`]: the KV config namespaces and their file;
//! - [`liveness`]: when each broker was last heard from, and expiry;
//! - [`config`]: the configuration, readable and updatable at run time;
//! - [`session`]: one actor per connection, owning the framed socket;
//! - [`auth`]: who may call the mutating admin codes (a fixed policy, no actor).
//!
//! The state logic of each owner is plain Rust (`route::table`, `kv::store`,
//! `liveness::table`) tested without actors; the actors are thin wrappers.

pub mod auth;
pub mod config;
pub mod drain;
pub mod durable_file;
pub mod kv;
pub mod liveness;
pub mod messages;
pub mod metrics;
pub mod route;
pub mod services;
pub mod session;
pub mod stopping;

pub use services::Services;
