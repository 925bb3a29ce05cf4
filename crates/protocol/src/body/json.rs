//! The JSON dialects of the Java name server, and a lenient reader.
//!
//! Writing is by hand ([`JsonWriter`]): members must come in fastjson's order (ascending by
//! name), integer-keyed maps must come out with bare keys in one dialect and quoted in the
//! other, and route answers are written on the change path, so the writer avoids
//! intermediate values.
//!
//! Reading goes through serde_json after a pre-pass that turns what fastjson accepts but
//! JSON does not into JSON: bare integer object keys (`{0:"a"}`, sent by 5.x brokers inside
//! static-topic mappings) are quoted, and fastjson's `{"$ref":"…"}` back-references are
//! read as empty objects. The pre-pass is one linear scan and copies nothing when the input
//! is already plain JSON.

use std::borrow::Cow;

use serde::de::DeserializeOwned;

use crate::error::BodyError;

/// The two ways the Java name server writes JSON bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonDialect {
    /// fastjson's default: integer map keys bare (`{0:"a"}`), other text as is.
    Fastjson,
    /// Standard JSON: integer keys quoted, `/` escaped, non-ASCII as `\uXXXX`.
    Standard,
}

/// A body that can be written in either dialect and read from either.
pub trait JsonBody: Sized {
    fn write_json(&self, w: &mut JsonWriter);

    fn to_json(&self, dialect: JsonDialect) -> Vec<u8> {
        let mut w = JsonWriter::new(dialect);
        self.write_json(&mut w);
        w.into_bytes()
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError>;
}

/// Reads `bytes` as `T` after the lenient pre-pass.
pub(crate) fn read_lenient<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    let text = lenient(bytes);
    serde_json::from_slice(&text).map_err(|e| BodyError::Json(e.to_string()))
}

/// Quotes bare integer keys and empties `$ref` objects; borrows when there is nothing to do.
fn lenient(input: &[u8]) -> Cow<'_, [u8]> {
    if !may_need_rewrite(input) {
        return Cow::Borrowed(input);
    }
    rewrite(input)
}

/// Whether `input` may hold a bare integer key or a `$ref` object: a `{` or `,` followed at
/// once by a digit, a minus sign or whitespace, or any `$`. Strings are not told apart, so this
/// may say yes where [`rewrite`] then changes nothing; it never says no where it would change
/// something. Unlike `rewrite` it keeps no state from byte to byte, so the compiler turns it
/// into wide vector compares: what fastjson writes (no whitespace, no bare keys outside
/// static-topic mappings) is checked at a fraction of the cost of rewriting it.
pub(crate) fn may_need_rewrite(input: &[u8]) -> bool {
    fn opens(b: u8) -> bool {
        (b == b'{') | (b == b',')
    }
    fn suspicious(b: u8) -> bool {
        (b.wrapping_sub(b'0') < 10)
            | (b == b'-')
            | (b == b' ')
            | (b == b'\n')
            | (b == b'\r')
            | (b == b'\t')
    }
    const BLOCK: usize = 4096;
    let mut start = 0;
    while start < input.len() {
        let end = (start + BLOCK + 1).min(input.len());
        let block = &input[start..end];
        let pairs = block.iter().zip(&block[1..]);
        let hit = pairs.fold(false, |hit, (&a, &b)| hit | (opens(a) & suspicious(b)))
            | block.iter().fold(false, |hit, &b| hit | (b == b'$'));
        if hit {
            return true;
        }
        start += BLOCK;
    }
    false
}

