//! A state driven the way the leader drives it: decide, then apply the decision's events.

#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};

use namesrv_controller::state::{
    Decision, ElectPolicy, ReplicaHeartbeat, ReplicaLiveness, ReplicasInfo,
};
use namesrv_protocol::body::{
    BrokerReplicasInfo, JsonBody, ReplicasInfo as ReplicasInfoBody, SyncStateSet,
};
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::*;

pub const CLUSTER: &str = "cluster-1";
pub const GROUP: &str = "broker-set-a";
pub const ADDRESSES: [&str; 3] = ["127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002"];

/// Liveness by rule: `alive(id)` for every replica of every group, reports from a map.
pub struct Live<F: Fn(i64) -> bool> {
    pub alive: F,
    pub reports: HashMap<i64, ReplicaHeartbeat>,
}

impl<F: Fn(i64) -> bool> ReplicaLiveness for Live<F> {
    fn is_alive(&self, _: &str, _: &str, broker_id: i64) -> bool {
        (self.alive)(broker_id)
    }

    fn heartbeat(&self, _: &str, _: &str, broker_id: i64) -> Option<ReplicaHeartbeat> {
        self.reports.get(&broker_id).cloned()
    }
}

pub fn everyone() -> Live<impl Fn(i64) -> bool> {
    only(|_| true)
}

pub fn only(alive: impl Fn(i64) -> bool) -> Live<impl Fn(i64) -> bool> {
    Live {
        alive,
        reports: HashMap::new(),
    }
}

/// A replica's report: (id, epoch, max offset, election priority).
pub type Report = (i64, i32, i64, i32);

/// Alive replicas with reports.
pub fn reporting(reports: &[Report]) -> Live<impl Fn(i64) -> bool> {
    let ids: BTreeSet<i64> = reports.iter().map(|r| r.0).collect();
    Live {
        alive: move |id| ids.contains(&id),
        reports: reports
            .iter()
            .map(|&(id, epoch, max_offset, election_priority)| {
                (
                    id,
                    ReplicaHeartbeat {
                        epoch,
                        max_offset,
                        confirm_offset: max_offset,
                        election_priority,
                        address: ADDRESSES[(id as usize - 1) % 3].to_owned(),
                    },
                )
            })
            .collect(),
    }
}

pub struct Fixture {
    pub state: ReplicasInfo,
    pub policy: ElectPolicy,
}

impl Fixture {
    pub fn new() -> Self {
        Fixture {
            state: ReplicasInfo::new(),
            policy: ElectPolicy::default(),
        }
    }

    /// Applies a decision's events, as a committed log entry would.
    pub fn commit<H>(&mut self, decision: Decision<H>) -> Decision<H> {
        for event in &decision.events {
            self.state.apply(event);
        }
        decision
    }

    /// 1012 → 1013 → 1003, asserting the id handed out and the master the answer names.
    pub fn register_new_broker(
        &mut self,
        address: &str,
        expect_id: i64,
        expect_master: Option<i64>,
    ) {
        let next = self
            .state
            .get_next_broker_id(&GetNextBrokerIdRequestHeader {
                cluster_name: CLUSTER.into(),
                broker_name: GROUP.into(),
            });
        assert_eq!(next.code, ResponseCode::SUCCESS);
        assert_eq!(next.header.unwrap().next_broker_id, Some(expect_id));
        let applied = self.commit(self.state.apply_broker_id(&ApplyBrokerIdRequestHeader {
            cluster_name: CLUSTER.into(),
            broker_name: GROUP.into(),
            applied_broker_id: expect_id,
            register_check_code: format!("{address};1700000000000"),
        }));
        assert_eq!(applied.code, ResponseCode::SUCCESS, "{:?}", applied.remark);
        let group = self.sync_state_data(&everyone());
        assert!(group
            .not_in_sync_replicas
            .iter()
            .any(|r| r.broker_id == expect_id && r.broker_address == address));
        let registered = self.commit(self.state.register_broker(
            &RegisterBrokerToControllerRequestHeader {
                cluster_name: CLUSTER.into(),
                broker_name: GROUP.into(),
                broker_id: expect_id,
                broker_address: address.into(),
                invoke_time: 0,
            },
            &everyone(),
        ));
        assert_eq!(registered.code, ResponseCode::SUCCESS);
        assert!(
            registered.events.is_empty(),
            "same address: nothing to record"
        );
        assert_eq!(registered.header.unwrap().master_broker_id, expect_master);
    }

    pub fn elect(
        &mut self,
        broker_id: i64,
        designate: bool,
        liveness: &impl ReplicaLiveness,
    ) -> Decision<ElectMasterResponseHeader> {
        let header = ElectMasterRequestHeader {
            cluster_name: CLUSTER.into(),
            broker_name: GROUP.into(),
            broker_id,
            designate_elect: designate,
            invoke_time: None,
        };
        let decision = self.state.elect_master(&header, &self.policy, liveness);
        self.commit(decision)
    }

    pub fn alter(
        &mut self,
        master: i64,
        master_epoch: i32,
        set: &[i64],
        set_epoch: i32,
        liveness: &impl ReplicaLiveness,
    ) -> Decision<AlterSyncStateSetResponseHeader> {
        let decision = self.state.alter_sync_state_set(
            &AlterSyncStateSetRequestHeader {
                broker_name: GROUP.into(),
                master_broker_id: Some(master),
                master_epoch,
                invoke_time: 0,
            },
            &SyncStateSet {
                sync_state_set: set.iter().copied().collect(),
                sync_state_set_epoch: set_epoch,
            },
            liveness,
        );
        self.commit(decision)
    }

    pub fn replica_info(&self) -> (GetReplicaInfoResponseHeader, SyncStateSet) {
        let d = self.state.get_replica_info(&GetReplicaInfoRequestHeader {
            broker_name: GROUP.into(),
        });
        assert_eq!(d.code, ResponseCode::SUCCESS);
        (
            d.header.unwrap(),
            SyncStateSet::from_json(&d.body.unwrap()).unwrap(),
        )
    }

    pub fn sync_state_data(&self, liveness: &impl ReplicaLiveness) -> ReplicasInfoBody {
        let d = self
            .state
            .get_sync_state_data(&[GROUP.to_owned()], liveness);
        assert_eq!(d.code, ResponseCode::SUCCESS);
        let mut body = BrokerReplicasInfo::from_json(&d.body.unwrap()).unwrap();
        body.replicas_info_table
            .remove(GROUP)
            .expect("group listed")
    }

    /// Java's `mockMetaData`: three replicas, 1 elected first, set {1,2,3} at set epoch 2.
    pub fn three_replicas_with_master_1() -> Self {
        let mut f = Fixture::new();
        for (i, address) in ADDRESSES.iter().enumerate() {
            f.register_new_broker(address, i as i64 + 1, None);
        }
        assert_eq!(f.elect(1, false, &everyone()).code, ResponseCode::SUCCESS);
        assert_eq!(
            f.elect(2, false, &everyone()).code,
            ResponseCode::CONTROLLER_MASTER_STILL_EXIST
        );
        assert_eq!(
            f.elect(3, false, &everyone()).code,
            ResponseCode::CONTROLLER_MASTER_STILL_EXIST
        );
        let altered = f.alter(1, 1, &[1, 2, 3], 1, &everyone());
        assert_eq!(altered.code, ResponseCode::SUCCESS, "{:?}", altered.remark);
        f
    }
}
