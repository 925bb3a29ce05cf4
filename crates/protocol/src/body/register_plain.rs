//! A register body's topic table, read without serde when it is plain.
//!
//! A broker's periodic registration with a new data version carries every topic config again,
//! and decoding them through serde was half of the server's CPU for such a registration. The
//! table fastjson writes is plain (see [`crate::plain_json`]); this reader takes exactly that
//! and gives up on anything else, and [`super::register`] then reads the same text with serde.
//! A property test holds the two to the same table.
//!
//! Where the table lies in a whole body, it is read in place ([`topic_table_at`]), so serde
//! reads only the rest of the body and never has to capture the table as raw JSON first.

use std::collections::BTreeMap;

use super::register::TopicConfig;
use crate::plain_json::Reader;

/// The topic table (`{"name":{config},…}`) in arrival order, or `None` when it is not plain.
pub(super) fn topic_table(raw: &str) -> Option<Vec<(String, TopicConfig)>> {
    let mut r = Reader::of_str(raw);
    let table = table(&mut r)?;
    r.at_end().then_some(table)
}

/// The plain topic table that starts at `start` in `body`, and the offset just past it.
pub(super) fn topic_table_at(
    body: &[u8],
    start: usize,
) -> Option<(Vec<(String, TopicConfig)>, usize)> {
    let mut r = Reader::new(body.get(start..)?)?;
    let table = table(&mut r)?;
    Some((table, start + r.pos()))
}

fn table(r: &mut Reader<'_>) -> Option<Vec<(String, TopicConfig)>> {
    let mut table = Vec::new();
    r.object(|r, name| {
        table.push((name.to_owned(), topic_config(r)?));
        Some(())
    })?;
    Some(table)
}

fn topic_config(r: &mut Reader<'_>) -> Option<TopicConfig> {
    let mut config = TopicConfig::default();
    // serde refuses a member given twice; so does this reader (by giving up).
    let mut seen = 0u8;
    r.object(|r, key| {
        let bit = match key {
            "topicName" => 1,
            "readQueueNums" => 2,
            "writeQueueNums" => 4,
            "perm" => 8,
            "topicFilterType" => 16,
            "topicSysFlag" => 32,
            "order" => 64,
            "attributes" => 128,
            _ => 0,
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        match key {
            "topicName" => {
                config.topic_name = if r.eat_null() {
                    None
                } else {
                    Some(r.string()?.to_owned())
                }
            }
            "readQueueNums" => config.read_queue_nums = r.i32()?,
            "writeQueueNums" => config.write_queue_nums = r.i32()?,
            "perm" => config.perm = r.i32()?,
            "topicFilterType" => config.topic_filter_type = r.string()?.to_owned(),
            "topicSysFlag" => config.topic_sys_flag = r.i32()?,
            "order" => config.order = r.boolean()?,
            "attributes" => config.attributes = attributes(r)?,
            _ => r.skip_scalar()?,
        }
        Some(())
    })?;
    Some(config)
}

/// `null` (no attributes) or an object of plain strings; a key given twice keeps its last
/// value, as serde's map does.
fn attributes(r: &mut Reader<'_>) -> Option<BTreeMap<String, String>> {
    let mut attributes = BTreeMap::new();
    if r.eat_null() {
        return Some(attributes);
    }
    r.object(|r, key| {
        let value = r.string()?;
        attributes.insert(key.to_owned(), value.to_owned());
        Some(())
    })?;
    Some(attributes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde_read(raw: &str) -> Option<Vec<(String, TopicConfig)>> {
        super::super::register::topic_table_with_serde(raw).ok()
    }

    #[test]
    fn fastjsons_table_is_plain() {
        let raw = r#"{"T0":{"attributes":{},"order":false,"perm":6,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"T0","topicSysFlag":0,"writeQueueNums":8},"T1":{"attributes":{"+message.type":"NORMAL"},"order":true,"perm":4,"readQueueNums":1,"topicFilterType":"MULTI_TAG","topicName":"T1","topicSysFlag":2,"writeQueueNums":2}}"#;
        let plain = topic_table(raw).expect("plain");
        assert_eq!(plain.len(), 2);
        assert_eq!(Some(plain), serde_read(raw));
        assert_eq!(topic_table("{}"), Some(Vec::new()));
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        for raw in [
            "null",
            r#"{ "T":{}}"#,
            r#"{"T":{"perm":"6"}}"#,
            r#"{"T":{"perm":6,"perm":7}}"#,
            r#"{"T":{"perm":4294967296}}"#,
            r#"{"T":{"order":1}}"#,
            r#"{"T":{"attributes":{"a":1}}}"#,
            r#"{"T":{"topicName":"a\"b"}}"#,
            r#"{"T":{"x":[1]}}"#,
            r#"{"T":{}"#,
        ] {
            assert_eq!(topic_table(raw), None, "{raw}");
        }
    }

    fn member() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("topicName"),
            Just("readQueueNums"),
            Just("writeQueueNums"),
            Just("perm"),
            Just("topicFilterType"),
            Just("topicSysFlag"),
            Just("order"),
            Just("attributes"),
            Just("other"),
        ];
        let value = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<i32>().prop_map(|n| n.to_string()),
            Just("1.5".to_string()),
            Just("null".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
            Just("\"SINGLE_TAG\"".to_string()),
            Just("\"a\\\"b\"".to_string()),
            Just("\"é\"".to_string()),
            Just("{}".to_string()),
            Just(r#"{"k":"v","k":"w"}"#.to_string()),
            Just(r#"{"k":1}"#.to_string()),
            "[a-z0-9]{0,5}".prop_map(|s| format!("\"{s}\"")),
        ];
        (key, value).prop_map(|(k, v)| format!("\"{k}\":{v}"))
    }

    proptest! {
        /// Whatever the plain reader accepts, serde reads to the same table.
        #[test]
        fn the_plain_reader_agrees_with_serde(
            topics in prop::collection::vec(
                ("[A-Za-z0-9_]{0,4}", prop::collection::vec(member(), 0..6), any::<bool>()),
                0..4,
            ),
        ) {
            let entries: Vec<String> = topics
                .iter()
                .map(|(name, members, space)| {
                    let separator = if *space { ", " } else { "," };
                    format!("\"{name}\":{{{}}}", members.join(separator))
                })
                .collect();
            let raw = format!("{{{}}}", entries.join(","));
            if let Some(plain) = topic_table(&raw) {
                prop_assert_eq!(Some(plain), serde_read(&raw), "{}", raw);
            }
        }
    }
}
