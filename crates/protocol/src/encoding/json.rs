//! The JSON header encoding (serialize type 0).
//!
//! Writing: what Java's fastjson emits for a `RemotingCommand` — members in ascending key
//! order, no whitespace, null members omitted, `serializeTypeCurrentRPC` always `"JSON"`,
//! `extFields` in the order the map holds them.
//!
//! Reading is deliberately lenient, because real peers are: Go and C++ omit
//! `serializeTypeCurrentRPC`, C++ ends the header with a newline, ali-ons sends no remark,
//! the Rust client sends `"extFields":null`, and some senders put numbers where strings
//! belong. Unknown members are ignored.

use std::fmt;

use bytes::{BufMut, BytesMut};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::command::{LanguageCode, RemotingCommand, SerializeType};
use crate::error::ProtocolError;
use crate::ext_fields::ExtFields;

#[derive(Deserialize)]
struct WireHeader {
    #[serde(default, deserialize_with = "lenient_i32")]
    code: i32,
    #[serde(default)]
    language: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient_i32")]
    version: i32,
    #[serde(default, deserialize_with = "lenient_i32")]
    opaque: i32,
    #[serde(default, deserialize_with = "lenient_i32")]
    flag: i32,
    #[serde(default, deserialize_with = "lenient_remark")]
    remark: Option<String>,
    #[serde(rename = "extFields", default, deserialize_with = "lenient_ext_fields")]
    ext_fields: Option<ExtFields>,
}

/// Decodes a JSON header. The body and serialize type are filled in by the caller.
pub fn decode(header: &[u8]) -> Result<RemotingCommand, ProtocolError> {
    match super::json_plain::decode(header) {
        Some(command) => Ok(command),
        None => decode_with_serde(header),
    }
}

/// The lenient reader: every form real peers send, and the errors for what is not JSON.
pub(super) fn decode_with_serde(header: &[u8]) -> Result<RemotingCommand, ProtocolError> {
    // serde would also take a JSON array as a struct in field order; a header is an object.
    if header.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ProtocolError::InvalidJsonHeader(
            "the header is not a JSON object".into(),
        ));
    }
    let wire: WireHeader = serde_json::from_slice(header)
        .map_err(|e| ProtocolError::InvalidJsonHeader(e.to_string()))?;
    let language = match wire.language {
        Some(serde_json::Value::String(name)) => LanguageCode::from_name(&name),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .and_then(|b| u8::try_from(b).ok())
            .and_then(LanguageCode::from_byte),
        _ => None,
    };
    Ok(RemotingCommand {
        code: wire.code,
        language,
        version: wire.version,
        opaque: wire.opaque,
        flag: wire.flag,
        remark: wire.remark,
        ext_fields: wire.ext_fields,
        serialize_type: SerializeType::Json,
        body: Default::default(),
    })
}

/// Appends the JSON header of `command` to `dst`, byte-compatible with fastjson's output.
pub fn encode(command: &RemotingCommand, dst: &mut BytesMut) {
    let out = dst;
    out.put_slice(b"{\"code\":");
    put_int(out, command.code);
    if let Some(fields) = &command.ext_fields {
        out.put_slice(b",\"extFields\":{");
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.put_u8(b',');
            }
            put_str(out, k);
            out.put_u8(b':');
            put_str(out, v);
        }
        out.put_u8(b'}');
    }
    out.put_slice(b",\"flag\":");
    put_int(out, command.flag);
    if let Some(language) = command.language {
        out.put_slice(b",\"language\":\"");
        out.put_slice(language.name().as_bytes());
        out.put_u8(b'"');
    }
    out.put_slice(b",\"opaque\":");
    put_int(out, command.opaque);
    if let Some(remark) = &command.remark {
        out.put_slice(b",\"remark\":");
        put_str(out, remark);
    }
    out.put_slice(b",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":");
    put_int(out, command.version);
    out.put_u8(b'}');
}

fn put_int(out: &mut BytesMut, n: i32) {
    out.put_slice(itoa_buf(n).as_slice());
}

/// Writes `s` as a JSON string with the escapes fastjson uses for header text.
pub(crate) fn put_str(out: &mut BytesMut, s: &str) {
    out.put_u8(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            _ => None,
        };
        if escape.is_some() || b < 0x20 {
            out.put_slice(&bytes[start..i]);
            match escape {
                Some(e) => out.put_slice(e),
                None => {
                    const HEX: &[u8; 16] = b"0123456789ABCDEF";
                    out.put_slice(b"\\u00");
                    out.put_u8(HEX[(b >> 4) as usize]);
                    out.put_u8(HEX[(b & 0xf) as usize]);
                }
            }
            start = i + 1;
        }
    }
    out.put_slice(&bytes[start..]);
    out.put_u8(b'"');
}

/// A decimal rendering of an i32 without allocating.
struct IntBuf {
    buf: [u8; 11],
    start: usize,
}

