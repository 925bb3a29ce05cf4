//! The smaller bodies: DataVersion, ClusterInfo, TopicList, KVTable, the KV file, and the
//! broker member group.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::json::{read_lenient, JsonBody, JsonWriter};
use super::route::{write_broker_addrs, BrokerData};
use crate::error::BodyError;

macro_rules! lenient_reader {
    () => {
        fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
            read_lenient(bytes)
        }
    };
}

/// A broker's version of its topic data; equality (all three fields) drives change detection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DataVersion {
    pub state_version: i64,
    pub timestamp: i64,
    pub counter: i64,
}

impl JsonBody for DataVersion {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.int_member("counter", self.counter);
        w.int_member("stateVersion", self.state_version);
        w.int_member("timestamp", self.timestamp);
        w.end_object();
    }

    lenient_reader!();
}

/// GET_BROKER_CLUSTER_INFO: broker name → group, cluster → broker names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterInfo {
    pub broker_addr_table: BTreeMap<String, BrokerData>,
    pub cluster_addr_table: BTreeMap<String, BTreeSet<String>>,
}

impl JsonBody for ClusterInfo {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.key("brokerAddrTable");
        w.begin_object();
        for (name, data) in &self.broker_addr_table {
            w.key(name);
            data.write(w);
        }
        w.end_object();
        w.key("clusterAddrTable");
        w.begin_object();
        for (cluster, names) in &self.cluster_addr_table {
            w.string_array_member(cluster, names);
        }
        w.end_object();
        w.end_object();
    }

    lenient_reader!();
}

/// The topic-list answers; `brokerAddr` only in GET_SYSTEM_TOPIC_LIST_FROM_NS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicList {
    pub topic_list: Vec<String>,
    pub broker_addr: Option<String>,
}

impl JsonBody for TopicList {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.opt_str_member("brokerAddr", self.broker_addr.as_deref());
        w.string_array_member("topicList", &self.topic_list);
        w.end_object();
    }

    lenient_reader!();
}

/// One KV namespace: GET_KVLIST_BY_NAMESPACE, and ORDER_TOPIC_CONFIG in register replies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KvTable {
    pub table: BTreeMap<String, String>,
}

impl JsonBody for KvTable {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.string_map_member("table", &self.table);
        w.end_object();
    }

    lenient_reader!();
}

/// The Java name server's `kvConfig.json`: namespace → key → value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KvConfigFile {
    pub config_table: BTreeMap<String, BTreeMap<String, String>>,
}

impl JsonBody for KvConfigFile {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.key("configTable");
        w.begin_object();
        for (ns, table) in &self.config_table {
            w.string_map_member(ns, table);
        }
        w.end_object();
        w.end_object();
    }

    lenient_reader!();
}

/// One broker group's members, as GET_BROKER_MEMBER_GROUP answers them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerMemberGroup {
    pub cluster: String,
    pub broker_name: String,
    pub broker_addrs: BTreeMap<i64, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetBrokerMemberGroupResponseBody {
    pub broker_member_group: BrokerMemberGroup,
}

impl JsonBody for GetBrokerMemberGroupResponseBody {
    fn write_json(&self, w: &mut JsonWriter) {
        let g = &self.broker_member_group;
        w.begin_object();
        w.key("brokerMemberGroup");
        w.begin_object();
        write_broker_addrs(w, &g.broker_addrs);
        w.str_member("brokerName", &g.broker_name);
        w.str_member("cluster", &g.cluster);
        w.end_object();
        w.end_object();
    }

    lenient_reader!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::JsonDialect;

    fn text<T: JsonBody>(t: &T, d: JsonDialect) -> String {
        String::from_utf8(t.to_json(d)).unwrap()
    }

    #[test]
    fn data_version_reads_4x_shape_and_writes_java_order() {
        let v = DataVersion::from_json(br#"{"counter":12,"timestamp":1700000000000}"#).unwrap();
        assert_eq!(
            v,
            DataVersion {
                state_version: 0,
                timestamp: 1_700_000_000_000,
                counter: 12
            }
        );
        assert_eq!(
            text(&v, JsonDialect::Fastjson),
            r#"{"counter":12,"stateVersion":0,"timestamp":1700000000000}"#
        );
    }

    #[test]
    fn cluster_info_matches_the_reference_example() {
        let info = ClusterInfo {
            broker_addr_table: [(
                "broker-a".to_string(),
                BrokerData {
                    cluster: "DefaultCluster".into(),
                    broker_name: "broker-a".into(),
                    broker_addrs: [(0, "10.0.0.1:10911".into()), (1, "10.0.0.2:10911".into())]
                        .into(),
                    enable_acting_master: false,
                    zone_name: None,
                },
            )]
            .into(),
            cluster_addr_table: [(
                "DefaultCluster".to_string(),
                ["broker-a".to_string()].into(),
            )]
            .into(),
        };
        let fast = text(&info, JsonDialect::Fastjson);
        assert_eq!(
            fast,
            r#"{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}"#
        );
        assert_eq!(ClusterInfo::from_json(fast.as_bytes()).unwrap(), info);
    }

    #[test]
    fn topic_list_kv_table_and_kv_file() {
        let list = TopicList {
            topic_list: vec!["A".into(), "B".into()],
            broker_addr: Some("1.1.1.1:1".into()),
        };
        assert_eq!(
            text(&list, JsonDialect::Fastjson),
            r#"{"brokerAddr":"1.1.1.1:1","topicList":["A","B"]}"#
        );
        assert_eq!(
            TopicList::from_json(&list.to_json(JsonDialect::Fastjson)).unwrap(),
            list
        );
        let kv = KvTable {
            table: [("TopicA".to_string(), "broker-a:8;broker-b:8".to_string())].into(),
        };
        assert_eq!(
            text(&kv, JsonDialect::Fastjson),
            r#"{"table":{"TopicA":"broker-a:8;broker-b:8"}}"#
        );
        let file = KvConfigFile::from_json(
            br#"{"configTable":{"ORDER_TOPIC_CONFIG":{"TopicA":"broker-a:8"}}}"#,
        )
        .unwrap();
        assert_eq!(
            text(&file, JsonDialect::Standard),
            r#"{"configTable":{"ORDER_TOPIC_CONFIG":{"TopicA":"broker-a:8"}}}"#
        );
    }

    #[test]
    fn member_group_matches_the_reference_example() {
        let body = GetBrokerMemberGroupResponseBody {
            broker_member_group: BrokerMemberGroup {
                cluster: "DefaultCluster".into(),
                broker_name: "broker-a".into(),
                broker_addrs: [(0, "10.0.0.1:10911".into()), (1, "10.0.0.2:10911".into())].into(),
            },
        };
        let fast = text(&body, JsonDialect::Fastjson);
        assert_eq!(
            fast,
            r#"{"brokerMemberGroup":{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}}"#
        );
        assert_eq!(
            GetBrokerMemberGroupResponseBody::from_json(fast.as_bytes()).unwrap(),
            body
        );
    }
}