/// The pre-pass itself: one scan that tracks strings.
fn rewrite(input: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    let mut in_string = false;
    while i < input.len() {
        let b = input[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                i += 1;
            }
            b'{' | b',' => {
                let mut j = i + 1;
                while j < input.len() && input[j].is_ascii_whitespace() {
                    j += 1;
                }
                if b == b'{' && input[j..].starts_with(b"\"$ref\"") {
                    if let Some(end) = ref_object_end(input, j) {
                        let o = out.get_or_insert_with(|| Vec::with_capacity(input.len() + 16));
                        o.extend_from_slice(&input[copied..i]);
                        o.extend_from_slice(b"{}");
                        copied = end;
                        i = end;
                        continue;
                    }
                }
                let start = j;
                if j < input.len() && input[j] == b'-' {
                    j += 1;
                }
                let digits = j;
                while j < input.len() && input[j].is_ascii_digit() {
                    j += 1;
                }
                let number_end = j;
                while j < input.len() && input[j].is_ascii_whitespace() {
                    j += 1;
                }
                if number_end > digits && j < input.len() && input[j] == b':' {
                    let o = out.get_or_insert_with(|| Vec::with_capacity(input.len() + 64));
                    o.extend_from_slice(&input[copied..start]);
                    o.push(b'"');
                    o.extend_from_slice(&input[start..number_end]);
                    o.push(b'"');
                    copied = number_end;
                }
                i = start.max(i + 1);
            }
            _ => i += 1,
        }
    }
    match out {
        Some(mut o) => {
            o.extend_from_slice(&input[copied.min(input.len())..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(input),
    }
}

/// If `input[at..]` is `"$ref":"…"}` (after the opening brace), the index after the `}`.
fn ref_object_end(input: &[u8], at: usize) -> Option<usize> {
    let mut k = at + b"\"$ref\"".len();
    let mut in_string = false;
    while k < input.len() {
        let c = input[k];
        if in_string {
            if c == b'\\' {
                k += 2;
                continue;
            }
            if c == b'"' {
                in_string = false;
            }
        } else if c == b'"' {
            in_string = true;
        } else if c == b'}' {
            return Some(k + 1);
        } else if c == b'{' || c == b'[' || c == b',' {
            return None;
        }
        k += 1;
    }
    None
}

/// A small JSON writer that knows the two dialects.
pub struct JsonWriter {
    out: Vec<u8>,
    dialect: JsonDialect,
    /// Whether the current object/array already has a member (needs a comma).
    first: Vec<bool>,
}

impl JsonWriter {
    pub fn new(dialect: JsonDialect) -> Self {
        Self {
            out: Vec::with_capacity(256),
            dialect,
            first: Vec::with_capacity(8),
        }
    }

    pub fn dialect(&self) -> JsonDialect {
        self.dialect
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    fn comma(&mut self) {
        if let Some(first) = self.first.last_mut() {
            if *first {
                *first = false;
            } else {
                self.out.push(b',');
            }
        }
    }

    pub fn begin_object(&mut self) {
        self.out.push(b'{');
        self.first.push(true);
    }

    pub fn end_object(&mut self) {
        self.first.pop();
        self.out.push(b'}');
    }

    pub fn begin_array(&mut self) {
        self.out.push(b'[');
        self.first.push(true);
    }

    pub fn end_array(&mut self) {
        self.first.pop();
        self.out.push(b']');
    }

    /// Starts a member with a string key.
    pub fn key(&mut self, key: &str) {
        self.comma();
        self.raw_string(key);
        self.out.push(b':');
    }

    /// Starts a member with an integer key: bare in fastjson's dialect, quoted in standard.
    pub fn int_key(&mut self, key: i64) {
        self.comma();
        match self.dialect {
            JsonDialect::Fastjson => self.out.extend_from_slice(key.to_string().as_bytes()),
            JsonDialect::Standard => {
                self.out.push(b'"');
                self.out.extend_from_slice(key.to_string().as_bytes());
                self.out.push(b'"');
            }
        }
        self.out.push(b':');
    }

    /// An array element's separator; call before each element value.
    pub fn element(&mut self) {
        self.comma();
    }

    pub fn string(&mut self, s: &str) {
        self.raw_string(s);
    }

    pub fn int(&mut self, n: i64) {
        self.out.extend_from_slice(n.to_string().as_bytes());
    }

    pub fn bool(&mut self, b: bool) {
        self.out
            .extend_from_slice(if b { b"true" } else { b"false" });
    }

    // Convenience members.
    pub fn str_member(&mut self, key: &str, value: &str) {
        self.key(key);
        self.string(value);
    }

    pub fn opt_str_member(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str_member(key, v);
        }
    }

    pub fn int_member(&mut self, key: &str, value: i64) {
        self.key(key);
        self.int(value);
    }

    pub fn bool_member(&mut self, key: &str, value: bool) {
        self.key(key);
        self.bool(value);
    }

    /// A member holding `{string: string}` in key order.
    pub fn string_map_member<'a>(
        &mut self,
        key: &str,
        map: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) {
        self.key(key);
        self.begin_object();
        for (k, v) in map {
            self.key(k);
            self.string(v);
        }
        self.end_object();
    }

    /// A member holding an array of strings.
    pub fn string_array_member<'a>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = &'a String>,
    ) {
        self.key(key);
        self.begin_array();
        for item in items {
            self.element();
            self.string(item);
        }
        self.end_array();
    }

    fn raw_string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let standard = self.dialect == JsonDialect::Standard;
        self.out.push(b'"');
        for ch in s.chars() {
            match ch {
                '"' => self.out.extend_from_slice(b"\\\""),
                '\\' => self.out.extend_from_slice(b"\\\\"),
                '\n' => self.out.extend_from_slice(b"\\n"),
                '\r' => self.out.extend_from_slice(b"\\r"),
                '\t' => self.out.extend_from_slice(b"\\t"),
                '\u{8}' => self.out.extend_from_slice(b"\\b"),
                '\u{c}' => self.out.extend_from_slice(b"\\f"),
                '/' if standard => self.out.extend_from_slice(b"\\/"),
                c if (c as u32) < 0x20 || (standard && (c as u32) >= 0x7f) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        self.out.extend_from_slice(b"\\u");
                        for shift in [12, 8, 4, 0] {
                            self.out.push(HEX[((*unit >> shift) & 0xf) as usize]);
                        }
                    }
                }
                c => {
                    let mut buf = [0u8; 4];
                    self.out
                        .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        self.out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The quick check never lets through what the pre-pass would change, including
        /// across its 4 KiB blocks.
        #[test]
        fn what_the_quick_check_passes_the_pre_pass_leaves_alone(
            text in r#"[{}\[\],:"\\ 0-9a-z$-]{0,64}"#,
            pad in 0usize..4200,
        ) {
            for input in [text.clone(), format!("{}{text}", "a".repeat(pad))] {
                if !may_need_rewrite(input.as_bytes()) {
                    prop_assert!(
                        matches!(rewrite(input.as_bytes()), Cow::Borrowed(_)),
                        "{input}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_quick_check_sees_bare_keys_and_refs_across_blocks() {
        for at in [0, 4094, 4095, 4096, 4097, 8191] {
            let body = |tail: &str| format!("{}{tail}", "a".repeat(at));
            assert!(may_need_rewrite(body("{0:1}").as_bytes()), "{at}");
            assert!(may_need_rewrite(body(",-1:2").as_bytes()), "{at}");
            assert!(may_need_rewrite(body(r#"{"$ref":"$"}"#).as_bytes()), "{at}");
            assert!(
                !may_need_rewrite(body(r#"{"a":1,"b":[]}"#).as_bytes()),
                "{at}"
            );
        }
    }

    fn lenient_str(s: &str) -> String {
        String::from_utf8(lenient(s.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn bare_integer_keys_are_quoted_outside_strings_only() {
        assert_eq!(lenient_str(r#"{0:"a",1:"b"}"#), r#"{"0":"a","1":"b"}"#);
        assert_eq!(lenient_str(r#"{ -1 : 2}"#), r#"{ "-1" : 2}"#);
        assert_eq!(lenient_str(r#"{"x":"{0:1}"}"#), r#"{"x":"{0:1}"}"#);
        assert_eq!(lenient_str(r#"[1,2,{3:4}]"#), r#"[1,2,{"3":4}]"#);
        assert_eq!(lenient_str(r#"{"a\"":{0:1}}"#), r#"{"a\"":{"0":1}}"#);
    }

    #[test]
    fn plain_json_is_borrowed_not_copied() {
        assert!(matches!(
            lenient(br#"{"a":[1,2],"b":{"0":1}}"#),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn ref_objects_read_as_empty() {
        assert_eq!(
            lenient_str(r#"{"a":{"$ref":"$.b"},"b":{}}"#),
            r#"{"a":{},"b":{}}"#
        );
    }

    #[test]
    fn standard_dialect_escapes_slash_and_non_ascii() {
        let mut w = JsonWriter::new(JsonDialect::Standard);
        w.string("a/é😀\u{1}");
        assert_eq!(w.into_bytes(), br#""a\/\u00e9\ud83d\ude00\u0001""#);
        let mut w = JsonWriter::new(JsonDialect::Fastjson);
        w.string("a/é");
        assert_eq!(w.into_bytes(), "\"a/é\"".as_bytes());
    }
}
