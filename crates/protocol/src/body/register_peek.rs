//! A cheap look at a REGISTER_BROKER body: its data version and a fingerprint of the rest,
//! without decoding its topics.
//!
//! Brokers re-register every 30 s, almost always with the bytes they sent last time; decoding
//! a 1,000-topic body only to find nothing changed was most of the cost of a registration
//! storm. Brokers also bump their data version without touching a topic: a 5.x broker in
//! controller mode does on every role change, and so does every `updateTopic` that repeats a
//! topic's settings. So the fingerprint covers the body *outside* its data version, and the
//! route owner decides from the two values whether the body's topics are ones it already
//! applied (see `register_unchanged` in the actors crate); only a body it has not seen is
//! decoded in full.
//!
//! The peek never replaces the full decode's verdict: whatever it cannot read cheaply
//! (a malformed body, a `dataVersion` spelt with escapes, no `dataVersion` at all) yields no
//! data version and no fingerprint, and the caller decodes in full, which reports the same
//! error as before.

use std::io::Read;
use std::ops::Range;

use super::json::JsonBody;
use super::tables::DataVersion;
use crate::version::V3_0_11;

/// A data version's JSON is a few dozen bytes; a longer first chunk is not one.
const MAX_DATA_VERSION_CHUNK: usize = 64 * 1024;

/// What identifies a register body apart from its data version: the length and CRC-32
/// (IEEE) of the bytes outside the data version's JSON, and where that JSON was cut out.
///
/// Two JSON bodies with equal fingerprints decode to the same topics, mappings and filter
/// servers; their data versions may differ. A compressed body carries its data version
/// inside the deflate stream, so its fingerprint covers all of it, data version included
/// (`data_version_at` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyFingerprint {
    pub len: u64,
    pub crc32: u32,
    /// The offset of the data version's JSON, which the CRC leaves out.
    pub data_version_at: Option<u64>,
}

impl BodyFingerprint {
    /// The fingerprint of a whole body, data version included.
    pub fn of(body: &[u8]) -> Self {
        BodyFingerprint {
            len: body.len() as u64,
            crc32: crc32fast::hash(body),
            data_version_at: None,
        }
    }

    /// True when bodies with this fingerprint may carry different data versions.
    pub fn leaves_out_data_version(&self) -> bool {
        self.data_version_at.is_some()
    }
}

/// What a session learns of a register body before deciding whether to decode it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterBodyPeek {
    /// The CRC-32 of the whole body.
    pub crc32: u32,
    /// The data version a full [`RegisterBrokerBody::decode`](super::RegisterBrokerBody::decode)
    /// would yield, and the fingerprint of the rest; `None` when that cannot be told cheaply
    /// (then decode in full).
    pub known: Option<(DataVersion, BodyFingerprint)>,
}

impl RegisterBodyPeek {
    /// Peeks at `body`, read as the request's `compressed` flag and `request_version` say.
    ///
    /// JSON bodies are scanned for the first `dataVersion` member of the wrapper (fastjson
    /// sorts keys, so for Java brokers it precedes `topicConfigTable`; other writers may put
    /// it after, and the scan then skips the table without parsing it). Compressed bodies
    /// (4.x and 5.x forms alike) carry it as the first chunk, so only that much is inflated.
    /// Each byte is run through the CRC once: the whole body's CRC is combined from the parts.
    pub fn of(body: &[u8], compressed: bool, request_version: i32) -> Self {
        // The same choice of form as the full decode's.
        let old_wrapper = request_version < V3_0_11;
        if !old_wrapper && (compressed || body.first() == Some(&0x78)) {
            let fingerprint = BodyFingerprint::of(body);
            return RegisterBodyPeek {
                crc32: fingerprint.crc32,
                known: compressed_data_version(body).map(|version| (version, fingerprint)),
            };
        }
        let path: &[&[u8]] = if old_wrapper {
            &[b"dataVersion"]
        } else {
            &[b"topicConfigSerializeWrapper", b"dataVersion"]
        };
        let Some((version, span)) = json_member_path(body, path) else {
            return RegisterBodyPeek {
                crc32: crc32fast::hash(body),
                known: None,
            };
        };
        let crc = |bytes: &[u8]| {
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(bytes);
            hasher
        };
        let (before, after) = (crc(&body[..span.start]), crc(&body[span.end..]));
        let mut whole = before.clone();
        whole.combine(&crc(&body[span.clone()]));
        whole.combine(&after);
        let mut rest = before;
        rest.combine(&after);
        let fingerprint = BodyFingerprint {
            len: (body.len() - span.len()) as u64,
            crc32: rest.finalize(),
            data_version_at: Some(span.start as u64),
        };
        RegisterBodyPeek {
            crc32: whole.finalize(),
            known: Some((version, fingerprint)),
        }
    }

