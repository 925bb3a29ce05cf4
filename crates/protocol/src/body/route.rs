//! TopicRouteData and its parts: what GET_ROUTEINFO_BY_TOPIC answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::json::{read_lenient, JsonBody, JsonWriter};
use crate::error::BodyError;

/// One broker group's queues for a topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueData {
    pub broker_name: String,
    pub read_queue_nums: i32,
    pub write_queue_nums: i32,
    /// 4 read, 2 write, 1 inherit, 8 priority.
    pub perm: i32,
    /// Bit 0 unit, bit 1 unit-sub.
    pub topic_sys_flag: i32,
}

/// One broker group (a broker name) and its members: broker id → address, 0 = master.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerData {
    pub cluster: String,
    pub broker_name: String,
    pub broker_addrs: BTreeMap<i64, String>,
    pub enable_acting_master: bool,
    pub zone_name: Option<String>,
}

/// A static topic's logical-to-physical queue mapping on one broker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicQueueMappingInfo {
    pub topic: Option<String>,
    pub scope: Option<String>,
    pub total_queues: i32,
    pub bname: Option<String>,
    pub epoch: i64,
    pub dirty: bool,
    pub curr_id_map: Option<BTreeMap<i32, i32>>,
}

/// The route of one topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicRouteData {
    pub order_topic_conf: Option<String>,
    pub queue_datas: Vec<QueueData>,
    pub broker_datas: Vec<BrokerData>,
    pub filter_server_table: BTreeMap<String, Vec<String>>,
    pub topic_queue_mapping_by_broker: Option<BTreeMap<String, TopicQueueMappingInfo>>,
}

impl QueueData {
    pub(crate) fn write(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.str_member("brokerName", &self.broker_name);
        w.int_member("perm", self.perm.into());
        w.int_member("readQueueNums", self.read_queue_nums.into());
        w.int_member("topicSysFlag", self.topic_sys_flag.into());
        w.int_member("writeQueueNums", self.write_queue_nums.into());
        w.end_object();
    }
}

/// Writes `brokerAddrs`-style maps: integer keys, bare or quoted by dialect.
pub(crate) fn write_broker_addrs(w: &mut JsonWriter, addrs: &BTreeMap<i64, String>) {
    w.key("brokerAddrs");
    w.begin_object();
    for (id, addr) in addrs {
        w.int_key(*id);
        w.string(addr);
    }
    w.end_object();
}

impl BrokerData {
    pub(crate) fn write(&self, w: &mut JsonWriter) {
        w.begin_object();
        write_broker_addrs(w, &self.broker_addrs);
        w.str_member("brokerName", &self.broker_name);
        w.str_member("cluster", &self.cluster);
        w.bool_member("enableActingMaster", self.enable_acting_master);
        w.opt_str_member("zoneName", self.zone_name.as_deref());
        w.end_object();
    }
}

impl TopicQueueMappingInfo {
    pub(crate) fn write(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.opt_str_member("bname", self.bname.as_deref());
        if let Some(map) = &self.curr_id_map {
            w.key("currIdMap");
            w.begin_object();
            for (k, v) in map {
                w.int_key((*k).into());
                w.int((*v).into());
            }
            w.end_object();
        }
        w.bool_member("dirty", self.dirty);
        w.int_member("epoch", self.epoch);
        w.opt_str_member("scope", self.scope.as_deref());
        w.opt_str_member("topic", self.topic.as_deref());
        w.int_member("totalQueues", self.total_queues.into());
        w.end_object();
    }
}

impl JsonBody for TopicQueueMappingInfo {
    fn write_json(&self, w: &mut JsonWriter) {
        self.write(w);
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
        read_lenient(bytes)
    }
}

