//! REGISTER_BROKER bodies: JSON, zlib-compressed, and the bare pre-3.0.11 form.
//!
//! A broker with tens of thousands of topics sends tens of megabytes here every 30 s, so
//! decoding is linear and keeps the topic table as a vector in arrival order (no per-entry
//! map work). The compressed form is the one 4.x brokers send with `compressedRegister=true`:
//! a zlib stream of length-prefixed parts with topics as space-separated text. Its counts
//! come from the peer, so they are checked against the bytes that remain before anything is
//! allocated, and decompression stops at [`MAX_DECOMPRESSED_BODY`].

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::json::{read_lenient, JsonBody, JsonDialect, JsonWriter};
use super::route::TopicQueueMappingInfo;
use super::tables::DataVersion;
use crate::error::BodyError;
use crate::version::{V3_0_11, V5_0_0};

/// Decompressed register bodies larger than this are refused (a zip-bomb guard).
pub const MAX_DECOMPRESSED_BODY: usize = 512 * 1024 * 1024;

/// A topic as the broker configures it; only the name, queue counts, perm and sys flag reach
/// the route tables.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfig {
    pub topic_name: Option<String>,
    pub read_queue_nums: i32,
    pub write_queue_nums: i32,
    pub perm: i32,
    pub topic_filter_type: String,
    pub topic_sys_flag: i32,
    pub order: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub attributes: BTreeMap<String, String>,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            topic_name: None,
            read_queue_nums: 16,
            write_queue_nums: 16,
            perm: 6,
            topic_filter_type: "SINGLE_TAG".into(),
            topic_sys_flag: 0,
            order: false,
            attributes: BTreeMap::new(),
        }
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl TopicConfig {
    fn write(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.string_map_member("attributes", &self.attributes);
        w.bool_member("order", self.order);
        w.int_member("perm", self.perm.into());
        w.int_member("readQueueNums", self.read_queue_nums.into());
        w.str_member("topicFilterType", &self.topic_filter_type);
        w.opt_str_member("topicName", self.topic_name.as_deref());
        w.int_member("topicSysFlag", self.topic_sys_flag.into());
        w.int_member("writeQueueNums", self.write_queue_nums.into());
        w.end_object();
    }

    /// The compressed form's text: `name read write perm filterType[ attributesJson]`.
    fn to_text(&self, with_attributes: bool) -> String {
        let mut s = format!(
            "{} {} {} {} {}",
            self.topic_name.as_deref().unwrap_or(""),
            self.read_queue_nums,
            self.write_queue_nums,
            self.perm,
            self.topic_filter_type
        );
        if with_attributes {
            let mut w = JsonWriter::new(JsonDialect::Fastjson);
            w.begin_object();
            for (k, v) in &self.attributes {
                w.str_member(k, v);
            }
            w.end_object();
            s.push(' ');
            s.push_str(&String::from_utf8_lossy(&w.into_bytes()));
        }
        s
    }

    fn from_text(text: &str) -> Result<Self, BodyError> {
        let tokens: Vec<&str> = text.split(' ').collect();
        if tokens.len() < 5 {
            return Err(BodyError::Compressed(format!(
                "topic config '{text}' has fewer than 5 fields"
            )));
        }
        let int = |i: usize| {
            tokens[i].parse::<i32>().map_err(|_| {
                BodyError::Compressed(format!(
                    "topic config '{text}': '{}' is not a number",
                    tokens[i]
                ))
            })
        };
        Ok(TopicConfig {
            topic_name: Some(tokens[0].to_owned()),
            read_queue_nums: int(1)?,
            write_queue_nums: int(2)?,
            perm: int(3)?,
            topic_filter_type: tokens[4].to_owned(),
            // A sixth token that is not JSON is ignored, as Java does.
            attributes: tokens
                .get(5)
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_default(),
            ..TopicConfig::default()
        })
    }
}

/// A broker's topics and the data version they belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfigSerializeWrapper {
    #[serde(deserialize_with = "ordered_topic_table")]
    pub topic_config_table: Vec<(String, TopicConfig)>,
    pub data_version: DataVersion,
    #[serde(deserialize_with = "null_as_default")]
    pub topic_queue_mapping_info_map: BTreeMap<String, TopicQueueMappingInfo>,
}

