//! The replicated state (Java's `ReplicasInfoManager`): per broker name, who the replicas are
//! and who is master.
//!
//! Two tables, as in Java: [`BrokerReplicaInfo`] (the broker ids a group handed out, with
//! each replica's address and register check code) and [`SyncStateInfo`] (master, master
//! epoch, sync-state set and its epoch). A group counts as known only while it is in both.
//! They are kept apart rather than merged because a partial CLEAN_BROKER_DATA can empty one
//! and not the other, and Java's answers after that depend on which one is left; we match
//! them.
//!
//! [`ReplicasInfo::apply`] is the only mutator. It never fails: an event that no longer fits
//! the state (its group was cleaned meanwhile) changes nothing, as in Java.

use std::collections::{BTreeMap, BTreeSet};

use namesrv_protocol::body::SyncStateSet;
use namesrv_protocol::headers::NotifyBrokerRoleChangedRequestHeader;
use serde::{Deserialize, Serialize};

use super::ControllerEvent;

/// Java's `MixAll.FIRST_BROKER_CONTROLLER_ID`: broker ids a controller hands out start here.
pub const FIRST_BROKER_ID: i64 = 1;

/// One replica as the group knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaRecord {
    pub address: String,
    /// `address;timestamp`, fixed by the broker when it first applied for its id and kept
    /// in its local identity file, so only that broker can take the id again.
    pub register_check_code: String,
}

/// The broker ids of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerReplicaInfo {
    cluster_name: String,
    broker_name: String,
    /// Raised by one per id taken, whatever the id (Java's counter), so it is the count of
    /// ids taken plus one, not the highest id plus one.
    next_assign_broker_id: i64,
    replicas: BTreeMap<i64, ReplicaRecord>,
}

impl BrokerReplicaInfo {
    fn new(cluster_name: &str, broker_name: &str) -> Self {
        BrokerReplicaInfo {
            cluster_name: cluster_name.to_owned(),
            broker_name: broker_name.to_owned(),
            next_assign_broker_id: FIRST_BROKER_ID,
            replicas: BTreeMap::new(),
        }
    }

    pub fn cluster_name(&self) -> &str {
        &self.cluster_name
    }

    pub fn broker_name(&self) -> &str {
        &self.broker_name
    }

    pub fn next_assign_broker_id(&self) -> i64 {
        self.next_assign_broker_id
    }

    pub fn replicas(&self) -> &BTreeMap<i64, ReplicaRecord> {
        &self.replicas
    }

    pub fn contains(&self, broker_id: i64) -> bool {
        self.replicas.contains_key(&broker_id)
    }

    pub fn address(&self, broker_id: i64) -> Option<&str> {
        self.replicas.get(&broker_id).map(|r| r.address.as_str())
    }

    pub fn register_check_code(&self, broker_id: i64) -> Option<&str> {
        self.replicas
            .get(&broker_id)
            .map(|r| r.register_check_code.as_str())
    }

    /// Broker id → address, as a BrokerMemberGroup lists them.
    pub fn addresses(&self) -> BTreeMap<i64, String> {
        self.replicas
            .iter()
            .map(|(id, r)| (*id, r.address.clone()))
            .collect()
    }

    pub fn ids(&self) -> BTreeSet<i64> {
        self.replicas.keys().copied().collect()
    }

    fn add(&mut self, broker_id: i64, address: &str, register_check_code: &str) {
        self.replicas.insert(
            broker_id,
            ReplicaRecord {
                address: address.to_owned(),
                register_check_code: register_check_code.to_owned(),
            },
        );
        self.next_assign_broker_id = self.next_assign_broker_id.saturating_add(1);
    }
}

/// Master and sync-state set of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStateInfo {
    cluster_name: String,
    broker_name: String,
    /// Raised by every election, also one that found no master; 0 means never elected.
    master_epoch: i32,
    sync_state_set_epoch: i32,
    sync_state_set: BTreeSet<i64>,
    master_broker_id: Option<i64>,
}

