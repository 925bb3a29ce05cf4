//! RocketMQ version ordinals that change what the name server does.
//!
//! The `version` header field carries the position of the sender's release in Java's
//! `MQVersion.Version` enum. Only a handful of thresholds matter to a name server.

/// Ordinal we stamp on everything we send: Java's V5_3_3, the newest line we follow.
pub const CURRENT_VERSION: i32 = 479;
/// V3_0_11: from here on a REGISTER_BROKER body is a RegisterBrokerBody, below it a bare
/// TopicConfigSerializeWrapper.
pub const V3_0_11: i32 = 37;
/// V4_9_4: clients from here on get route bodies in standard JSON.
pub const V4_9_4: i32 = 401;
/// V5_0_0: compressed register bodies carry a static-topic mapping section from here on.
pub const V5_0_0: i32 = 413;
/// V5_3_1: GO_AWAY is only sent to senders newer than this.
pub const V5_3_1: i32 = 475;