/// A JSON body whose topic table (the member at `path`) is plain, read in two parts: the
/// table in place by the plain reader, and the rest — the body with `{}` where the table was —
/// by serde, which then never captures the table as raw JSON. `None` when the table is not
/// plain, the body may need the lenient rewrite, or the rest does not decode: then the whole
/// body is read as before, with the same result or error. Since the plain reader takes only
/// valid JSON that serde reads to the same table, the two parts make what serde makes of the
/// whole (a property test checks it).
fn with_plain_table<T: serde::de::DeserializeOwned>(
    body: &[u8],
    path: &[&[u8]],
    table_of: impl FnOnce(&mut T) -> &mut Vec<(String, TopicConfig)>,
) -> Option<T> {
    if super::json::may_need_rewrite(body) {
        return None;
    }
    let start = super::register_peek::member_value_at(body, path)?;
    let (table, end) = super::register_plain::topic_table_at(body, start)?;
    let mut rest = Vec::with_capacity(body.len() - (end - start) + 2);
    rest.extend_from_slice(&body[..start]);
    rest.extend_from_slice(b"{}");
    rest.extend_from_slice(&body[end..]);
    let mut decoded: T = serde_json::from_slice(&rest).ok()?;
    *table_of(&mut decoded) = table;
    Some(decoded)
}

/// Reads the topic map into a vector, in arrival order, without hashing 100k keys: through
/// the plain reader (`register_plain.rs`) when the table is plain, else through serde.
fn ordered_topic_table<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(String, TopicConfig)>, D::Error> {
    let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
    match super::register_plain::topic_table(raw.get()) {
        Some(table) => Ok(table),
        None => topic_table_with_serde(raw.get()).map_err(serde::de::Error::custom),
    }
}

/// The topic table as serde reads it: every form serde_json takes, and its errors.
pub(super) fn topic_table_with_serde(
    raw: &str,
) -> Result<Vec<(String, TopicConfig)>, serde_json::Error> {
    struct Table(Vec<(String, TopicConfig)>);

    impl<'de> Deserialize<'de> for Table {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(TableVisitor).map(Table)
        }
    }

    struct TableVisitor;

    impl<'de> Visitor<'de> for TableVisitor {
        type Value = Vec<(String, TopicConfig)>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of topic name to topic config")
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1 << 16));
            while let Some((k, v)) = map.next_entry::<String, TopicConfig>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }

    serde_json::from_str::<Table>(raw).map(|t| t.0)
}

impl TopicConfigSerializeWrapper {
    fn write(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.key("dataVersion");
        self.data_version.write_json(w);
        w.key("topicConfigTable");
        w.begin_object();
        for (name, config) in &self.topic_config_table {
            w.key(name);
            config.write(w);
        }
        w.end_object();
        w.key("topicQueueMappingInfoMap");
        w.begin_object();
        for (topic, info) in &self.topic_queue_mapping_info_map {
            w.key(topic);
            info.write_json(w);
        }
        w.end_object();
        w.end_object();
    }
}

impl JsonBody for TopicConfigSerializeWrapper {
    fn write_json(&self, w: &mut JsonWriter) {
        self.write(w);
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
        read_lenient(bytes)
    }
}

/// The body of REGISTER_BROKER from brokers at V3_0_11 and later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegisterBrokerBody {
    pub topic_config_serialize_wrapper: TopicConfigSerializeWrapper,
    #[serde(deserialize_with = "null_as_default")]
    pub filter_server_list: Vec<String>,
}

impl JsonBody for RegisterBrokerBody {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.string_array_member("filterServerList", &self.filter_server_list);
        w.key("topicConfigSerializeWrapper");
        self.topic_config_serialize_wrapper.write(w);
        w.end_object();
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
        read_lenient(bytes)
    }
}