impl SyncStateInfo {
    fn new(cluster_name: &str, broker_name: &str) -> Self {
        SyncStateInfo {
            cluster_name: cluster_name.to_owned(),
            broker_name: broker_name.to_owned(),
            master_epoch: 0,
            sync_state_set_epoch: 0,
            sync_state_set: BTreeSet::new(),
            master_broker_id: None,
        }
    }

    pub fn cluster_name(&self) -> &str {
        &self.cluster_name
    }

    pub fn broker_name(&self) -> &str {
        &self.broker_name
    }

    pub fn master_epoch(&self) -> i32 {
        self.master_epoch
    }

    pub fn sync_state_set_epoch(&self) -> i32 {
        self.sync_state_set_epoch
    }

    pub fn sync_state_set(&self) -> &BTreeSet<i64> {
        &self.sync_state_set
    }

    pub fn master_broker_id(&self) -> Option<i64> {
        self.master_broker_id
    }

    /// No election has happened yet: the next one makes the requester master.
    pub fn is_first_election(&self) -> bool {
        self.master_epoch == 0
    }

    /// The set with its epoch, as bodies carry it.
    pub fn to_body(&self) -> SyncStateSet {
        SyncStateSet {
            sync_state_set: self.sync_state_set.clone(),
            sync_state_set_epoch: self.sync_state_set_epoch,
        }
    }

    fn set_master(&mut self, master: Option<i64>) {
        self.master_broker_id = master;
        self.master_epoch = self.master_epoch.saturating_add(1);
    }

    fn set_sync_state_set(&mut self, set: BTreeSet<i64>) {
        self.sync_state_set = set;
        self.sync_state_set_epoch = self.sync_state_set_epoch.saturating_add(1);
    }
}

/// Everything the controller replicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicasInfo {
    replica_info_table: BTreeMap<String, BrokerReplicaInfo>,
    sync_state_set_info_table: BTreeMap<String, SyncStateInfo>,
}

/// What NOTIFY_BROKER_ROLE_CHANGED tells a group after an election, and whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChangeNotice {
    pub cluster_name: String,
    pub broker_name: String,
    pub header: NotifyBrokerRoleChangedRequestHeader,
    pub sync_state_set: SyncStateSet,
    /// Every replica (broker id → address); Java notifies the living ones.
    pub members: BTreeMap<i64, String>,
}

impl ReplicasInfo {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one committed event.
    pub fn apply(&mut self, event: &ControllerEvent) {
        match event {
            ControllerEvent::AlterSyncStateSet {
                broker_name,
                new_sync_state_set,
            } => {
                if let Some((_, sync)) = self.group_mut(broker_name) {
                    sync.set_sync_state_set(new_sync_state_set.clone());
                }
            }
            ControllerEvent::ApplyBrokerId {
                cluster_name,
                broker_name,
                broker_address,
                register_check_code,
                new_broker_id,
            } => match self.group_mut(broker_name) {
                Some((replicas, _)) => {
                    if !replicas.contains(*new_broker_id) {
                        replicas.add(*new_broker_id, broker_address, register_check_code);
                    }
                }
                None => {
                    // The first id of a broker name (or the first after a partial clean
                    // left only one table): the group starts afresh, as in Java.
                    let mut replicas = BrokerReplicaInfo::new(cluster_name, broker_name);
                    replicas.add(*new_broker_id, broker_address, register_check_code);
                    self.replica_info_table
                        .insert(broker_name.clone(), replicas);
                    self.sync_state_set_info_table.insert(
                        broker_name.clone(),
                        SyncStateInfo::new(cluster_name, broker_name),
                    );
                }
            },
            ControllerEvent::ElectMaster {
                new_master_elected,
                broker_name,
                new_master_broker_id,
            } => {
                if let Some((_, sync)) = self.group_mut(broker_name) {
                    match (*new_master_elected, *new_master_broker_id) {
                        (true, Some(master)) => {
                            sync.set_master(Some(master));
                            sync.set_sync_state_set(BTreeSet::from([master]));
                        }
                        // No master: the set is kept, so its members stay electable when
                        // they come back.
                        _ => sync.set_master(None),
                    }
                }
            }
            ControllerEvent::CleanBrokerData {
                broker_name,
                broker_id_set_to_clean,
            } => self.clean(broker_name, broker_id_set_to_clean.as_ref()),
            ControllerEvent::UpdateBrokerAddress {
                broker_name,
                broker_address,
                broker_id,
                ..
            } => {
                if let Some(replicas) = self.replica_info_table.get_mut(broker_name) {
                    if let Some(record) = replicas.replicas.get_mut(broker_id) {
                        record.address.clone_from(broker_address);
                    }
                }
            }
        }
    }