impl IntBuf {
    fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

fn itoa_buf(n: i32) -> IntBuf {
    let mut buf = [0u8; 11];
    let mut pos = buf.len();
    let negative = n < 0;
    let mut v = (n as i64).unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if negative {
        pos -= 1;
        buf[pos] = b'-';
    }
    IntBuf { buf, start: pos }
}

/// Accepts an integer, a float with no fraction, a numeric string or null; wraps to i32 the
/// way Java's narrowing would.
fn lenient_i32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|u| u as i64))
            .map(|v| v as i32)
            .ok_or_else(|| de::Error::custom(format!("not an integer: {n}"))),
        serde_json::Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(|v| v as i32)
            .map_err(|_| de::Error::custom(format!("not an integer: {s:?}"))),
        serde_json::Value::Null => Ok(0),
        other => Err(de::Error::custom(format!("not an integer: {other}"))),
    }
}

fn lenient_remark<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

/// Reads `extFields` keeping key order; scalars become their text, nulls are dropped (Java
/// treats a null value as an absent field), nested values become their JSON text.
fn lenient_ext_fields<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ExtFields>, D::Error> {
    struct ExtVisitor;

    impl<'de> Visitor<'de> for ExtVisitor {
        type Value = Option<ExtFields>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of header fields or null")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut fields = ExtFields::with_capacity(map.size_hint().unwrap_or(8));
            while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                let text = match value {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                fields.push_unchecked(key, text);
            }
            Ok(Some(fields))
        }
    }

    d.deserialize_option(ExtVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(cmd: &RemotingCommand) -> String {
        let mut buf = BytesMut::new();
        encode(cmd, &mut buf);
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn writes_the_java_request_header_of_the_reference_exactly() {
        let mut cmd =
            RemotingCommand::request(105, Some([("topic", "TopicTest")].into_iter().collect()));
        cmd.opaque = 1;
        assert_eq!(
            encoded(&cmd),
            r#"{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":479}"#
        );
    }

    #[test]
    fn writes_a_response_without_ext_fields_and_an_empty_map_as_braces() {
        let req = RemotingCommand::request(106, None).with_opaque(1);
        let resp = RemotingCommand::response_to(&req, 0);
        assert_eq!(
            encoded(&resp),
            r#"{"code":0,"flag":1,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":479}"#
        );
        let with_empty = resp.with_ext_fields(ExtFields::new()).with_remark("a\"b\n");
        assert_eq!(
            encoded(&with_empty),
            r#"{"code":0,"extFields":{},"flag":1,"language":"JAVA","opaque":1,"remark":"a\"b\n","serializeTypeCurrentRPC":"JSON","version":479}"#
        );
    }

    #[test]
    fn reads_a_cpp_header_with_trailing_newline_empty_remark_and_no_serialize_type() {
        let raw = b"{\"code\":105,\"extFields\":{\"AccessKey\":\"\",\"OnsChannel\":\"ALIYUN\",\"topic\":\"T\"},\"flag\":0,\"language\":\"CPP\",\"opaque\":0,\"remark\":\"\",\"version\":63}\n";
        let cmd = decode(raw).unwrap();
        assert_eq!(cmd.code, 105);
        assert_eq!(cmd.language, Some(LanguageCode::CPP));
        assert_eq!(cmd.version, 63);
        assert_eq!(cmd.remark.as_deref(), Some(""));
        assert_eq!(cmd.ext("topic"), Some("T"));
        assert_eq!(cmd.ext("AccessKey"), Some(""));
    }

    #[test]
    fn reads_null_ext_fields_numbers_as_strings_and_ignores_unknown_members() {
        let raw = br#"{"code":"319","extFields":null,"flag":0,"language":"RUST","opaque":7,"remark":null,"serializeTypeCurrentRPC":"JSON","version":474,"whatever":[1,2]}"#;
        let cmd = decode(raw).unwrap();
        assert_eq!(cmd.code, 319);
        assert_eq!(cmd.ext_fields, None);
        assert_eq!(cmd.remark, None);
        let raw = br#"{"code":103,"extFields":{"brokerId":0,"compressed":false,"x":null,"o":{"a":1}},"language":"SOMETHING"}"#;
        let cmd = decode(raw).unwrap();
        assert_eq!(cmd.ext("brokerId"), Some("0"));
        assert_eq!(cmd.ext("compressed"), Some("false"));
        assert_eq!(cmd.ext("x"), None);
        assert_eq!(cmd.ext("o"), Some(r#"{"a":1}"#));
        assert_eq!(cmd.language, None);
        assert_eq!(cmd.opaque, 0);
    }

    #[test]
    fn rejects_non_json_and_non_object_headers() {
        assert!(matches!(
            decode(b"{\"code\":"),
            Err(ProtocolError::InvalidJsonHeader(_))
        ));
        assert!(matches!(
            decode(b"[1,2]"),
            Err(ProtocolError::InvalidJsonHeader(_))
        ));
        assert!(matches!(
            decode(b"\xff\xfe"),
            Err(ProtocolError::InvalidJsonHeader(_))
        ));
        assert!(matches!(
            decode(br#"{"code":true}"#),
            Err(ProtocolError::InvalidJsonHeader(_))
        ));
    }

    #[test]
    fn control_characters_are_escaped_as_unicode() {
        let mut out = BytesMut::new();
        put_str(&mut out, "a\u{1}b/é");
        assert_eq!(&out[..], "\"a\\u0001b/é\"".as_bytes());
    }

    #[test]
    fn integers_render_like_java() {
        for n in [0, 1, -1, 479, i32::MAX, i32::MIN] {
            assert_eq!(itoa_buf(n).as_slice(), n.to_string().as_bytes());
        }
    }
}