impl JsonBody for TopicRouteData {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.key("brokerDatas");
        w.begin_array();
        for b in &self.broker_datas {
            w.element();
            b.write(w);
        }
        w.end_array();
        w.key("filterServerTable");
        w.begin_object();
        for (addr, servers) in &self.filter_server_table {
            w.key(addr);
            w.begin_array();
            for s in servers {
                w.element();
                w.string(s);
            }
            w.end_array();
        }
        w.end_object();
        w.opt_str_member("orderTopicConf", self.order_topic_conf.as_deref());
        w.key("queueDatas");
        w.begin_array();
        for q in &self.queue_datas {
            w.element();
            q.write(w);
        }
        w.end_array();
        if let Some(mappings) = &self.topic_queue_mapping_by_broker {
            w.key("topicQueueMappingByBroker");
            w.begin_object();
            for (broker, info) in mappings {
                w.key(broker);
                info.write(w);
            }
            w.end_object();
        }
        w.end_object();
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
        read_lenient(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::JsonDialect;

    fn example() -> TopicRouteData {
        TopicRouteData {
            order_topic_conf: None,
            queue_datas: vec![QueueData {
                broker_name: "broker-a".into(),
                read_queue_nums: 4,
                write_queue_nums: 4,
                perm: 6,
                topic_sys_flag: 0,
            }],
            broker_datas: vec![BrokerData {
                cluster: "DefaultCluster".into(),
                broker_name: "broker-a".into(),
                broker_addrs: [(0, "10.0.0.1:10911".into()), (1, "10.0.0.2:10911".into())].into(),
                enable_acting_master: false,
                zone_name: None,
            }],
            filter_server_table: BTreeMap::new(),
            topic_queue_mapping_by_broker: None,
        }
    }

    const STANDARD: &str = r#"{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.1:10911","1":"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#;

    #[test]
    fn the_reference_route_is_written_byte_for_byte_in_both_dialects() {
        let standard = example().to_json(JsonDialect::Standard);
        assert_eq!(String::from_utf8(standard.clone()).unwrap(), STANDARD);
        assert_eq!(standard.len(), 282);
        let fastjson = String::from_utf8(example().to_json(JsonDialect::Fastjson)).unwrap();
        assert_eq!(
            fastjson,
            STANDARD.replace("{\"0\":", "{0:").replace(",\"1\":", ",1:")
        );
        assert_eq!(fastjson.len(), 278);
    }

    #[test]
    fn both_dialects_read_back() {
        for d in [JsonDialect::Standard, JsonDialect::Fastjson] {
            assert_eq!(
                TopicRouteData::from_json(&example().to_json(d)).unwrap(),
                example()
            );
        }
    }

    #[test]
    fn static_topic_mappings_zone_and_order_conf_are_written() {
        let mut route = example();
        route.order_topic_conf = Some("broker-a:4".into());
        route.broker_datas[0].zone_name = Some("z1".into());
        route.topic_queue_mapping_by_broker = Some(
            [(
                "broker-a".to_string(),
                TopicQueueMappingInfo {
                    topic: Some("StaticTopic".into()),
                    scope: Some("__global__".into()),
                    total_queues: 4,
                    bname: Some("broker-a".into()),
                    epoch: 1_700_000_000_000,
                    dirty: false,
                    curr_id_map: Some([(0, 0), (1, 1)].into()),
                },
            )]
            .into(),
        );
        let text = String::from_utf8(route.to_json(JsonDialect::Standard)).unwrap();
        assert!(text.contains(r#""topicQueueMappingByBroker":{"broker-a":{"bname":"broker-a","currIdMap":{"0":0,"1":1},"dirty":false,"epoch":1700000000000,"scope":"__global__","topic":"StaticTopic","totalQueues":4}}"#), "{text}");
        assert!(text.contains(r#""orderTopicConf":"broker-a:4""#));
        assert!(text.contains(r#""zoneName":"z1""#));
        let fast = route.to_json(JsonDialect::Fastjson);
        assert!(String::from_utf8_lossy(&fast).contains(r#""currIdMap":{0:0,1:1}"#));
        assert_eq!(TopicRouteData::from_json(&fast).unwrap(), route);
    }

    #[test]
    fn reading_ignores_unknown_members_and_defaults_missing_ones() {
        let route = TopicRouteData::from_json(
            br#"{"queueDatas":[{"brokerName":"b","perm":6,"x":1}],"newField":[1]}"#,
        )
        .unwrap();
        assert_eq!(route.queue_datas[0].perm, 6);
        assert_eq!(route.queue_datas[0].read_queue_nums, 0);
        assert!(route.broker_datas.is_empty());
        assert!(TopicRouteData::from_json(b"{").is_err());
    }
}
