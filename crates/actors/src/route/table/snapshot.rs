//! Warm restart: the route tables as a file, and back.
//!
//! After a restart a name server knows no routes until every broker has re-registered (up
//! to 30 s), and clients asking meanwhile get "No route info of this topic". A snapshot of
//! the registered brokers and their topics, restored at start, closes that window. Restored
//! brokers are registrations like any other, so they are only as alive as their next
//! heartbeat: the liveness owner starts their clocks at restore time, and a broker that does
//! not speak within its timeout expires.
//!
//! Topics are stored once per broker group (broker name), not per broker process, and the
//! snapshot is built with one pass over the topic table.

use std::collections::HashMap;

use namesrv_protocol::body::{DataVersion, TopicConfig, TopicConfigSerializeWrapper};
use serde::{Deserialize, Serialize};

use super::{BrokerAddrKey, BrokerRegistration, ConnectionId, RegisterOutcome, RouteTable};

/// Bumped if the file's shape changes incompatibly.
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteSnapshot {
    pub format: u32,
    pub groups: Vec<SnapshotGroup>,
    pub brokers: Vec<SnapshotBroker>,
}

/// A broker group's topics (its queue data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotGroup {
    pub broker_name: String,
    pub topics: Vec<SnapshotTopic>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotTopic {
    pub topic: String,
    pub read_queue_nums: i32,
    pub write_queue_nums: i32,
    pub perm: i32,
    pub topic_sys_flag: i32,
}

/// One registered broker process, as its last registration left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotBroker {
    pub cluster_name: String,
    pub broker_addr: String,
    pub broker_name: String,
    pub broker_id: i64,
    pub ha_server_addr: String,
    pub zone_name: Option<String>,
    pub heartbeat_timeout_millis: i64,
    pub enable_acting_master: bool,
    pub data_version: DataVersion,
}

impl RouteTable {
    /// Every live broker with its group's topics.
    pub fn snapshot(&self) -> RouteSnapshot {
        let mut topics_by_group: HashMap<&str, Vec<SnapshotTopic>> = HashMap::new();
        for (topic, queues) in &self.topic_queue_table {
            for (broker_name, q) in queues {
                topics_by_group
                    .entry(broker_name.as_str())
                    .or_default()
                    .push(SnapshotTopic {
                        topic: topic.clone(),
                        read_queue_nums: q.read_queue_nums,
                        write_queue_nums: q.write_queue_nums,
                        perm: q.perm,
                        topic_sys_flag: q.topic_sys_flag,
                    });
            }
        }
        let mut brokers: Vec<SnapshotBroker> = self
            .broker_live_table
            .iter()
            .filter_map(|(key, live)| {
                let group = self.broker_addr_table.get(&live.broker_name)?;
                let (&broker_id, _) = group
                    .broker_addrs
                    .iter()
                    .find(|(_, addr)| **addr == key.broker_addr)?;
                Some(SnapshotBroker {
                    cluster_name: key.cluster_name.clone(),
                    broker_addr: key.broker_addr.clone(),
                    broker_name: live.broker_name.clone(),
                    broker_id,
                    ha_server_addr: live.info.ha_server_addr.clone(),
                    zone_name: group.zone_name.clone(),
                    heartbeat_timeout_millis: live.info.heartbeat_timeout_millis,
                    enable_acting_master: group.enable_acting_master,
                    data_version: live.info.data_version,
                })
            })
            .collect();
        brokers.sort_by(|a, b| {
            (&a.broker_name, a.broker_id, &a.broker_addr).cmp(&(
                &b.broker_name,
                b.broker_id,
                &b.broker_addr,
            ))
        });
        let mut groups: Vec<SnapshotGroup> = topics_by_group
            .into_iter()
            .filter(|(name, _)| brokers.iter().any(|b| b.broker_name == *name))
            .map(|(name, mut topics)| {
                topics.sort_by(|a, b| a.topic.cmp(&b.topic));
                SnapshotGroup {
                    broker_name: name.to_owned(),
                    topics,
                }
            })
            .collect();
        groups.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
        RouteSnapshot {
            format: SNAPSHOT_FORMAT,
            groups,
            brokers,
        }
    }

