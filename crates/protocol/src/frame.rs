//! Length framing of the remoting stream, as a tokio-util codec.
//!
//! ```text
//! totalLength: i32 (counts header word + header + body, not itself)
//! headerWord:  u32 = serializeType << 24 | headerLength
//! header:      headerLength bytes (JSON or ROCKETMQ binary)
//! body:        totalLength - 4 - headerLength bytes
//! ```
//!
//! The decoder checks every length before trusting it, so a hostile or broken peer can cost
//! at most one error for its own connection: a frame over the limit is refused from its first
//! four bytes, before any of it is buffered.

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::command::{RemotingCommand, SerializeType};
use crate::encoding;
use crate::error::ProtocolError;

/// Java's default `com.rocketmq.remoting.frameMaxLength`; it bounds `totalLength + 4`.
pub const DEFAULT_MAX_FRAME_LENGTH: usize = 16 * 1024 * 1024;

/// Largest header a 24-bit header-length field can describe.
const MAX_HEADER_LENGTH: usize = 0x00FF_FFFF;

/// Frames commands in both directions.
#[derive(Debug, Clone)]
pub struct RemotingCodec {
    max_frame_length: usize,
}

impl Default for RemotingCodec {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_FRAME_LENGTH)
    }
}

impl RemotingCodec {
    /// A codec refusing frames whose `totalLength + 4` exceeds `max_frame_length`.
    pub fn new(max_frame_length: usize) -> Self {
        Self { max_frame_length }
    }

    pub fn max_frame_length(&self) -> usize {
        self.max_frame_length
    }
}

impl Decoder for RemotingCodec {
    type Item = RemotingCommand;
    type Error = ProtocolError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<RemotingCommand>, ProtocolError> {
        if src.len() < 4 {
            return Ok(None);
        }
        let total = i32::from_be_bytes([src[0], src[1], src[2], src[3]]);
        if total < 4 {
            return Err(ProtocolError::BadFrameLength(total));
        }
        let frame_len = total as usize + 4;
        if frame_len > self.max_frame_length {
            return Err(ProtocolError::FrameTooLarge {
                length: frame_len,
                max: self.max_frame_length,
            });
        }
        if src.len() < frame_len {
            src.reserve(frame_len - src.len());
            return Ok(None);
        }

        let mut frame = src.split_to(frame_len);
        frame.advance(4);
        let header_word = frame.get_u32();
        let serialize_byte = (header_word >> 24) as u8;
        let header_len = (header_word & 0x00FF_FFFF) as usize;
        if header_len > frame.len() {
            return Err(ProtocolError::HeaderTooLong {
                header: header_len,
                frame: total as usize,
            });
        }
        let serialize_type = SerializeType::from_byte(serialize_byte)
            .ok_or(ProtocolError::UnknownSerializeType(serialize_byte))?;
        let header_bytes = frame.split_to(header_len);
        encoding::decode(serialize_type, &header_bytes, frame.freeze()).map(Some)
    }
}

impl Encoder<RemotingCommand> for RemotingCodec {
    type Error = ProtocolError;

    fn encode(
        &mut self,
        command: RemotingCommand,
        dst: &mut BytesMut,
    ) -> Result<(), ProtocolError> {
        encode_into(&command, dst)
    }
}

impl Encoder<&RemotingCommand> for RemotingCodec {
    type Error = ProtocolError;

    fn encode(
        &mut self,
        command: &RemotingCommand,
        dst: &mut BytesMut,
    ) -> Result<(), ProtocolError> {
        encode_into(command, dst)
    }
}

/// Appends one whole frame for `command` to `dst`.
pub fn encode_into(command: &RemotingCommand, dst: &mut BytesMut) -> Result<(), ProtocolError> {
    let start = dst.len();
    dst.reserve(8 + 128 + command.body.len());
    dst.put_u32(0); // totalLength, patched below
    dst.put_u32(0); // header word, patched below
    encoding::encode(command, dst);
    let header_len = dst.len() - start - 8;
    if header_len > MAX_HEADER_LENGTH {
        dst.truncate(start);
        return Err(ProtocolError::HeaderTooLargeToEncode(header_len));
    }
    dst.put_slice(&command.body);
    let total = (dst.len() - start - 4) as u32;
    let word = ((command.serialize_type as u32) << 24) | header_len as u32;
    dst[start..start + 4].copy_from_slice(&total.to_be_bytes());
    dst[start + 4..start + 8].copy_from_slice(&word.to_be_bytes());
    Ok(())
}

