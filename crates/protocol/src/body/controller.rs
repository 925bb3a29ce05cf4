//! Bodies of the RocketMQ 5 controller's codes: SyncStateSet (1001, 1003, 1004, 1008),
//! ElectMasterResponseBody (1002), BrokerReplicasInfo (1006's answer) and the list of broker
//! names 1006 asks about.
//!
//! Java writes them all with fastjson's defaults: members sorted by name, nulls left out,
//! `Set<Long>` as a plain array, and the `Map<Long, String>` of a broker member group with bare
//! integer keys (`{1:"…"}`), which is not JSON; the lenient reader takes both that and quoted
//! keys. Sets are kept as `BTreeSet`s, so they come out ascending, as Java's `HashSet` of small
//! `Long`s iterates.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::json::{read_lenient, JsonBody, JsonWriter};
use super::tables::BrokerMemberGroup;
use crate::error::BodyError;

/// A group's sync-state set: the replicas in sync with the master, and the set's epoch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncStateSet {
    pub sync_state_set: BTreeSet<i64>,
    pub sync_state_set_epoch: i32,
}

impl JsonBody for SyncStateSet {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        write_id_set(w, "syncStateSet", &self.sync_state_set);
        w.int_member("syncStateSetEpoch", self.sync_state_set_epoch.into());
        w.end_object();
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
        read_lenient(bytes)
    }
}

/// The body of an ELECT_MASTER answer. The member group is there only when a new master was
/// elected; a CONTROLLER_MASTER_STILL_EXIST answer carries the set alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ElectMasterResponseBody {
    pub broker_member_group: Option<BrokerMemberGroup>,
    pub sync_state_set: BTreeSet<i64>,
}

impl JsonBody for ElectMasterResponseBody {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        if let Some(group) = &self.broker_member_group {
            w.key("brokerMemberGroup");
            w.begin_object();
            // Java's controller writes these keys bare (`{1:"…"}`), which the 5.x mqadmin's
            // fastjson2 refuses ("not support unquoted name"): `mqadmin electMaster` fails
            // against Java's controller after the election succeeded. Quoted keys read the
            // same in fastjson 1 and 2, so ours does not repeat that.
            w.key("brokerAddrs");
            w.begin_object();
            for (id, addr) in &group.broker_addrs {
                w.key(&id.to_string());
                w.string(addr);
            }
            w.end_object();
            w.str_member("brokerName", &group.broker_name);
            w.str_member("cluster", &group.cluster);
            w.end_object();
        }
        write_id_set(w, "syncStateSet", &self.sync_state_set);
        w.end_object();
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
        read_lenient(bytes)
    }
}

/// CONTROLLER_GET_SYNC_STATE_DATA's answer: per broker name, its master and replicas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerReplicasInfo {
    pub replicas_info_table: BTreeMap<String, ReplicasInfo>,
}

/// One group in [`BrokerReplicasInfo`]. No master (never elected, or gone with nobody to
/// take over) leaves out `masterBrokerId` and `masterAddress`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicasInfo {
    pub master_broker_id: Option<i64>,
    pub master_address: Option<String>,
    pub master_epoch: i32,
    pub sync_state_set_epoch: i32,
    pub in_sync_replicas: Vec<ReplicaIdentity>,
    pub not_in_sync_replicas: Vec<ReplicaIdentity>,
}

/// One replica of a group, with whether the controller hears its heartbeats.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaIdentity {
    pub broker_name: String,
    pub broker_id: i64,
    pub broker_address: String,
    /// A `Boolean` in Java, always set by the controller; absent reads as `None`.
    pub alive: Option<bool>,
}

impl JsonBody for BrokerReplicasInfo {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.key("replicasInfoTable");
        w.begin_object();
        for (name, info) in &self.replicas_info_table {
            w.key(name);
            info.write(w);
        }
        w.end_object();
        w.end_object();
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
        read_lenient(bytes)
    }
}

impl ReplicasInfo {
    fn write(&self, w: &mut JsonWriter) {
        w.begin_object();
        write_replicas(w, "inSyncReplicas", &self.in_sync_replicas);
        w.opt_str_member("masterAddress", self.master_address.as_deref());
        if let Some(id) = self.master_broker_id {
            w.int_member("masterBrokerId", id);
        }
        w.int_member("masterEpoch", self.master_epoch.into());
        write_replicas(w, "notInSyncReplicas", &self.not_in_sync_replicas);
        w.int_member("syncStateSetEpoch", self.sync_state_set_epoch.into());
        w.end_object();
    }
}

fn write_replicas(w: &mut JsonWriter, key: &str, replicas: &[ReplicaIdentity]) {
    w.key(key);
    w.begin_array();
    for replica in replicas {
        w.element();
        w.begin_object();
        if let Some(alive) = replica.alive {
            w.bool_member("alive", alive);
        }
        w.str_member("brokerAddress", &replica.broker_address);
        w.int_member("brokerId", replica.broker_id);
        w.str_member("brokerName", &replica.broker_name);
        w.end_object();
    }
    w.end_array();
}

