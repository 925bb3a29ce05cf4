//! CONTROLLER_ELECT_MASTER, whoever asks: a broker (its own id: it wins its group's first
//! election), an operator (`designateElect`), or the controller itself (broker id -1) when a
//! master went silent; and the scan that finds the groups needing the latter.

use std::collections::BTreeSet;

use namesrv_protocol::body::{BrokerMemberGroup, ElectMasterResponseBody};
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::{ElectMasterRequestHeader, ElectMasterResponseHeader};

use crate::state::elect::{ElectPolicy, ElectionInput};
use crate::state::liveness::ReplicaLiveness;
use crate::state::{body_json, ControllerEvent, Decision, ReplicasInfo};

/// The broker id of an election the controller triggers itself.
pub const CONTROLLER_TRIGGER_BROKER_ID: i64 = -1;

impl ReplicasInfo {
    /// Elects a master for the header's group: the requester if the group never had one,
    /// otherwise by `policy`. A kept master is answered CONTROLLER_MASTER_STILL_EXIST; a
    /// new one raises both epochs. When nobody qualifies, a controller-triggered election
    /// records that the group has no master (CONTROLLER_MASTER_NOT_AVAILABLE) and one asked
    /// by a broker or operator changes nothing (CONTROLLER_ELECT_MASTER_FAILED).
    pub fn elect_master(
        &self,
        header: &ElectMasterRequestHeader,
        policy: &ElectPolicy,
        liveness: &impl ReplicaLiveness,
    ) -> Decision<ElectMasterResponseHeader> {
        let Some((replicas, sync)) = self.group(&header.broker_name) else {
            return Decision::refuse(
                ResponseCode::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
                format!(
                    "broker group {} is unknown to the controller",
                    header.broker_name
                ),
                Some(ElectMasterResponseHeader::default()),
            );
        };
        let old_master = sync.master_broker_id();
        let mut new_master = sync.is_first_election().then_some(header.broker_id);
        if matches!(new_master, None | Some(CONTROLLER_TRIGGER_BROKER_ID)) {
            let all_replicas = replicas.ids();
            new_master = policy.elect(
                &ElectionInput {
                    cluster_name: replicas.cluster_name(),
                    broker_name: replicas.broker_name(),
                    sync_state_set: sync.sync_state_set(),
                    all_replicas: &all_replicas,
                    old_master,
                    preferred: header.designate_elect.then_some(header.broker_id),
                },
                liveness,
            );
        }
        match new_master {
            Some(master) if Some(master) == old_master => {
                let mut decision = Decision::refuse(
                    ResponseCode::CONTROLLER_MASTER_STILL_EXIST,
                    format!(
                        "master {master} of broker group {} is alive; no election needed",
                        header.broker_name
                    ),
                    Some(ElectMasterResponseHeader {
                        master_broker_id: Some(master),
                        master_address: replicas.address(master).map(str::to_owned),
                        master_epoch: Some(sync.master_epoch()),
                        sync_state_set_epoch: Some(sync.sync_state_set_epoch()),
                    }),
                );
                decision.body = Some(body_json(&ElectMasterResponseBody {
                    broker_member_group: None,
                    sync_state_set: sync.sync_state_set().clone(),
                }));
                decision
            }
            Some(master) => Decision::success(Some(ElectMasterResponseHeader {
                master_broker_id: Some(master),
                master_address: replicas.address(master).map(str::to_owned),
                master_epoch: Some(sync.master_epoch().saturating_add(1)),
                sync_state_set_epoch: Some(sync.sync_state_set_epoch().saturating_add(1)),
            }))
            .with_body(body_json(&ElectMasterResponseBody {
                broker_member_group: Some(BrokerMemberGroup {
                    cluster: replicas.cluster_name().to_owned(),
                    broker_name: replicas.broker_name().to_owned(),
                    broker_addrs: replicas.addresses(),
                }),
                sync_state_set: BTreeSet::from([master]),
            }))
            .with_event(ControllerEvent::ElectMaster {
                new_master_elected: true,
                broker_name: header.broker_name.clone(),
                new_master_broker_id: Some(master),
            }),
            None if header.broker_id == CONTROLLER_TRIGGER_BROKER_ID => Decision::refuse(
                ResponseCode::CONTROLLER_MASTER_NOT_AVAILABLE,
                format!(
                    "the master of broker group {} is gone and no replica can take over",
                    header.broker_name
                ),
                Some(ElectMasterResponseHeader::default()),
            )
            .with_event(ControllerEvent::ElectMaster {
                new_master_elected: false,
                broker_name: header.broker_name.clone(),
                new_master_broker_id: None,
            }),
            None => Decision::refuse(
                ResponseCode::CONTROLLER_ELECT_MASTER_FAILED,
                format!(
                    "no replica of broker group {} can be elected master",
                    header.broker_name
                ),
                Some(ElectMasterResponseHeader::default()),
            ),
        }
    }

    /// Groups whose master is not alive while another replica is: the controller elects for
    /// each (Java's `scanNeedReelectBrokerSets`, run by the leader). A group with nobody
    /// alive is left alone; its first replica to come back asks itself.
    pub fn groups_needing_election(
        &self,
        liveness: &impl ReplicaLiveness,
    ) -> Vec<(String, String)> {
        self.broker_names()
            .filter_map(|name| {
                let (replicas, sync) = self.group(name)?;
                let cluster = sync.cluster_name();
                let master = sync.master_broker_id()?;
                if liveness.is_alive(cluster, name, master) {
                    return None;
                }
                let someone_alive = replicas
                    .replicas()
                    .keys()
                    .any(|id| liveness.is_alive(cluster, name, *id));
                someone_alive.then(|| (cluster.to_owned(), name.to_owned()))
            })
            .collect()
    }

    /// The header the controller sends itself to re-elect a group's master.
    pub fn controller_triggered_election(
        cluster_name: &str,
        broker_name: &str,
    ) -> ElectMasterRequestHeader {
        ElectMasterRequestHeader {
            cluster_name: cluster_name.to_owned(),
            broker_name: broker_name.to_owned(),
            broker_id: CONTROLLER_TRIGGER_BROKER_ID,
            designate_elect: false,
            invoke_time: None,
        }
    }
}
