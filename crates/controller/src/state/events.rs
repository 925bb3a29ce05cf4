//! The events of the controller's Raft log: the only way [`super::ReplicasInfo`] changes.
//!
//! They are Java's `EventType`s minus READ (Java appends an empty entry to read through
//! DLedger; openraft reads through the leader's lease instead). A decision computes them on
//! the leader from the state at that moment; every node then applies them in log order, so
//! applying must be a function of the state and the event alone.
//!
//! They are written to log entries and snapshots as JSON (serde's externally tagged form:
//! `{"ElectMaster":{…}}`); renaming a variant or a field changes the log format.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One change to the replicated state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControllerEvent {
    /// The master's new sync-state set; raises the set's epoch by one.
    AlterSyncStateSet {
        broker_name: String,
        new_sync_state_set: BTreeSet<i64>,
    },
    /// A broker took a broker id; the first one of a broker name creates the group.
    ApplyBrokerId {
        cluster_name: String,
        broker_name: String,
        broker_address: String,
        register_check_code: String,
        new_broker_id: i64,
    },
    /// A new master (set = {master}, both epochs + 1), or, with `new_master_elected` false,
    /// no master any more (master epoch + 1, set kept).
    ElectMaster {
        new_master_elected: bool,
        broker_name: String,
        new_master_broker_id: Option<i64>,
    },
    /// Forget some replicas of a group, or the whole group when the set is absent or empty.
    CleanBrokerData {
        broker_name: String,
        broker_id_set_to_clean: Option<BTreeSet<i64>>,
    },
    /// A registered broker came back on another address.
    UpdateBrokerAddress {
        cluster_name: String,
        broker_name: String,
        broker_address: String,
        broker_id: i64,
    },
}

impl ControllerEvent {
    /// The broker group the event is about.
    pub fn broker_name(&self) -> &str {
        match self {
            ControllerEvent::AlterSyncStateSet { broker_name, .. }
            | ControllerEvent::ApplyBrokerId { broker_name, .. }
            | ControllerEvent::ElectMaster { broker_name, .. }
            | ControllerEvent::CleanBrokerData { broker_name, .. }
            | ControllerEvent::UpdateBrokerAddress { broker_name, .. } => broker_name,
        }
    }
}
