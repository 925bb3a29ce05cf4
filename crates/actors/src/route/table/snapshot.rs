//! Warm restart: the route tables as a file, and back.
//!
//! After a restart a name server knows no routes until every broker has re-registered (up
//! to 30 s), and clients asking meanwhile get "No route info of this topic". A snapshot of
//! the registered brokers and their topics, restored at start, closes that window. Restored
//! brokers are only as alive as their next heartbeat: the liveness owner starts their clocks at restore time, and a broker that does
//! not speak within its timeout expires.
//!
//! Topics are stored once per broker group (broker name), not per broker process, and the
//! snapshot is built with one pass over the topic table.

use std::collections::{BTreeMap, HashMap};

use namesrv_protocol::body::{BrokerData, DataVersion, QueueData};
use serde::{Deserialize, Serialize};

use super::{BrokerAddrKey, BrokerLiveInfo, ConnectionId, LiveEntry, RouteTable};

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
            for q in queues.iter() {
                topics_by_group
                    .entry(q.broker_name.as_str())
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

    /// Puts a snapshot's brokers and topics back, exactly as they were taken, over
    /// `connection`. Not a replay of registrations: the rules that judge a live broker's
    /// registration (a first registration with one topic is refused, slaves never write
    /// topics, a prime slave's queues lose their write bit) must not judge a state that was
    /// already judged once. Masters go first so a group keeps the cluster its master names.
    pub fn restore(&mut self, snapshot: &RouteSnapshot, connection: ConnectionId) -> Restored {
        let mut out = Restored::default();
        let mut order: Vec<&SnapshotBroker> = snapshot.brokers.iter().collect();
        order.sort_by_key(|b| b.broker_id);
        for b in order {
            let key = BrokerAddrKey::new(b.cluster_name.clone(), b.broker_addr.clone());
            if self.broker_live_table.contains_key(&key) {
                out.skipped.push(format!(
                    "broker {} at {} in cluster {}: listed twice",
                    b.broker_name, b.broker_addr, b.cluster_name
                ));
                continue;
            }
            let group = self
                .broker_addr_table
                .entry(b.broker_name.clone())
                .or_insert_with(|| BrokerData {
                    cluster: b.cluster_name.clone(),
                    broker_name: b.broker_name.clone(),
                    broker_addrs: BTreeMap::new(),
                    enable_acting_master: b.enable_acting_master,
                    zone_name: b.zone_name.clone(),
                });
            if let Some(holder) = group.broker_addrs.get(&b.broker_id) {
                out.skipped.push(format!(
                    "broker {} at {}: id {} is already held by {holder}",
                    b.broker_name, b.broker_addr, b.broker_id
                ));
                continue;
            }
            group
                .broker_addrs
                .insert(b.broker_id, b.broker_addr.clone());
            self.cluster_addr_table
                .entry(b.cluster_name.clone())
                .or_default()
                .insert(b.broker_name.clone());
            self.broker_live_table.insert(
                key.clone(),
                LiveEntry {
                    info: BrokerLiveInfo {
                        data_version: b.data_version,
                        ha_server_addr: b.ha_server_addr.clone(),
                        connection,
                        heartbeat_timeout_millis: b.heartbeat_timeout_millis,
                    },
                    broker_name: b.broker_name.clone(),
                    applied: None,
                },
            );
            out.brokers.push((key, b.heartbeat_timeout_millis));
        }
        for group in &snapshot.groups {
            if !self.broker_addr_table.contains_key(&group.broker_name) {
                out.skipped.push(format!(
                    "{} topic(s) of broker group {}: no broker of the group was restored",
                    group.topics.len(),
                    group.broker_name
                ));
                continue;
            }
            for t in &group.topics {
                self.put_queue_data(
                    &t.topic,
                    QueueData {
                        broker_name: group.broker_name.clone(),
                        read_queue_nums: t.read_queue_nums,
                        write_queue_nums: t.write_queue_nums,
                        perm: t.perm,
                        topic_sys_flag: t.topic_sys_flag,
                    },
                );
            }
        }
        self.touch();
        out
    }
}