impl RegisterBrokerBody {
    /// Decodes a REGISTER_BROKER body as the request's `version` and `compressed` flag say.
    ///
    /// Beyond Java: 5.x brokers configured with `compressedRegister=true` send a zlib body
    /// while their header says `compressed=false`; a body that starts like zlib (0x78) and not
    /// like JSON is decoded as compressed instead of failing.
    pub fn decode(body: &[u8], compressed: bool, request_version: i32) -> Result<Self, BodyError> {
        if request_version < V3_0_11 {
            let wrapper = with_plain_table(
                body,
                &[b"topicConfigTable"],
                |w: &mut TopicConfigSerializeWrapper| &mut w.topic_config_table,
            );
            return Ok(RegisterBrokerBody {
                topic_config_serialize_wrapper: match wrapper {
                    Some(wrapper) => wrapper,
                    None => TopicConfigSerializeWrapper::from_json(body)?,
                },
                filter_server_list: Vec::new(),
            });
        }
        if compressed || body.first() == Some(&0x78) {
            return Self::decode_compressed(body, request_version);
        }
        let path: &[&[u8]] = &[b"topicConfigSerializeWrapper", b"topicConfigTable"];
        match with_plain_table(body, path, |b: &mut Self| {
            &mut b.topic_config_serialize_wrapper.topic_config_table
        }) {
            Some(decoded) => Ok(decoded),
            None => Self::from_json(body),
        }
    }

    /// [`decode`](Self::decode) of a JSON body without reading its table in place.
    #[cfg(test)]
    fn decode_whole(body: &[u8], request_version: i32) -> Result<Self, BodyError> {
        if request_version < V3_0_11 {
            return Ok(RegisterBrokerBody {
                topic_config_serialize_wrapper: TopicConfigSerializeWrapper::from_json(body)?,
                filter_server_list: Vec::new(),
            });
        }
        Self::from_json(body)
    }

    /// The zlib form of §4.6.2 of the reference.
    pub fn decode_compressed(body: &[u8], request_version: i32) -> Result<Self, BodyError> {
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(body)
            .take(MAX_DECOMPRESSED_BODY as u64 + 1)
            .read_to_end(&mut raw)
            .map_err(|e| BodyError::Compressed(format!("zlib: {e}")))?;
        if raw.len() > MAX_DECOMPRESSED_BODY {
            return Err(BodyError::Compressed(format!(
                "decompressed body exceeds {MAX_DECOMPRESSED_BODY} bytes"
            )));
        }
        let mut r = Reader { buf: &raw };
        let data_version = DataVersion::from_json(r.chunk("data version")?)?;
        let count = r.count("topic count", 4)?;
        let mut topics = Vec::with_capacity(count);
        for _ in 0..count {
            let text = std::str::from_utf8(r.chunk("topic config")?)
                .map_err(|_| BodyError::Compressed("topic config is not UTF-8".into()))?;
            let config = TopicConfig::from_text(text)?;
            topics.push((config.topic_name.clone().unwrap_or_default(), config));
        }
        let filter_server_list: Vec<String> = read_lenient(r.chunk("filter server list")?)?;
        let mut mappings = BTreeMap::new();
        if request_version >= V5_0_0 {
            let count = r.count("mapping count", 4)?;
            for _ in 0..count {
                let info = TopicQueueMappingInfo::from_json(r.chunk("topic queue mapping")?)?;
                mappings.insert(info.topic.clone().unwrap_or_default(), info);
            }
        }
        Ok(RegisterBrokerBody {
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                topic_config_table: topics,
                data_version,
                topic_queue_mapping_info_map: mappings,
            },
            filter_server_list,
        })
    }

    /// The zlib form, as a broker at `request_version` would send it (tests, benchmarks).
    pub fn encode_compressed(&self, request_version: i32) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, bytes: &[u8]) {
            out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        let wrapper = &self.topic_config_serialize_wrapper;
        let five_x = request_version >= V5_0_0;
        let mut raw = Vec::new();
        chunk(
            &mut raw,
            &wrapper.data_version.to_json(JsonDialect::Fastjson),
        );
        raw.extend_from_slice(&(wrapper.topic_config_table.len() as i32).to_be_bytes());
        for (_, config) in &wrapper.topic_config_table {
            chunk(&mut raw, config.to_text(five_x).as_bytes());
        }
        let mut w = JsonWriter::new(JsonDialect::Fastjson);
        w.begin_array();
        for f in &self.filter_server_list {
            w.element();
            w.string(f);
        }
        w.end_array();
        chunk(&mut raw, &w.into_bytes());
        if five_x {
            let mappings = &wrapper.topic_queue_mapping_info_map;
            raw.extend_from_slice(&(mappings.len() as i32).to_be_bytes());
            for info in mappings.values() {
                chunk(&mut raw, &info.to_json(JsonDialect::Fastjson));
            }
        }
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        let _ = enc.write_all(&raw);
        enc.finish().unwrap_or_default()
    }
}