    fn clean(&mut self, broker_name: &str, ids: Option<&BTreeSet<i64>>) {
        let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
            self.replica_info_table.remove(broker_name);
            self.sync_state_set_info_table.remove(broker_name);
            return;
        };
        let Some((replicas, sync)) = self.group_mut(broker_name) else {
            return;
        };
        for id in ids {
            replicas.replicas.remove(id);
            // The master id stays even if it is cleaned, as in Java.
            sync.sync_state_set.remove(id);
        }
        let no_replicas = replicas.replicas.is_empty();
        let no_sync_state = sync.sync_state_set.is_empty();
        if no_replicas {
            self.replica_info_table.remove(broker_name);
        }
        if no_sync_state {
            self.sync_state_set_info_table.remove(broker_name);
        }
    }

    fn group_mut(
        &mut self,
        broker_name: &str,
    ) -> Option<(&mut BrokerReplicaInfo, &mut SyncStateInfo)> {
        let replicas = self.replica_info_table.get_mut(broker_name)?;
        let sync = self.sync_state_set_info_table.get_mut(broker_name)?;
        Some((replicas, sync))
    }

    /// Both tables of a known group (Java's `isContainsBroker`).
    pub fn group(&self, broker_name: &str) -> Option<(&BrokerReplicaInfo, &SyncStateInfo)> {
        let replicas = self.replica_info_table.get(broker_name)?;
        let sync = self.sync_state_set_info_table.get(broker_name)?;
        Some((replicas, sync))
    }

    /// The ids table of a group, even if its sync-state entry is gone.
    pub fn broker_replica_info(&self, broker_name: &str) -> Option<&BrokerReplicaInfo> {
        self.replica_info_table.get(broker_name)
    }

    /// The sync-state entry of a group, even if its ids table is gone.
    pub fn sync_state_info(&self, broker_name: &str) -> Option<&SyncStateInfo> {
        self.sync_state_set_info_table.get(broker_name)
    }

    /// Names of the known groups, in order.
    pub fn broker_names(&self) -> impl Iterator<Item = &str> {
        self.sync_state_set_info_table
            .keys()
            .filter(|name| self.replica_info_table.contains_key(*name))
            .map(String::as_str)
    }

    /// The group's master and its address, if it has one (the address is `None` when the
    /// master id was never registered or was cleaned).
    pub fn master(&self, broker_name: &str) -> Option<(i64, Option<&str>)> {
        let (replicas, sync) = self.group(broker_name)?;
        let master = sync.master_broker_id?;
        Some((master, replicas.address(master)))
    }

    /// What to send the group's members after an election that produced a master.
    pub fn role_change_notice(&self, broker_name: &str) -> Option<RoleChangeNotice> {
        let (replicas, sync) = self.group(broker_name)?;
        let master = sync.master_broker_id?;
        Some(RoleChangeNotice {
            cluster_name: replicas.cluster_name.clone(),
            broker_name: broker_name.to_owned(),
            header: NotifyBrokerRoleChangedRequestHeader {
                master_address: replicas.address(master).map(str::to_owned),
                master_epoch: Some(sync.master_epoch),
                sync_state_set_epoch: Some(sync.sync_state_set_epoch),
                master_broker_id: Some(master),
            },
            sync_state_set: sync.to_body(),
            members: replicas.addresses(),
        })
    }
}
