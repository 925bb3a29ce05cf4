//! Reading answers without decoding them. A measured answer only needs its opaque (whose
//! request it ends) and its code; building a full command with its ext-field map and body
//! for each would cost the generator more than some servers spend answering. The scan keeps
//! the frame decoder's length checks, so a broken peer is an error, not a misread.

use namesrv_protocol::SerializeType;

use crate::BenchError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub opaque: i32,
    pub code: i32,
}

/// The next whole frame in `buf`: its answer and its length, `Ok(None)` if `buf` does not
/// hold a whole frame yet (then `needed` is set to the frame's full length when known).
pub fn scan_frame(
    buf: &[u8],
    max_frame: usize,
    needed: &mut usize,
) -> Result<Option<(Answer, usize)>, BenchError> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let total = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if total < 4 {
        return Err(malformed("frame length under 4"));
    }
    let frame_len = total as usize + 4;
    if frame_len > max_frame {
        return Err(malformed("frame over the limit"));
    }
    if buf.len() < frame_len {
        *needed = frame_len;
        return Ok(None);
    }
    let word = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
    let header_len = (word & 0x00FF_FFFF) as usize;
    if 8 + header_len > frame_len {
        return Err(malformed("header longer than its frame"));
    }
    let header = &buf[8..8 + header_len];
    let answer = match SerializeType::from_byte((word >> 24) as u8) {
        Some(SerializeType::Json) => json_answer(header)?,
        Some(SerializeType::RocketMq) => binary_answer(header)?,
        None => return Err(malformed("unknown serialize type")),
    };
    Ok(Some((answer, frame_len)))
}

fn malformed(what: &str) -> BenchError {
    BenchError::Setup(format!("malformed answer: {what}"))
}

fn binary_answer(header: &[u8]) -> Result<Answer, BenchError> {
    if header.len() < 9 {
        return Err(malformed("binary header shorter than its fixed part"));
    }
    Ok(Answer {
        code: i32::from(i16::from_be_bytes([header[0], header[1]])),
        opaque: i32::from_be_bytes([header[5], header[6], header[7], header[8]]),
    })
}

/// `code` and `opaque` of a JSON header, read from its top level only: strings are skipped
/// whole and nested objects (extFields) are stepped over, so no value can pose as a key.
fn json_answer(header: &[u8]) -> Result<Answer, BenchError> {
    let (mut code, mut opaque) = (None, None);
    let mut depth = 0usize;
    let mut i = 0;
    while i < header.len() {
        match header[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let end = string_end(header, i + 1).ok_or_else(|| malformed("open string"))?;
                let key = &header[i + 1..end];
                i = skip_spaces(header, end + 1);
                // A string is a key only when a colon follows it.
                let is_key = header.get(i) == Some(&b':');
                if is_key && depth == 1 && (key == b"code" || key == b"opaque") {
                    i = skip_spaces(header, i + 1);
                    let (value, next) =
                        integer(header, i).ok_or_else(|| malformed("bad number"))?;
                    i = next;
                    if key == b"code" {
                        code = Some(value);
                    } else {
                        opaque = Some(value);
                    }
                    if code.is_some() && opaque.is_some() {
                        break;
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    match (code, opaque) {
        (Some(code), Some(opaque)) => Ok(Answer { code, opaque }),
        _ => Err(malformed("JSON header without code or opaque")),
    }
}

fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The index of the quote closing a string whose contents start at `from`.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn integer(bytes: &[u8], from: usize) -> Option<(i32, usize)> {
    let mut i = from;
    let negative = bytes.get(i) == Some(&b'-');
    if negative {
        i += 1;
    }
    let start = i;
    let mut v: i64 = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        v = v * 10 + i64::from(bytes[i] - b'0');
        if v > i64::from(u32::MAX) {
            return None;
        }
        i += 1;
    }
    if i == start {
        return None;
    }
    let v = if negative { -v } else { v };
    Some((i32::try_from(v).ok()?, i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use namesrv_protocol::frame::encode_into;
    use namesrv_protocol::RemotingCommand;

    fn frame(
        serialize_type: SerializeType,
        code: i32,
        opaque: i32,
        remark: Option<&str>,
    ) -> BytesMut {
        let mut request = RemotingCommand::request(105, None);
        request.serialize_type = serialize_type;
        request.opaque = opaque;
        let mut answer =
            RemotingCommand::response_to(&request, code).with_body(&b"{\"code\":99}"[..]);
        answer.remark = remark.map(Into::into);
        let mut ext = namesrv_protocol::ExtFields::new();
        ext.insert("opaque", "12");
        answer.ext_fields = Some(ext);
        let mut out = BytesMut::new();
        encode_into(&answer, &mut out).unwrap();
        out
    }

    #[test]
    fn json_and_binary_answers_give_their_code_and_opaque() {
        for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
            // Remarks and ext fields that look like the keys must not be read as them.
            for remark in [None, Some("code"), Some("\"code\":1,\"opaque\":3")] {
                let bytes = frame(serialize_type, 17, 4_242, remark);
                let mut needed = 0;
                let (answer, len) = scan_frame(&bytes, 1 << 20, &mut needed).unwrap().unwrap();
                assert_eq!(
                    answer,
                    Answer {
                        code: 17,
                        opaque: 4_242
                    },
                    "{serialize_type:?} {remark:?}"
                );
                assert_eq!(len, bytes.len());
            }
        }
    }

    #[test]
    fn a_partial_frame_asks_for_its_full_length() {
        let bytes = frame(SerializeType::Json, 0, 1, None);
        let mut needed = 0;
        assert!(scan_frame(&bytes[..bytes.len() - 1], 1 << 20, &mut needed)
            .unwrap()
            .is_none());
        assert_eq!(needed, bytes.len());
        assert!(scan_frame(&bytes[..3], 1 << 20, &mut needed)
            .unwrap()
            .is_none());
    }

    #[test]
    fn broken_frames_are_errors() {
        let mut needed = 0;
        let bytes = frame(SerializeType::Json, 0, 1, None);
        assert!(
            scan_frame(&bytes, 16, &mut needed).is_err(),
            "over the limit"
        );
        assert!(scan_frame(&[0, 0, 0, 2, 0, 0, 0, 0], 1 << 20, &mut needed).is_err());
        let no_opaque = b"{\"code\":0,\"flag\":1}";
        let mut raw = Vec::new();
        raw.extend_from_slice(&(4 + no_opaque.len() as u32).to_be_bytes());
        raw.extend_from_slice(&(no_opaque.len() as u32).to_be_bytes());
        raw.extend_from_slice(no_opaque);
        assert!(scan_frame(&raw, 1 << 20, &mut needed).is_err());
    }
}
