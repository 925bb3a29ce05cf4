//! The two encodings of a command header.
//!
//! Every frame names its header encoding in the high byte of its header word; readers must
//! accept both. The functions here dispatch on that byte so the frame codec stays ignorant of
//! either format.

pub mod binary;
pub mod json;
mod json_plain;

use bytes::{Bytes, BytesMut};

use crate::command::{RemotingCommand, SerializeType};
use crate::error::ProtocolError;

/// Decodes a header in `serialize_type` into a command whose body is `body`.
pub fn decode(
    serialize_type: SerializeType,
    header: &[u8],
    body: Bytes,
) -> Result<RemotingCommand, ProtocolError> {
    let mut command = match serialize_type {
        SerializeType::Json => json::decode(header)?,
        SerializeType::RocketMq => binary::decode(header)?,
    };
    command.serialize_type = serialize_type;
    command.body = body;
    Ok(command)
}

/// Appends the header of `command`, in its own `serialize_type`, to `dst`.
pub fn encode(command: &RemotingCommand, dst: &mut BytesMut) {
    match command.serialize_type {
        SerializeType::Json => json::encode(command, dst),
        SerializeType::RocketMq => binary::encode(command, dst),
    }
}
