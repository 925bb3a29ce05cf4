//! The common JSON header, read without serde.
//!
//! Almost every JSON header a client sends is plain (see [`crate::plain_json`]): Java's
//! fastjson, the Go, C++ and Rust clients all write one. Reading it through serde cost more
//! than everything else a cached route answer needs (14 % of the server's CPU under route
//! queries at 16 connections). This reader takes only plain headers and gives up (`None`) on
//! anything else, so [`super::json::decode`] falls back to the lenient serde reader for every
//! other form; the two agree on every header this one accepts (a property test holds them to
//! it).

use crate::command::{LanguageCode, RemotingCommand, SerializeType};
use crate::ext_fields::ExtFields;
use crate::plain_json::Reader;

/// Reads a plain header, or `None` when the header is not plain (or not valid): the caller
/// then reads it with serde, which also reports the errors.
pub(super) fn decode(header: &[u8]) -> Option<RemotingCommand> {
    let mut r = Reader::new(header)?;
    let mut command = RemotingCommand {
        code: 0,
        language: None,
        version: 0,
        opaque: 0,
        flag: 0,
        remark: None,
        ext_fields: None,
        serialize_type: SerializeType::Json,
        body: Default::default(),
    };
    // serde refuses a struct member given twice; so does this reader (by giving up).
    let mut seen = 0u8;
    r.object(|r, key| {
        let bit = match key {
            "code" => 1,
            "version" => 2,
            "opaque" => 4,
            "flag" => 8,
            "language" => 16,
            "remark" => 32,
            "extFields" => 64,
            _ => 0,
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        // The lenient reader wraps integers to i32 as Java's narrowing would.
        match key {
            "code" => command.code = r.int()? as i32,
            "version" => command.version = r.int()? as i32,
            "opaque" => command.opaque = r.int()? as i32,
            "flag" => command.flag = r.int()? as i32,
            "language" => command.language = LanguageCode::from_name(r.string()?),
            "remark" => {
                command.remark = if r.eat_null() {
                    None
                } else {
                    Some(r.string()?.to_owned())
                }
            }
            "extFields" => command.ext_fields = ext_fields(r)?,
            // The lenient reader ignores any value here; booleans and others are left to it.
            _ => match r.skip_scalar() {
                Some(()) => {}
                None => return None,
            },
        }
        Some(())
    })?;
    r.at_end().then_some(command)
}

/// `null`, or an object of plain string members, in order.
fn ext_fields(r: &mut Reader<'_>) -> Option<Option<ExtFields>> {
    if r.eat_null() {
        return Some(None);
    }
    let mut fields = ExtFields::with_capacity(4);
    r.object(|r, key| {
        let value = r.string()?;
        fields.push_unchecked(key.to_owned(), value.to_owned());
        Some(())
    })?;
    Some(Some(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde_read(header: &[u8]) -> Option<RemotingCommand> {
        super::super::json::decode_with_serde(header).ok()
    }

    #[test]
    fn the_headers_clients_send_are_plain() {
        for header in [
            // Java (fastjson)
            &br#"{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":479}"#[..],
            // C++, with its trailing newline and empty remark
            b"{\"code\":105,\"extFields\":{\"AccessKey\":\"\",\"topic\":\"T\"},\"flag\":0,\"language\":\"CPP\",\"opaque\":0,\"remark\":\"\",\"version\":63}\n",
            // Rust, with nulls
            br#"{"code":106,"extFields":null,"flag":0,"language":"RUST","opaque":7,"remark":null,"serializeTypeCurrentRPC":"JSON","version":474}"#,
            br#"{}"#,
        ] {
            let plain = decode(header).expect("plain");
            assert_eq!(Some(plain), serde_read(header), "{}", String::from_utf8_lossy(header));
        }
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        for header in [
            &br#"{ "code":105}"#[..],
            br#"{"code":"105"}"#,
            br#"{"code":1.0}"#,
            br#"{"code":01}"#,
            br#"{"code":-}"#,
            br#"{"code":1,"code":2}"#,
            br#"{"remark":"a\"b"}"#,
            br#"{"extFields":{"brokerId":0}}"#,
            br#"{"language":2}"#,
            br#"{"whatever":[1,2]}"#,
            br#"{"code":1,}"#,
            br#"{"code":1} x"#,
            br#"{"code":123456789012345678901}"#,
            b"{\"remark\":\"a\x01\"}",
            b"{\"remark\":\"\xff\"}",
            br#"{"code":1"#,
            br#"{"extFields":{"a":"b""#,
        ] {
            assert_eq!(decode(header), None, "{}", String::from_utf8_lossy(header));
        }
    }

    /// Pieces of headers, plain and not, so that generated headers hit both readers' edges.
    fn member() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("code"),
            Just("version"),
            Just("opaque"),
            Just("flag"),
            Just("language"),
            Just("remark"),
            Just("extFields"),
            Just("serializeTypeCurrentRPC"),
            Just("other"),
        ];
        let scalar = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<i32>().prop_map(|n| n.to_string()),
            Just("007".to_string()),
            Just("1.5".to_string()),
            Just("1e3".to_string()),
            Just("-".to_string()),
            Just("null".to_string()),
            Just("true".to_string()),
            Just("\"JAVA\"".to_string()),
            Just("\"GO\"".to_string()),
            Just("\"12\"".to_string()),
            Just("\"a\\\"b\"".to_string()),
            Just("\"é\"".to_string()),
            Just("\"\"".to_string()),
            "[a-z0-9 ]{0,6}".prop_map(|s| format!("\"{s}\"")),
        ];
        let ext =
            prop::collection::vec(("[a-zA-Z]{0,4}", scalar.clone()), 0..4).prop_map(|members| {
                let body: Vec<String> = members
                    .iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                format!("{{{}}}", body.join(","))
            });
        (key, prop_oneof![scalar, ext]).prop_map(|(k, v)| format!("\"{k}\":{v}"))
    }

    proptest! {
        /// Whatever the plain reader accepts, serde reads to the same command.
        #[test]
        fn the_plain_reader_agrees_with_serde(
            members in prop::collection::vec(member(), 0..8),
            space in any::<bool>(),
            trailer in prop_oneof![Just(""), Just("\n"), Just(" "), Just(",")],
        ) {
            let separator = if space { ", " } else { "," };
            let header = format!("{{{}}}{trailer}", members.join(separator));
            if let Some(plain) = decode(header.as_bytes()) {
                prop_assert_eq!(Some(plain), serde_read(header.as_bytes()), "{}", header);
            }
        }
    }
}