/// What [`RouteTable::restore`] put back, and what it left out (with why).
#[derive(Debug, Default)]
pub struct Restored {
    /// Each restored broker with its heartbeat timeout.
    pub brokers: Vec<(BrokerAddrKey, i64)>,
    pub skipped: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::super::RouteConfig;
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
        assert_eq!(brokers.brokers.len(), 3);
        assert!(brokers.skipped.is_empty());
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

    /// Everything a snapshot holds comes back: groups with zero, one and many topics, a
    /// topic deleted down to one, masters and slaves, zones, an acting-master group whose
    /// master is gone, and operator-changed perms.
    #[test]
    fn every_snapshotted_broker_and_topic_comes_back_exactly() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            support_acting_master: true,
            ..RouteConfig::default()
        });
        let one = Broker::master().name("one").addr("127.0.0.1:1001");
        one.register(&mut table, &["WrA", "WrB"]);
        table.delete_topic("WrB", None);
        Broker::master()
            .name("none")
            .addr("127.0.0.1:1002")
            .register(&mut table, &[]);
        let many = Broker::master()
            .name("many")
            .addr("127.0.0.1:1003")
            .zone("z1");
        many.register(&mut table, &["m1", "m2", "m3"]);
        Broker::slave()
            .name("many")
            .addr("127.0.0.1:1004")
            .zone("z1")
            .register(&mut table, &["m1", "m2", "m3"]);
        let acting = Broker::master()
            .name("acting")
            .addr("127.0.0.1:1005")
            .acting_master(Some(true));
        acting.register(&mut table, &["x", "y"]);
        Broker::slave()
            .name("acting")
            .addr("127.0.0.1:1006")
            .acting_master(Some(true))
            .register(&mut table, &["x", "y"]);
        table.unregister_brokers(&[acting.unregistration()]);
        table.wipe_write_perm("many");

        let snapshot = table.snapshot();
        assert_eq!(snapshot.brokers.len(), 5);
        let mut restored = RouteTable::new();
        restored.set_config(table.config());
        let result = restored.restore(&snapshot, 0);
        assert_eq!(result.brokers.len(), 5);
        assert!(result.skipped.is_empty(), "{:?}", result.skipped);
        assert_eq!(restored.broker_count(), table.broker_count());
        assert_eq!(restored.topic_count(), table.topic_count());
        for topic in ["WrA", "m1", "m2", "m3", "x", "y"] {
            assert!(table.topic_route(topic).is_some(), "{topic}");
            assert_eq!(
                restored.topic_route(topic),
                table.topic_route(topic),
                "topic {topic}"
            );
        }
        assert_eq!(restored.topic_route("WrB"), None);
        assert_eq!(restored.cluster_info(), table.cluster_info());
        assert_eq!(
            restored.snapshot(),
            snapshot,
            "a second restart holds the same"
        );
    }

    #[test]
    fn entries_that_cannot_come_back_are_reported() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        let mut snapshot = table.snapshot();
        let mut usurper = snapshot.brokers[0].clone();
        usurper.broker_addr = "127.0.0.1:9".into();
        snapshot.brokers.push(usurper);
        snapshot.groups.push(SnapshotGroup {
            broker_name: "orphan".into(),
            topics: vec![],
        });
        let result = RouteTable::new().restore(&snapshot, 0);
        assert_eq!(result.brokers.len(), 1);
        assert_eq!(result.skipped.len(), 2, "{:?}", result.skipped);
    }

    #[test]
    fn an_empty_table_snapshots_to_nothing() {
        let snapshot = RouteTable::new().snapshot();
        assert!(snapshot.brokers.is_empty() && snapshot.groups.is_empty());
        assert!(RouteTable::new().restore(&snapshot, 0).brokers.is_empty());
    }
}
