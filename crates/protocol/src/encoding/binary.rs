//! The ROCKETMQ binary header encoding (serialize type 1).
//!
//! A fixed 21-byte prefix (code i16, language u8, version i16, opaque i32, flag i32, remark
//! length i32) followed by the remark, the ext-section length and the ext entries
//! (key length i16, key, value length i32, value). Everything is big-endian.
//!
//! Two facts of this format leak into behaviour: a zero length means null, so an empty
//! remark or an empty ext value does not survive the trip (it reads back as absent); and
//! codes are 16-bit, which every name-server code fits.

use bytes::{Buf, BufMut, BytesMut};

use crate::command::{LanguageCode, RemotingCommand, SerializeType};
use crate::error::ProtocolError;
use crate::ext_fields::ExtFields;

const FIXED_PART: usize = 2 + 1 + 2 + 4 + 4 + 4;

/// Decodes a binary header, rejecting any length that overruns the header.
pub fn decode(header: &[u8]) -> Result<RemotingCommand, ProtocolError> {
    let total = header.len();
    let mut buf = header;
    if buf.remaining() < FIXED_PART {
        return Err(ProtocolError::InvalidBinaryHeader(
            "shorter than its fixed part",
        ));
    }
    let code = buf.get_i16() as i32;
    let language = LanguageCode::from_byte(buf.get_u8());
    let version = buf.get_i16() as i32;
    let opaque = buf.get_i32();
    let flag = buf.get_i32();
    let remark = read_text(&mut buf, total, "remark overruns the header")?;

    if buf.remaining() < 4 {
        return Err(ProtocolError::InvalidBinaryHeader(
            "ext section length missing",
        ));
    }
    let ext_len = buf.get_i32();
    let ext_len = usize::try_from(ext_len)
        .map_err(|_| ProtocolError::InvalidBinaryHeader("negative ext section length"))?;
    if ext_len > buf.remaining() {
        return Err(ProtocolError::InvalidBinaryHeader(
            "ext section overruns the header",
        ));
    }
    let ext_fields = if ext_len == 0 {
        None
    } else {
        let mut section = &buf[..ext_len];
        let mut fields = ExtFields::new();
        while section.has_remaining() {
            if section.remaining() < 2 {
                return Err(ProtocolError::InvalidBinaryHeader(
                    "truncated ext key length",
                ));
            }
            let key_len = section.get_i16();
            let key_len = usize::try_from(key_len)
                .map_err(|_| ProtocolError::InvalidBinaryHeader("negative ext key length"))?;
            let key = take_utf8(&mut section, key_len, "ext key overruns the header")?;
            let value = read_text(&mut section, total, "ext value overruns the header")?;
            // Zero-length keys and values are nulls in this encoding: absent fields.
            if let (false, Some(value)) = (key.is_empty(), value) {
                fields.push_unchecked(key, value);
            }
        }
        buf.advance(ext_len);
        Some(fields)
    };
    // Bytes after the ext section are ignored, as Java's decoder does.

    Ok(RemotingCommand {
        code,
        language,
        version,
        opaque,
        flag,
        remark,
        ext_fields,
        serialize_type: SerializeType::RocketMq,
        body: Default::default(),
    })
}

/// Reads an i32 length and that many UTF-8 bytes; length 0 is null.
fn read_text(
    buf: &mut &[u8],
    header_len: usize,
    overrun: &'static str,
) -> Result<Option<String>, ProtocolError> {
    if buf.remaining() < 4 {
        return Err(ProtocolError::InvalidBinaryHeader(overrun));
    }
    let len = buf.get_i32();
    let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidBinaryHeader(overrun))?;
    if len == 0 {
        return Ok(None);
    }
    if len > header_len {
        return Err(ProtocolError::InvalidBinaryHeader(overrun));
    }
    take_utf8(buf, len, overrun).map(Some)
}

