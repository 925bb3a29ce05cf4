//! PROVISIONAL (replaced by the state module of issue 12's helper branch).
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ControllerEvent {
    AlterSyncStateSet { broker_name: String, new_sync_state_set: BTreeSet<i64> },
    ApplyBrokerId { cluster_name: String, broker_name: String, broker_address: String, register_check_code: String, new_broker_id: i64 },
    ElectMaster { new_master_elected: bool, broker_name: String, new_master_broker_id: Option<i64> },
    CleanBrokerData { broker_name: String, broker_id_set_to_clean: Option<BTreeSet<i64>> },
    UpdateBrokerAddress { cluster_name: String, broker_name: String, broker_address: String, broker_id: i64 },
}