/// A cursor over the decompressed parts.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn int(&mut self, what: &str) -> Result<i32, BodyError> {
        if self.buf.len() < 4 {
            return Err(BodyError::Compressed(format!(
                "truncated before the {what}"
            )));
        }
        let n = i32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
        self.buf = &self.buf[4..];
        Ok(n)
    }

    /// A count of items of at least `min_item` bytes each, checked against what remains.
    fn count(&mut self, what: &str, min_item: usize) -> Result<usize, BodyError> {
        let n = self.int(what)?;
        let n =
            usize::try_from(n).map_err(|_| BodyError::Compressed(format!("negative {what}")))?;
        if n.saturating_mul(min_item) > self.buf.len() {
            return Err(BodyError::Compressed(format!(
                "{what} {n} exceeds the body"
            )));
        }
        Ok(n)
    }

    fn chunk(&mut self, what: &str) -> Result<&'a [u8], BodyError> {
        let n = self.int(what)?;
        let n = usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.buf.len())
            .ok_or_else(|| BodyError::Compressed(format!("{what} length {n} overruns the body")))?;
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
}

/// The register body checksum: CRC-32 (IEEE) masked to 31 bits, as Java sends it.
pub fn body_crc32(body: &[u8]) -> u32 {
    crc32fast::hash(body) & 0x7FFF_FFFF
}