fn write_id_set(w: &mut JsonWriter, key: &str, ids: &BTreeSet<i64>) {
    w.key(key);
    w.begin_array();
    for id in ids {
        w.element();
        w.int(*id);
    }
    w.end_array();
}

/// The body of CONTROLLER_GET_SYNC_STATE_DATA: the broker names asked about, as the JSON
/// array `mqadmin` writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BrokerNames(pub Vec<String>);

impl JsonBody for BrokerNames {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_array();
        for name in &self.0 {
            w.element();
            w.string(name);
        }
        w.end_array();
    }

    fn from_json(bytes: &[u8]) -> Result<Self, BodyError> {
        read_lenient(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::JsonDialect;

    fn fastjson<T: JsonBody>(body: &T) -> String {
        String::from_utf8(body.to_json(JsonDialect::Fastjson)).unwrap()
    }

    #[test]
    fn sync_state_set_reads_and_writes_javas_shape() {
        let java = r#"{"syncStateSet":[1,2],"syncStateSetEpoch":2}"#;
        let set = SyncStateSet::from_json(java.as_bytes()).unwrap();
        assert_eq!(set.sync_state_set, BTreeSet::from([1, 2]));
        assert_eq!(set.sync_state_set_epoch, 2);
        assert_eq!(fastjson(&set), java);
        // HashSet order is not ours to rely on; whatever order a peer writes reads the same.
        assert_eq!(
            SyncStateSet::from_json(br#"{"syncStateSetEpoch":2,"syncStateSet":[2,1]}"#).unwrap(),
            set
        );
    }

    #[test]
    fn elect_master_body_with_and_without_the_member_group() {
        let java = r#"{"brokerMemberGroup":{"brokerAddrs":{1:"127.0.0.1:30911",2:"127.0.0.1:30921"},"brokerName":"broker-a","cluster":"DefaultCluster"},"syncStateSet":[2]}"#;
        let body = ElectMasterResponseBody::from_json(java.as_bytes()).unwrap();
        let group = body.broker_member_group.as_ref().unwrap();
        assert_eq!(group.cluster, "DefaultCluster");
        assert_eq!(
            group.broker_addrs.get(&2).map(String::as_str),
            Some("127.0.0.1:30921")
        );
        assert_eq!(body.sync_state_set, BTreeSet::from([2]));
        // Read as Java writes it; written with quoted keys, which mqadmin's fastjson2 reads.
        assert_eq!(
            fastjson(&body),
            java.replace("{1:", "{\"1\":").replace(",2:", ",\"2\":")
        );

        let still = ElectMasterResponseBody {
            broker_member_group: None,
            sync_state_set: BTreeSet::from([1, 2, 3]),
        };
        assert_eq!(fastjson(&still), r#"{"syncStateSet":[1,2,3]}"#);
        assert_eq!(
            String::from_utf8(still.to_json(JsonDialect::Standard)).unwrap(),
            r#"{"syncStateSet":[1,2,3]}"#
        );
    }

    #[test]
    fn broker_replicas_info_matches_what_java_writes() {
        let java = concat!(
            r#"{"replicasInfoTable":{"broker-a":{"inSyncReplicas":["#,
            r#"{"alive":true,"brokerAddress":"127.0.0.1:30911","brokerId":1,"brokerName":"broker-a"}],"#,
            r#""masterAddress":"127.0.0.1:30911","masterBrokerId":1,"masterEpoch":1,"#,
            r#""notInSyncReplicas":[{"alive":false,"brokerAddress":"127.0.0.1:30921","brokerId":2,"brokerName":"broker-a"}],"#,
            r#""syncStateSetEpoch":2},"#,
            r#""broker-b":{"inSyncReplicas":[],"masterEpoch":2,"notInSyncReplicas":[],"syncStateSetEpoch":1}}}"#
        );
        let info = BrokerReplicasInfo::from_json(java.as_bytes()).unwrap();
        let a = &info.replicas_info_table["broker-a"];
        assert_eq!(a.master_broker_id, Some(1));
        assert_eq!(a.in_sync_replicas[0].alive, Some(true));
        assert_eq!(a.not_in_sync_replicas[0].broker_id, 2);
        let b = &info.replicas_info_table["broker-b"];
        assert_eq!(
            (b.master_broker_id, b.master_address.as_deref()),
            (None, None)
        );
        assert_eq!(b.master_epoch, 2);
        assert_eq!(fastjson(&info), java);
    }

    #[test]
    fn broker_names_are_the_json_array_mqadmin_sends() {
        let names = BrokerNames::from_json(br#"["broker-a","broker-b"]"#).unwrap();
        assert_eq!(names.0, ["broker-a", "broker-b"]);
        assert_eq!(fastjson(&names), r#"["broker-a","broker-b"]"#);
        assert!(BrokerNames::from_json(br#"{"a":1}"#).is_err());
        assert!(BrokerNames::from_json(b"[1,2]").is_err());
    }
}