/// One whole frame for `command`, as bytes (for tests, tools and the outbound path).
pub fn encode_frame(command: &RemotingCommand) -> Result<BytesMut, ProtocolError> {
    let mut dst = BytesMut::new();
    encode_into(command, &mut dst)?;
    Ok(dst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ext_fields::ExtFields;

    fn route_query() -> RemotingCommand {
        let mut fields = ExtFields::new();
        fields.insert("topic", "TopicTest");
        RemotingCommand::request(105, Some(fields)).with_opaque(1)
    }

    #[test]
    fn the_reference_json_frame_has_the_documented_lengths() {
        let frame = encode_frame(&route_query()).unwrap();
        assert_eq!(&frame[..8], &[0, 0, 0, 0x87, 0, 0, 0, 0x83]);
        assert_eq!(frame.len(), 4 + 135);
    }

    #[test]
    fn decodes_partial_frames_and_several_frames_in_one_read() {
        let one = encode_frame(&route_query()).unwrap();
        let two = encode_frame(&route_query().with_opaque(2).with_body(&b"xyz"[..])).unwrap();
        let mut all = BytesMut::new();
        all.extend_from_slice(&one);
        all.extend_from_slice(&two);
        let mut codec = RemotingCodec::default();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for byte in all.iter() {
            buf.put_u8(*byte);
            while let Some(cmd) = codec.decode(&mut buf).unwrap() {
                out.push(cmd);
            }
        }
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], route_query());
        assert_eq!(out[1].opaque, 2);
        assert_eq!(&out[1].body[..], b"xyz");
        assert!(buf.is_empty());

        let mut buf = all.clone();
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap().opaque, 1);
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap().opaque, 2);
        assert!(codec.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn binary_frames_carry_type_one_in_the_header_word() {
        let mut cmd = route_query();
        cmd.serialize_type = SerializeType::RocketMq;
        let frame = encode_frame(&cmd).unwrap();
        assert_eq!(&frame[..8], &[0, 0, 0, 0x2D, 1, 0, 0, 0x29]);
        let back = RemotingCodec::default()
            .decode(&mut frame.clone())
            .unwrap()
            .unwrap();
        assert_eq!(back, cmd);
    }

    fn decode_raw(bytes: &[u8], max: usize) -> Result<Option<RemotingCommand>, ProtocolError> {
        RemotingCodec::new(max).decode(&mut BytesMut::from(bytes))
    }

    #[test]
    fn negative_and_tiny_lengths_are_errors() {
        assert!(matches!(
            decode_raw(&[0xFF, 0xFF, 0xFF, 0xFF], 1 << 24),
            Err(ProtocolError::BadFrameLength(-1))
        ));
        assert!(matches!(
            decode_raw(&[0, 0, 0, 3, 0, 0, 0], 1 << 24),
            Err(ProtocolError::BadFrameLength(3))
        ));
    }

    #[test]
    fn oversized_frames_are_refused_from_the_length_alone() {
        // Java's limit applies to totalLength + 4: 16 MiB - 4 is the largest total allowed.
        let at_limit = ((1u32 << 24) - 4).to_be_bytes();
        assert!(matches!(
            decode_raw(&at_limit, DEFAULT_MAX_FRAME_LENGTH),
            Ok(None)
        ));
        let over = ((1u32 << 24) - 3).to_be_bytes();
        assert!(matches!(
            decode_raw(&over, DEFAULT_MAX_FRAME_LENGTH),
            Err(ProtocolError::FrameTooLarge { .. })
        ));
        assert!(matches!(
            decode_raw(&i32::MAX.to_be_bytes(), DEFAULT_MAX_FRAME_LENGTH),
            Err(ProtocolError::FrameTooLarge { .. })
        ));
    }

    #[test]
    fn header_longer_than_frame_and_unknown_type_are_errors() {
        assert!(matches!(
            decode_raw(&[0, 0, 0, 6, 0, 0, 0, 9, b'{', b'}'], 1 << 24),
            Err(ProtocolError::HeaderTooLong { .. })
        ));
        assert!(matches!(
            decode_raw(&[0, 0, 0, 6, 2, 0, 0, 2, b'{', b'}'], 1 << 24),
            Err(ProtocolError::UnknownSerializeType(2))
        ));
        assert!(matches!(
            decode_raw(&[0, 0, 0, 6, 0, 0, 0, 2, b'{', b'x'], 1 << 24),
            Err(ProtocolError::InvalidJsonHeader(_))
        ));
        assert!(matches!(
            decode_raw(&[0, 0, 0, 6, 1, 0, 0, 2, 0, 1], 1 << 24),
            Err(ProtocolError::InvalidBinaryHeader(_))
        ));
    }
}
