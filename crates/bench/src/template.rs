//! Pre-encoded requests. A run sends the same few hundred requests millions of times; each is
//! encoded once, and sending it costs only its opaque's digits and a few copies into the
//! connection's write buffer. Every cycle the generator saves is one the server under test
//! gets to use, which is what keeps the null server's ceiling clearly above the servers.

use bytes::{BufMut, Bytes, BytesMut};
use namesrv_protocol::frame::encode_into;
use namesrv_protocol::{RemotingCommand, SerializeType};

use crate::BenchError;

/// The opaque a template is encoded with, so its place in the header can be found: ten
/// digits, as no real opaque of a run gets near it.
const SENTINEL: i32 = 1_987_654_321;
const SENTINEL_JSON: &[u8] = b"\"opaque\":1987654321";
/// Where the opaque sits in a ROCKETMQ binary header: after code (2), language (1), version (2).
const BINARY_OPAQUE_AT: usize = 5;

/// One request, encoded but for its opaque.
#[derive(Debug, Clone)]
pub struct RequestTemplate {
    serialize_type: SerializeType,
    /// Header bytes before the opaque.
    head: Vec<u8>,
    /// Header bytes after the opaque.
    tail: Vec<u8>,
    /// Shared, so one large registration body serves every broker and connection.
    body: Bytes,
}

impl RequestTemplate {
    pub fn new(command: &RemotingCommand) -> Result<Self, BenchError> {
        let mut probe = command.clone();
        probe.opaque = SENTINEL;
        probe.body = Bytes::new();
        let mut frame = BytesMut::new();
        encode_into(&probe, &mut frame)?;
        let header = &frame[8..];
        let (head, tail) = match command.serialize_type {
            SerializeType::Json => {
                let at = find_once(header, SENTINEL_JSON).ok_or_else(|| {
                    BenchError::Setup("cannot find the opaque in a JSON request header".into())
                })?;
                let digits = at + SENTINEL_JSON.len() - 10;
                (header[..digits].to_vec(), header[digits + 10..].to_vec())
            }
            SerializeType::RocketMq => (
                header[..BINARY_OPAQUE_AT].to_vec(),
                header[BINARY_OPAQUE_AT + 4..].to_vec(),
            ),
        };
        Ok(RequestTemplate {
            serialize_type: command.serialize_type,
            head,
            tail,
            body: command.body.clone(),
        })
    }

    /// Appends the whole frame of this request with `opaque` to `dst`.
    pub fn write(&self, opaque: i32, dst: &mut BytesMut) {
        let mut digits = [0u8; 11];
        let opaque_bytes: &[u8] = match self.serialize_type {
            SerializeType::Json => decimal(opaque, &mut digits),
            SerializeType::RocketMq => {
                digits[..4].copy_from_slice(&opaque.to_be_bytes());
                &digits[..4]
            }
        };
        let header_len = self.head.len() + opaque_bytes.len() + self.tail.len();
        dst.reserve(8 + header_len + self.body.len());
        dst.put_u32((4 + header_len + self.body.len()) as u32);
        dst.put_u32(((self.serialize_type as u32) << 24) | header_len as u32);
        dst.put_slice(&self.head);
        dst.put_slice(opaque_bytes);
        dst.put_slice(&self.tail);
        dst.put_slice(&self.body);
    }
}

/// The position of `needle` in `haystack` if it occurs exactly once.
fn find_once(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let mut found = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// `n` in decimal, as JSON writes it, in `buf`.
fn decimal(n: i32, buf: &mut [u8; 11]) -> &[u8] {
    let mut v = i64::from(n).unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use namesrv_protocol::headers::{CommandHeader, GetRouteInfoRequestHeader};
    use namesrv_protocol::RemotingCodec;
    use tokio_util::codec::Decoder;

    fn route(serialize_type: SerializeType, body: &'static [u8]) -> RemotingCommand {
        let mut request = RemotingCommand::request(
            105,
            Some(
                GetRouteInfoRequestHeader {
                    topic: "BenchTopic42".into(),
                    accept_standard_json_only: None,
                }
                .to_ext(),
            ),
        )
        .with_body(Bytes::from_static(body));
        request.serialize_type = serialize_type;
        request
    }

    #[test]
    fn a_template_writes_the_same_frame_as_the_encoder_for_any_opaque() {
        for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
            for body in [&b""[..], &b"{\"x\":1}"[..]] {
                let request = route(serialize_type, body);
                let template = RequestTemplate::new(&request).unwrap();
                for opaque in [1, 9, 10, 12_345, i32::MAX, -7] {
                    let mut ours = BytesMut::new();
                    template.write(opaque, &mut ours);
                    let mut expected = BytesMut::new();
                    encode_into(&request.clone().with_opaque(opaque), &mut expected).unwrap();
                    assert_eq!(ours, expected, "{serialize_type:?} opaque {opaque}");
                }
            }
        }
    }

    #[test]
    fn consecutive_template_frames_decode_one_by_one() {
        let template = RequestTemplate::new(&route(SerializeType::Json, b"")).unwrap();
        let mut stream = BytesMut::new();
        for opaque in 98..103 {
            template.write(opaque, &mut stream);
        }
        let mut codec = RemotingCodec::default();
        let opaques: Vec<i32> = std::iter::from_fn(|| codec.decode(&mut stream).unwrap())
            .map(|c| c.opaque)
            .collect();
        assert_eq!(opaques, vec![98, 99, 100, 101, 102]);
        assert!(stream.is_empty());
    }

    #[test]
    fn a_remark_quoting_the_opaque_key_does_not_mislead_the_template() {
        let mut request = route(SerializeType::Json, b"");
        request.remark = Some("\"opaque\":1987654321".into());
        let template = RequestTemplate::new(&request).unwrap();
        let mut ours = BytesMut::new();
        template.write(5, &mut ours);
        let mut expected = BytesMut::new();
        encode_into(&request.with_opaque(5), &mut expected).unwrap();
        assert_eq!(ours, expected);
    }

    #[test]
    fn find_once_refuses_a_needle_found_twice() {
        assert_eq!(find_once(b"ab ab", b"ab"), None);
        assert_eq!(find_once(b"xab", b"ab"), Some(1));
        assert_eq!(find_once(b"xa", b"ab"), None);
    }
}