fn take_utf8(buf: &mut &[u8], len: usize, overrun: &'static str) -> Result<String, ProtocolError> {
    if len > buf.remaining() {
        return Err(ProtocolError::InvalidBinaryHeader(overrun));
    }
    let text = std::str::from_utf8(&buf[..len])
        .map_err(|_| ProtocolError::InvalidBinaryHeader("text is not UTF-8"))?
        .to_owned();
    buf.advance(len);
    Ok(text)
}

/// Appends the binary header of `command` to `dst`.
///
/// A command without a known language is written as OTHER: the byte has to say something.
pub fn encode(command: &RemotingCommand, dst: &mut BytesMut) {
    dst.put_i16(command.code as i16);
    dst.put_u8(command.language.unwrap_or(LanguageCode::OTHER).byte());
    dst.put_i16(command.version as i16);
    dst.put_i32(command.opaque);
    dst.put_i32(command.flag);
    match command.remark.as_deref() {
        Some(remark) if !remark.is_empty() => {
            dst.put_i32(remark.len() as i32);
            dst.put_slice(remark.as_bytes());
        }
        _ => dst.put_i32(0),
    }
    let len_at = dst.len();
    dst.put_i32(0);
    if let Some(fields) = &command.ext_fields {
        for (k, v) in fields.iter() {
            // Empty strings are nulls in this encoding; a key too long for its 16-bit
            // length cannot be written at all (none of ours comes near).
            if k.is_empty() || v.is_empty() || k.len() > i16::MAX as usize {
                continue;
            }
            dst.put_i16(k.len() as i16);
            dst.put_slice(k.as_bytes());
            dst.put_i32(v.len() as i32);
            dst.put_slice(v.as_bytes());
        }
    }
    let ext_len = (dst.len() - len_at - 4) as i32;
    dst[len_at..len_at + 4].copy_from_slice(&ext_len.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 41-byte header of the reference's worked example (§1.10).
    const ROUTE_QUERY: [u8; 41] = [
        0x00, 0x69, 0x00, 0x01, 0xDF, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, b't', b'o', b'p', b'i', b'c', 0x00, 0x00,
        0x00, 0x09, b'T', b'o', b'p', b'i', b'c', b'T', b'e', b's', b't',
    ];

    #[test]
    fn decodes_and_re_encodes_the_reference_example() {
        let cmd = decode(&ROUTE_QUERY).unwrap();
        assert_eq!(cmd.code, 105);
        assert_eq!(cmd.language, Some(LanguageCode::JAVA));
        assert_eq!(cmd.version, 479);
        assert_eq!(cmd.opaque, 1);
        assert_eq!(cmd.remark, None);
        assert_eq!(cmd.ext("topic"), Some("TopicTest"));
        let mut out = BytesMut::new();
        encode(&cmd, &mut out);
        assert_eq!(&out[..], &ROUTE_QUERY[..]);
    }

    #[test]
    fn empty_strings_read_back_as_absent() {
        let mut cmd = RemotingCommand::request(105, None).with_remark("");
        cmd.ext_fields = Some([("a", ""), ("b", "x")].into_iter().collect());
        cmd.serialize_type = SerializeType::RocketMq;
        let mut out = BytesMut::new();
        encode(&cmd, &mut out);
        let back = decode(&out).unwrap();
        assert_eq!(back.remark, None);
        assert_eq!(back.ext("a"), None);
        assert_eq!(back.ext("b"), Some("x"));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for cut in 0..ROUTE_QUERY.len() {
            assert!(decode(&ROUTE_QUERY[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn overrunning_lengths_are_rejected() {
        let mut bad = ROUTE_QUERY;
        bad[13..17].copy_from_slice(&1000i32.to_be_bytes());
        assert!(decode(&bad).is_err());
        let mut bad = ROUTE_QUERY;
        bad[17..21].copy_from_slice(&(-1i32).to_be_bytes());
        assert!(decode(&bad).is_err());
        let mut bad = ROUTE_QUERY;
        bad[21..23].copy_from_slice(&(-5i16).to_be_bytes());
        assert!(decode(&bad).is_err());
        let mut bad = ROUTE_QUERY;
        bad[28..32].copy_from_slice(&i32::MAX.to_be_bytes());
        assert!(decode(&bad).is_err());
    }
}