    /// The checksum Java sends in `bodyCrc32`: the CRC masked to 31 bits.
    pub fn masked_crc32(&self) -> u32 {
        self.crc32 & 0x7FFF_FFFF
    }
}

fn compressed_data_version(body: &[u8]) -> Option<DataVersion> {
    let mut inflater = flate2::read::ZlibDecoder::new(body);
    let mut len = [0u8; 4];
    inflater.read_exact(&mut len).ok()?;
    let len = usize::try_from(i32::from_be_bytes(len)).ok()?;
    if len > MAX_DATA_VERSION_CHUNK {
        return None;
    }
    let mut chunk = vec![0u8; len];
    inflater.read_exact(&mut chunk).ok()?;
    DataVersion::from_json(&chunk).ok()
}

/// Where the value of the member at `path` (through nested objects, first of each name)
/// starts in `body`; `None` when the scan cannot tell.
pub(super) fn member_value_at(body: &[u8], path: &[&[u8]]) -> Option<usize> {
    let mut scan = Scanner { buf: body, at: 0 };
    for key in path {
        scan.find_member(key)?;
    }
    Some(scan.at)
}

/// Follows `path` through nested objects and reads the data version found there, with the
/// byte range of its JSON.
fn json_member_path(body: &[u8], path: &[&[u8]]) -> Option<(DataVersion, Range<usize>)> {
    let start = member_value_at(body, path)?;
    let mut scan = Scanner {
        buf: body,
        at: start,
    };
    scan.skip_value()?;
    let version = DataVersion::from_json(&body[start..scan.at]).ok()?;
    Some((version, start..scan.at))
}

