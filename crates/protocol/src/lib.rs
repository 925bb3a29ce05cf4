//! The RocketMQ remoting wire format, as a name server speaks it.
//!
//! This crate knows bytes and nothing else: no sockets, no actors, no state. Everything a
//! peer can send us is decoded here into typed values, and everything we answer is encoded
//! here, so the rest of the product never sees a raw frame.
//!
//! Layers, from the socket inwards:
//! - [`proxy_protocol`]: the PROXY protocol preamble a load balancer may send before
//!   anything else.
//! - [`frame`]: the length-prefixed frame, as a tokio-util codec with a size limit.
//! - [`encoding`]: the two encodings (JSON and ROCKETMQ binary) of a [`RemotingCommand`]'s
//!   header.
//! - [`code`]: request and response codes.
//! - [`headers`]: typed custom headers, mapped to and from the command's `extFields`.
//! - [`body`]: the JSON (and zlib) bodies, with a writer for fastjson's dialect.
//!
//! Plain JSON (what fastjson and the clients write) is read by a small reader of its own
//! (`plain_json`) on the hot paths, with serde behind it for every other form.

pub mod body;
pub mod code;
pub mod command;
pub mod encoding;
pub mod error;
pub mod ext_fields;
pub mod frame;
pub mod headers;
mod plain_json;
pub mod proxy_protocol;
pub mod version;

pub use command::{LanguageCode, RemotingCommand, SerializeType};
pub use error::{HeaderError, ProtocolError};
pub use ext_fields::ExtFields;
pub use frame::RemotingCodec;
