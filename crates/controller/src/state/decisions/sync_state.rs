//! The sync-state set: the master shrinks and grows it (1001), brokers poll it with the
//! master (1004), and `mqadmin getSyncStateSet` reads it for several groups (1006).

use namesrv_protocol::body::{
    BrokerReplicasInfo, ReplicaIdentity, ReplicasInfo as ReplicasInfoBody, SyncStateSet,
};
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::{
    AlterSyncStateSetRequestHeader, AlterSyncStateSetResponseHeader, GetReplicaInfoRequestHeader,
    GetReplicaInfoResponseHeader, NoHeader,
};

use crate::state::liveness::ReplicaLiveness;
use crate::state::{body_json, ControllerEvent, Decision, ReplicasInfo};

impl ReplicasInfo {
    /// CONTROLLER_ALTER_SYNC_STATE_SET from the master. Checked in Java's order: the group
    /// is known, the set changes, the sender is the master of this master epoch, it saw the
    /// current set epoch, every member is a living replica, and the master stays in the set.
    pub fn alter_sync_state_set(
        &self,
        header: &AlterSyncStateSetRequestHeader,
        new: &SyncStateSet,
        liveness: &impl ReplicaLiveness,
    ) -> Decision<AlterSyncStateSetResponseHeader> {
        let refuse = |code, remark: String| {
            Decision::refuse(
                code,
                remark,
                Some(AlterSyncStateSetResponseHeader::default()),
            )
        };
        let Some((replicas, sync)) = self.group(&header.broker_name) else {
            return refuse(
                ResponseCode::CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
                format!(
                    "broker group {} is unknown to the controller",
                    header.broker_name
                ),
            );
        };
        let proposed = &new.sync_state_set;
        if proposed == sync.sync_state_set() {
            return refuse(
                ResponseCode::CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
                "the proposed sync-state set is the current one".to_owned(),
            );
        }
        let master = sync.master_broker_id();
        if master.is_none() || master != header.master_broker_id {
            return refuse(
                ResponseCode::CONTROLLER_INVALID_MASTER,
                format!(
                    "the master is {}, not {}",
                    show(master),
                    show(header.master_broker_id)
                ),
            );
        }
        if header.master_epoch != sync.master_epoch() {
            return refuse(
                ResponseCode::CONTROLLER_FENCED_MASTER_EPOCH,
                format!(
                    "the master epoch is {}, not {}",
                    sync.master_epoch(),
                    header.master_epoch
                ),
            );
        }
        if new.sync_state_set_epoch != sync.sync_state_set_epoch() {
            return refuse(
                ResponseCode::CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH,
                format!(
                    "the sync-state set epoch is {}, not {}",
                    sync.sync_state_set_epoch(),
                    new.sync_state_set_epoch
                ),
            );
        }
        for &id in proposed {
            if !replicas.contains(id) {
                return refuse(
                    ResponseCode::CONTROLLER_INVALID_REPLICAS,
                    format!("replica {id} is not in broker group {}", header.broker_name),
                );
            }
            if !liveness.is_alive(replicas.cluster_name(), replicas.broker_name(), id) {
                return refuse(
                    ResponseCode::CONTROLLER_BROKER_NOT_ALIVE,
                    format!(
                        "replica {id} of broker group {} is not alive",
                        header.broker_name
                    ),
                );
            }
        }
        if !master.is_some_and(|m| proposed.contains(&m)) {
            return refuse(
                ResponseCode::CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
                format!(
                    "the proposed sync-state set leaves out the master {}",
                    show(master)
                ),
            );
        }
        let epoch = sync.sync_state_set_epoch().saturating_add(1);
        Decision::success(Some(AlterSyncStateSetResponseHeader {
            new_sync_state_set_epoch: epoch,
        }))
        .with_body(body_json(&SyncStateSet {
            sync_state_set: proposed.clone(),
            sync_state_set_epoch: epoch,
        }))
        .with_event(ControllerEvent::AlterSyncStateSet {
            broker_name: header.broker_name.clone(),
            new_sync_state_set: proposed.clone(),
        })
    }

    /// CONTROLLER_GET_REPLICA_INFO: master (even a dead one), master epoch and the set.
    pub fn get_replica_info(
        &self,
        header: &GetReplicaInfoRequestHeader,
    ) -> Decision<GetReplicaInfoResponseHeader> {
        let Some((replicas, sync)) = self.group(&header.broker_name) else {
            return Decision::refuse(
                ResponseCode::CONTROLLER_BROKER_METADATA_NOT_EXIST,
                format!(
                    "broker group {} is unknown to the controller",
                    header.broker_name
                ),
                Some(GetReplicaInfoResponseHeader::default()),
            );
        };
        let master = sync.master_broker_id();
        Decision::success(Some(GetReplicaInfoResponseHeader {
            master_broker_id: master,
            master_address: master.and_then(|m| replicas.address(m)).map(str::to_owned),
            master_epoch: Some(sync.master_epoch()),
        }))
        .with_body(body_json(&sync.to_body()))
    }

    /// CONTROLLER_GET_SYNC_STATE_DATA: the groups asked about that are known, each with its
    /// replicas split into in and out of the set, and whether each is alive.
    pub fn get_sync_state_data(
        &self,
        broker_names: &[String],
        liveness: &impl ReplicaLiveness,
    ) -> Decision<NoHeader> {
        let mut body = BrokerReplicasInfo::default();
        for name in broker_names {
            let Some((replicas, sync)) = self.group(name) else {
                continue;
            };
            let mut info = ReplicasInfoBody {
                master_broker_id: sync.master_broker_id(),
                master_address: sync
                    .master_broker_id()
                    .and_then(|m| replicas.address(m))
                    .map(str::to_owned),
                master_epoch: sync.master_epoch(),
                sync_state_set_epoch: sync.sync_state_set_epoch(),
                ..Default::default()
            };
            for (&id, record) in replicas.replicas() {
                let replica = ReplicaIdentity {
                    broker_name: name.clone(),
                    broker_id: id,
                    broker_address: record.address.clone(),
                    alive: Some(liveness.is_alive(replicas.cluster_name(), name, id)),
                };
                if sync.sync_state_set().contains(&id) {
                    info.in_sync_replicas.push(replica);
                } else {
                    info.not_in_sync_replicas.push(replica);
                }
            }
            body.replicas_info_table.insert(name.clone(), info);
        }
        Decision::success(None).with_body(body_json(&body))
    }
}

fn show(id: Option<i64>) -> String {
    id.map_or_else(|| "none".to_owned(), |id| id.to_string())
}