/// A forward-only walk over JSON (with fastjson's bare keys) that skips what it is not
/// looking for without building anything.
struct Scanner<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Enters the object at the cursor and stops at the value of its first member named
    /// `key`; `None` if there is none or the JSON is broken.
    fn find_member(&mut self, key: &[u8]) -> Option<()> {
        self.expect(b'{')?;
        loop {
            self.skip_ws();
            if self.peek()? == b'}' {
                return None;
            }
            let found = self.key()? == key;
            self.expect(b':')?;
            self.skip_ws();
            if found {
                return Some(());
            }
            self.skip_value()?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                _ => return None,
            }
        }
    }

    /// A member name: quoted (returned raw, escapes and all) or bare.
    fn key(&mut self) -> Option<&[u8]> {
        if self.peek()? == b'"' {
            let start = self.at + 1;
            self.skip_string()?;
            return Some(&self.buf[start..self.at - 1]);
        }
        let start = self.at;
        while !matches!(self.peek()?, b':' | b' ' | b'\t' | b'\r' | b'\n') {
            self.at += 1;
        }
        Some(&self.buf[start..self.at])
    }

    /// Past the closing quote of the string at the cursor.
    fn skip_string(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                _ => self.at += 1,
            }
        }
    }

    /// Past the value at the cursor: an object or array by bracket depth, a string, or a
    /// scalar up to the next delimiter.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                let start = self.at;
                while !matches!(self.peek(), None | Some(b',' | b'}' | b']'))
                    && !self.peek().is_some_and(|b| b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
                (self.at > start).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::body::{JsonDialect, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper};
    use crate::error::BodyError;

    const VERSION: DataVersion = DataVersion {
        state_version: 2,
        timestamp: 1_700_000_000_000,
        counter: 7,
    };

    fn body(topics: usize) -> RegisterBrokerBody {
        RegisterBrokerBody {
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                topic_config_table: (0..topics)
                    .map(|i| {
                        let name = format!("T{i}");
                        let config = TopicConfig {
                            topic_name: Some(name.clone()),
                            attributes: [("+message.type".into(), "NORMAL".into())].into(),
                            ..TopicConfig::default()
                        };
                        (name, config)
                    })
                    .collect(),
                data_version: VERSION,
                topic_queue_mapping_info_map: BTreeMap::new(),
            },
            filter_server_list: vec!["127.0.0.1:1".into()],
        }
    }

    /// The data version the peek reads, if any.
    fn peek_data_version(body: &[u8], compressed: bool, version: i32) -> Option<DataVersion> {
        RegisterBodyPeek::of(body, compressed, version)
            .known
            .map(|(version, _)| version)
    }

    /// The peek and the full decode agree, or the peek declines.
    fn agrees(bytes: &[u8], compressed: bool, version: i32) -> Option<DataVersion> {
        let peeked = peek_data_version(bytes, compressed, version);
        if let Some(peeked) = peeked {
            let full = RegisterBrokerBody::decode(bytes, compressed, version).unwrap();
            assert_eq!(peeked, full.topic_config_serialize_wrapper.data_version);
        }
        peeked
    }

    #[test]
    fn reads_the_version_of_a_fastjson_body_with_data_version_first() {
        let json = body(50).to_json(JsonDialect::Fastjson);
        let text = std::str::from_utf8(&json).unwrap();
        assert!(text.find("dataVersion") < text.find("topicConfigTable"));
        assert_eq!(agrees(&json, false, 479), Some(VERSION));
    }

    #[test]
    fn reads_the_version_when_it_follows_the_topic_table_and_the_filter_list() {
        let json = r#"{ "topicConfigSerializeWrapper" : { "topicConfigTable" : {"A":{"topicName":"A","perm":6,"attributes":{"k":"}{\"]"}}, "B":{"topicName":"B"}},
            "topicQueueMappingInfoMap":{"S":{"bname":"b","currIdMap":{0:0,1:1},"topic":"S","totalQueues":2}},
            "dataVersion" : {"counter":7,"stateVersion":2,"timestamp":1700000000000} }, "filterServerList":["x"] }"#;
        assert_eq!(agrees(json.as_bytes(), false, 479), Some(VERSION));
        // A dataVersion nested deeper (inside a topic's attributes) is not the wrapper's.
        let decoy = r#"{"topicConfigSerializeWrapper":{"topicConfigTable":{"dataVersion":{"topicName":"dataVersion"}},"dataVersion":{"counter":7,"stateVersion":2,"timestamp":1700000000000}}}"#;
        assert_eq!(agrees(decoy.as_bytes(), false, 479), Some(VERSION));
    }

    #[test]
    fn reads_the_bare_pre_3_0_11_wrapper() {
        let bare = r#"{"topicConfigTable":{"T":{"topicName":"T"}},"dataVersion":{"counter":7,"stateVersion":2,"timestamp":1700000000000}}"#;
        assert_eq!(agrees(bare.as_bytes(), false, 0), Some(VERSION));
        // The same text from a 3.0.11+ broker has no wrapper member: nothing to peek.
        assert_eq!(peek_data_version(bare.as_bytes(), false, 479), None);
    }

    #[test]
    fn reads_the_first_chunk_of_4x_and_5x_compressed_bodies() {
        let b = body(200);
        for version in [409, 479] {
            let zlib = b.encode_compressed(version);
            assert_eq!(agrees(&zlib, true, version), Some(VERSION), "{version}");
            // 5.x brokers label it uncompressed; the full decode sniffs zlib and so do we.
            assert_eq!(agrees(&zlib, false, version), Some(VERSION), "{version}");
        }
    }

    #[test]
    fn declines_what_the_full_decode_must_judge() {
        let json = body(3).to_json(JsonDialect::Fastjson);
        let zlib = body(3).encode_compressed(479);
        let broken: Vec<(&[u8], bool)> = vec![
            (b"", false),
            (b"not json", false),
            (&json[..60], false),
            (
                br#"{"topicConfigSerializeWrapper":{"topicConfigTable":{}}}"#,
                false,
            ),
            (
                br#"{"topicConfigSerializeWrapper":{"dataVersion":"x"}}"#,
                false,
            ),
            (
                br#"{"topicConfigSerializeWrapper":{"data\u0056ersion":{"counter":7}}}"#,
                false,
            ),
            (b"garbage", true),
            (&zlib[..6], true),
        ];
        for (bytes, compressed) in broken {
            assert_eq!(
                peek_data_version(bytes, compressed, 479),
                None,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        // A body broken after its data version still peeks: harmless, since only bytes the
        // route owner applied before are ever skipped, and these never were.
        assert_eq!(
            peek_data_version(&json[..json.len() / 2], false, 479),
            Some(VERSION)
        );
        // Declining leaves the verdict to the full decode, with today's error.
        let err = RegisterBrokerBody::decode(b"not json", false, 479).unwrap_err();
        assert!(matches!(err, BodyError::Json(_)));
    }

    #[test]
    fn the_whole_crc_is_the_bodys_and_masks_like_body_crc32() {
        let json = body(5).to_json(JsonDialect::Fastjson);
        let zlib = body(5).encode_compressed(479);
        for (bytes, compressed, version) in [
            (&json[..], false, 479),
            (&json[..], false, 0),
            (&zlib[..], true, 479),
            (&zlib[..], false, 479),
            (&b"not json"[..], false, 479),
            (&b""[..], false, 479),
        ] {
            let peek = RegisterBodyPeek::of(bytes, compressed, version);
            assert_eq!(peek.crc32, crc32fast::hash(bytes));
            assert_eq!(peek.masked_crc32(), crate::body::body_crc32(bytes));
        }
    }

    fn with_version(counter: i64, topics: usize) -> Vec<u8> {
        let mut b = body(topics);
        b.topic_config_serialize_wrapper.data_version.counter = counter;
        b.to_json(JsonDialect::Fastjson)
    }

    fn fingerprint(bytes: &[u8]) -> BodyFingerprint {
        RegisterBodyPeek::of(bytes, false, 479).known.unwrap().1
    }

    #[test]
    fn a_json_fingerprint_leaves_out_the_data_version_and_nothing_else() {
        let (a, b) = (with_version(7, 20), with_version(123_456, 20));
        assert_ne!(a.len(), b.len());
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert!(fingerprint(&a).leaves_out_data_version());
        assert_ne!(crc32fast::hash(&a), crc32fast::hash(&b));

        // One more topic, one byte of a topic, or the filter servers: another fingerprint.
        assert_ne!(fingerprint(&a), fingerprint(&with_version(7, 21)));
        let mut flipped = a.clone();
        let at = a.len() - 20;
        flipped[at] = if flipped[at] == b'1' { b'2' } else { b'1' };
        assert_ne!(fingerprint(&a), fingerprint(&flipped));
        let mut other_filters = body(20);
        other_filters.filter_server_list = vec!["127.0.0.1:2".into()];
        let other_filters = other_filters.to_json(JsonDialect::Fastjson);
        assert_ne!(fingerprint(&a), fingerprint(&other_filters));
    }

    #[test]
    fn the_cut_is_part_of_the_fingerprint() {
        // The same bytes outside the version, cut at another place: told apart (here
        // needlessly, as only a space moved, which costs one full decode).
        let one = br#"{"topicConfigSerializeWrapper":{"dataVersion":{"counter":1} ,"x":1}}"#;
        let two = br#"{"topicConfigSerializeWrapper":{"dataVersion": {"counter":1},"x":1}}"#;
        let (f1, f2) = (fingerprint(one), fingerprint(two));
        assert_eq!((f1.len, f1.crc32), (f2.len, f2.crc32));
        assert_ne!(f1, f2);
    }

    #[test]
    fn a_compressed_fingerprint_covers_the_whole_body() {
        let mut b = body(20);
        let one = b.encode_compressed(479);
        b.topic_config_serialize_wrapper.data_version.counter += 1;
        let two = b.encode_compressed(479);
        let (Some((_, f1)), Some((_, f2))) = (
            RegisterBodyPeek::of(&one, true, 479).known,
            RegisterBodyPeek::of(&two, true, 479).known,
        ) else {
            panic!("compressed bodies peek");
        };
        assert_eq!(f1, BodyFingerprint::of(&one));
        assert!(!f1.leaves_out_data_version());
        assert_ne!(f1, f2);
    }

    proptest::proptest! {
        /// Bodies with one fingerprint decode alike but for their data versions.
        #[test]
        fn equal_fingerprints_decode_alike(
            topics in 0usize..4,
            counters in (0i64..1_000, 0i64..1_000),
            spaces in ("[ \n]{0,2}", "[ \n]{0,2}"),
            order in proptest::bool::ANY,
        ) {
            let render = |counter: i64| {
                let version = format!(
                    r#"{{"counter":{counter},"stateVersion":2,"timestamp":1700000000000}}"#
                );
                let table: Vec<String> = (0..topics)
                    .map(|i| format!(r#""T{i}":{{"topicName":"T{i}","perm":6}}"#))
                    .collect();
                let table = format!("{{{}}}", table.join(","));
                let (s1, s2) = &spaces;
                let members = if order {
                    format!(r#""dataVersion":{s1}{version}{s2},"topicConfigTable":{table}"#)
                } else {
                    format!(r#""topicConfigTable":{table},"dataVersion":{s1}{version}{s2}"#)
                };
                format!(r#"{{"filterServerList":[],"topicConfigSerializeWrapper":{{{members}}}}}"#)
                    .into_bytes()
            };
            let (a, b) = (render(counters.0), render(counters.1));
            proptest::prop_assert_eq!(fingerprint(&a), fingerprint(&b));
            let mut da = RegisterBrokerBody::decode(&a, false, 479).unwrap();
            let db = RegisterBrokerBody::decode(&b, false, 479).unwrap();
            proptest::prop_assert_eq!(da.topic_config_serialize_wrapper.data_version.counter, counters.0);
            da.topic_config_serialize_wrapper.data_version =
                db.topic_config_serialize_wrapper.data_version;
            proptest::prop_assert_eq!(da, db);
        }
    }
}