    /// Replays a snapshot as registrations over `connection` (masters first, so slaves see
    /// their master). Returns the restored brokers with their heartbeat timeouts.
    pub fn restore(
        &mut self,
        snapshot: &RouteSnapshot,
        connection: ConnectionId,
    ) -> Vec<(BrokerAddrKey, i64)> {
        let topics: HashMap<&str, &Vec<SnapshotTopic>> = snapshot
            .groups
            .iter()
            .map(|g| (g.broker_name.as_str(), &g.topics))
            .collect();
        let mut order: Vec<&SnapshotBroker> = snapshot.brokers.iter().collect();
        order.sort_by_key(|b| b.broker_id);
        let mut restored = Vec::with_capacity(order.len());
        for b in order {
            let table = topics
                .get(b.broker_name.as_str())
                .map(|ts| {
                    ts.iter()
                        .map(|t| {
                            (
                                t.topic.clone(),
                                TopicConfig {
                                    topic_name: Some(t.topic.clone()),
                                    read_queue_nums: t.read_queue_nums,
                                    write_queue_nums: t.write_queue_nums,
                                    perm: t.perm,
                                    topic_sys_flag: t.topic_sys_flag,
                                    ..TopicConfig::default()
                                },
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let outcome = self.register_broker(BrokerRegistration {
                cluster_name: b.cluster_name.clone(),
                broker_addr: b.broker_addr.clone(),
                broker_name: b.broker_name.clone(),
                broker_id: b.broker_id,
                ha_server_addr: b.ha_server_addr.clone(),
                zone_name: b.zone_name.clone(),
                heartbeat_timeout_millis: Some(b.heartbeat_timeout_millis),
                enable_acting_master: Some(b.enable_acting_master),
                topic_config_wrapper: Some(TopicConfigSerializeWrapper {
                    topic_config_table: table,
                    data_version: b.data_version,
                    topic_queue_mapping_info_map: Default::default(),
                }),
                filter_server_list: None,
                connection,
            });
            if let RegisterOutcome::Registered { .. } = outcome {
                restored.push((
                    BrokerAddrKey::new(b.cluster_name.clone(), b.broker_addr.clone()),
                    b.heartbeat_timeout_millis,
                ));
            }
        }
        restored
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;

    #[test]
    fn a_restored_table_answers_the_same_routes_and_cluster_info() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let slave = Broker::slave();
        master.register(&mut table, &["a", "b", "c"]);
        slave.register(&mut table, &["a", "b", "c"]);
        Broker::master()
            .name("other")
            .addr("127.0.0.1:20911")
            .zone("z1")
            .register(&mut table, &["c", "d"]);
        table.wipe_write_perm("other");

        let snapshot = table.snapshot();
        let text = serde_json::to_vec(&snapshot).unwrap();
        let back: RouteSnapshot = serde_json::from_slice(&text).unwrap();
        assert_eq!(back, snapshot);

        let mut restored = RouteTable::new();
        let brokers = restored.restore(&back, 0);
        assert_eq!(brokers.len(), 3);
        for topic in ["a", "b", "c", "d"] {
            assert_eq!(
                restored.topic_route(topic),
                table.topic_route(topic),
                "topic {topic}"
            );
        }
        assert_eq!(restored.cluster_info(), table.cluster_info());
        // Data versions survive, so the broker's next unchanged registration changes nothing.
        assert_eq!(
            restored.query_data_version(&master.key(), None).1,
            table.query_data_version(&master.key(), None).1
        );
    }

    #[test]
    fn an_empty_table_snapshots_to_nothing() {
        let snapshot = RouteTable::new().snapshot();
        assert!(snapshot.brokers.is_empty() && snapshot.groups.is_empty());
        assert!(RouteTable::new().restore(&snapshot, 0).is_empty());
    }
}
