//! Helpers every test crate of the workspace needs and none of the shipped crates should
//! carry. Today that is one thing: loopback ports reserved for peers that bind them later
//! ([`ports`]).

pub mod ports;

pub use ports::{reserve_broker_port, reserve_port, PortError, Reservation};