/// Checks a register body against the header's `bodyCrc32`; 0 disables the check.
pub fn check_body_crc32(body: &[u8], expected: i32) -> Result<(), BodyError> {
    if expected == 0 {
        return Ok(());
    }
    let actual = body_crc32(body);
    if actual as i64 == expected as i64 {
        Ok(())
    } else {
        Err(BodyError::CrcMismatch {
            expected: expected as u32,
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topic_config_missing_members_takes_the_defaults() {
        let read: TopicConfig =
            serde_json::from_str(r#"{"topicName":"T","perm":4,"attributes":null}"#).unwrap();
        assert_eq!(
            read,
            TopicConfig {
                topic_name: Some("T".into()),
                perm: 4,
                ..TopicConfig::default()
            }
        );
        assert_eq!(
            (read.read_queue_nums, read.topic_filter_type.as_str()),
            (16, "SINGLE_TAG")
        );
        let empty: TopicConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, TopicConfig::default());
    }

    fn topic(name: &str, queues: i32) -> (String, TopicConfig) {
        (
            name.to_string(),
            TopicConfig {
                topic_name: Some(name.into()),
                read_queue_nums: queues,
                write_queue_nums: queues,
                attributes: [("+message.type".to_string(), "NORMAL".to_string())].into(),
                ..TopicConfig::default()
            },
        )
    }

    fn body(n: usize) -> RegisterBrokerBody {
        RegisterBrokerBody {
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                topic_config_table: (0..n).map(|i| topic(&format!("T{i}"), 8)).collect(),
                data_version: DataVersion {
                    state_version: 0,
                    timestamp: 1_700_000_000_000,
                    counter: 3,
                },
                topic_queue_mapping_info_map: BTreeMap::new(),
            },
            filter_server_list: vec![],
        }
    }

    const JAVA_5X: &str = r#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1700000000000},"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":1700000000001},"topicConfigTable":{"TopicA":{"attributes":{},"order":false,"perm":6,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TopicA","topicSysFlag":0,"writeQueueNums":8}},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}}"#;

    #[test]
    fn reads_the_reference_5x_body() {
        let b = RegisterBrokerBody::decode(JAVA_5X.as_bytes(), false, 479).unwrap();
        let w = &b.topic_config_serialize_wrapper;
        assert_eq!(w.data_version.counter, 3);
        assert_eq!(w.topic_config_table.len(), 1);
        assert_eq!(
            w.topic_config_table[0].1.topic_name.as_deref(),
            Some("TopicA")
        );
        assert_eq!(w.topic_config_table[0].1.read_queue_nums, 8);
    }

    #[test]
    fn reads_a_4x_body_and_a_bare_pre_3_0_11_wrapper() {
        let four = r#"{"filterServerList":["1.1.1.1:1"],"topicConfigSerializeWrapper":{"dataVersion":{"counter":1,"timestamp":5},"topicConfigTable":{"T":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":4}}}}"#;
        let b = RegisterBrokerBody::decode(four.as_bytes(), false, 409).unwrap();
        assert_eq!(b.filter_server_list, vec!["1.1.1.1:1".to_string()]);
        assert_eq!(
            b.topic_config_serialize_wrapper.data_version.state_version,
            0
        );
        let bare = r#"{"dataVersion":{"counter":2,"timestamp":5},"topicConfigTable":{"T":{"topicName":"T","perm":6}}}"#;
        let b = RegisterBrokerBody::decode(bare.as_bytes(), false, 0).unwrap();
        assert_eq!(b.topic_config_serialize_wrapper.data_version.counter, 2);
        assert_eq!(b.topic_config_serialize_wrapper.topic_config_table.len(), 1);
    }

    #[test]
    fn reads_bare_integer_keys_in_static_topic_mappings() {
        let body = r#"{"topicConfigSerializeWrapper":{"topicConfigTable":{},"topicQueueMappingInfoMap":{"S":{"bname":"b","currIdMap":{0:0,1:1},"topic":"S","totalQueues":2}}}}"#;
        let b = RegisterBrokerBody::decode(body.as_bytes(), false, 479).unwrap();
        let info = &b
            .topic_config_serialize_wrapper
            .topic_queue_mapping_info_map["S"];
        assert_eq!(info.curr_id_map.as_ref().unwrap()[&1], 1);
    }

    #[test]
    fn json_round_trip_keeps_topic_order() {
        let b = body(50);
        let back = RegisterBrokerBody::from_json(&b.to_json(JsonDialect::Fastjson)).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn compressed_round_trips_in_4x_and_5x_shape() {
        let b = body(100);
        let back = RegisterBrokerBody::decode(&b.encode_compressed(479), true, 479).unwrap();
        assert_eq!(back, b);
        // 4.x: five tokens, no attributes, no mapping section.
        let back = RegisterBrokerBody::decode(&b.encode_compressed(409), true, 409).unwrap();
        let t = &back.topic_config_serialize_wrapper.topic_config_table[7].1;
        assert!(t.attributes.is_empty());
        assert_eq!(t.read_queue_nums, 8);
        // 5.x mislabelled as uncompressed.
        let back = RegisterBrokerBody::decode(&b.encode_compressed(479), false, 479).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn broken_compressed_bodies_are_errors_not_panics() {
        let good = body(10).encode_compressed(479);
        for cut in [0, 1, 5, good.len() / 2, good.len() - 1] {
            assert!(
                RegisterBrokerBody::decode(&good[..cut], true, 479).is_err(),
                "cut {cut}"
            );
        }
        assert!(RegisterBrokerBody::decode(b"garbage", true, 479).is_err());
        // A huge declared topic count with no bytes behind it.
        let mut raw = Vec::new();
        let dv = b"{}";
        raw.extend_from_slice(&(dv.len() as i32).to_be_bytes());
        raw.extend_from_slice(dv);
        raw.extend_from_slice(&i32::MAX.to_be_bytes());
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        assert!(RegisterBrokerBody::decode(&enc.finish().unwrap(), true, 479).is_err());
        assert!(TopicConfig::from_text("T 1 2").is_err());
        assert!(TopicConfig::from_text("T x 2 6 SINGLE_TAG").is_err());
        assert!(TopicConfig::from_text("T 1 2 6 SINGLE_TAG notjson")
            .unwrap()
            .attributes
            .is_empty());
    }

    #[test]
    fn crc_is_masked_and_zero_disables_the_check() {
        let body = b"hello";
        let crc = body_crc32(body);
        assert_eq!(crc, crc32fast::hash(body) & 0x7FFF_FFFF);
        assert!(check_body_crc32(body, crc as i32).is_ok());
        assert!(check_body_crc32(body, 0).is_ok());
        assert!(matches!(
            check_body_crc32(body, 1),
            Err(BodyError::CrcMismatch { .. })
        ));
        assert!(check_body_crc32(b"", 0).is_ok());
    }

    mod in_place {
        use super::*;
        use proptest::prelude::*;

        fn same(body: &str, version: i32) {
            let (fast, whole) = (
                RegisterBrokerBody::decode(body.as_bytes(), false, version),
                RegisterBrokerBody::decode_whole(body.as_bytes(), version),
            );
            assert_eq!(format!("{fast:?}"), format!("{whole:?}"), "{body}");
        }

        #[test]
        fn a_fastjson_body_reads_alike_in_place() {
            let mut body = RegisterBrokerBody {
                filter_server_list: vec!["127.0.0.1:1".into()],
                ..RegisterBrokerBody::default()
            };
            let wrapper = &mut body.topic_config_serialize_wrapper;
            wrapper.data_version.counter = 9;
            for i in 0..20 {
                let name = format!("T{i}");
                let config = TopicConfig {
                    topic_name: Some(name.clone()),
                    ..TopicConfig::default()
                };
                wrapper.topic_config_table.push((name, config));
            }
            let json = String::from_utf8(body.to_json(JsonDialect::Fastjson)).unwrap();
            same(&json, 479);
            let path: &[&[u8]] = &[b"topicConfigSerializeWrapper", b"topicConfigTable"];
            let in_place = with_plain_table(json.as_bytes(), path, |b: &mut RegisterBrokerBody| {
                &mut b.topic_config_serialize_wrapper.topic_config_table
            });
            assert_eq!(in_place.as_ref(), Some(&body), "read in place");
            let decoded = RegisterBrokerBody::decode(json.as_bytes(), false, 479).unwrap();
            assert_eq!(decoded, body);
            let bare = String::from_utf8(
                body.topic_config_serialize_wrapper
                    .to_json(JsonDialect::Fastjson),
            )
            .unwrap();
            same(&bare, 0);
        }

        fn table() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(r#"{}"#.to_owned()),
                Just(r#"{"A":{"topicName":"A","perm":6}}"#.to_owned()),
                Just(
                    r#"{"A":{"topicName":"A"},"B":{"readQueueNums":2,"attributes":{"k":"v"}}}"#
                        .to_owned()
                ),
                Just(r#"{ "A" : {"topicName":"A"} }"#.to_owned()),
                Just(r#"{"A":{"perm":"6"}}"#.to_owned()),
                Just(r#"{"A":{"topicName":"a\"b"}}"#.to_owned()),
                Just(r#"null"#.to_owned()),
                Just(r#"{"A":{}"#.to_owned()),
                Just(r#"[1]"#.to_owned()),
            ]
        }

        fn member() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(r#""dataVersion":{"counter":3,"stateVersion":1,"timestamp":5}"#.to_owned()),
                Just(r#""dataVersion":{"counter":"x"}"#.to_owned()),
                Just(r#""mappingDataVersion":{"counter":0}"#.to_owned()),
                Just(r#""topicQueueMappingInfoMap":{}"#.to_owned()),
                Just(
                    r#""topicQueueMappingInfoMap":{"S":{"bname":"b","currIdMap":{0:0}}}"#
                        .to_owned()
                ),
                Just(r#""other":[{"topicConfigTable":{}}]"#.to_owned()),
                table().prop_map(|t| format!(r#""topicConfigTable":{t}"#)),
                table().prop_map(|t| format!(r#""topicConfigTable" :{t}"#)),
            ]
        }

        proptest! {
            /// Reading the table in place never changes what a body decodes to, or its error.
            #[test]
            fn in_place_reads_what_serde_reads_of_the_whole(
                members in prop::collection::vec(member(), 0..5),
                filters in prop_oneof![Just(""), Just(r#""filterServerList":["x"],"#), Just(r#""filterServerList":null,"#)],
                tail in prop_oneof![Just(""), Just(" "), Just("x"), Just("}")],
            ) {
                let wrapper = format!("{{{}}}", members.join(","));
                same(&format!(r#"{{{filters}"topicConfigSerializeWrapper":{wrapper}}}{tail}"#), 479);
                same(&format!("{wrapper}{tail}"), 0);
            }
        }
    }
}
