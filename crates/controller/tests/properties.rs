//! Properties of the replicated state over arbitrary histories: applying is deterministic,
//! a snapshot plus the rest of the log gives the same state as the whole log, epochs never go
//! back while a group exists, and refusals commit nothing.

use std::collections::{BTreeSet, HashMap};

use namesrv_controller::state::{
    ControllerEvent, ElectPolicy, ReplicaHeartbeat, ReplicaLiveness, ReplicasInfo,
};
use namesrv_protocol::body::SyncStateSet;
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::*;
use proptest::prelude::*;

const GROUPS: [&str; 2] = ["a", "b"];

fn group() -> impl Strategy<Value = String> {
    prop::sample::select(GROUPS.to_vec()).prop_map(str::to_owned)
}

fn ids() -> impl Strategy<Value = BTreeSet<i64>> {
    prop::collection::btree_set(1..5i64, 0..4)
}

fn event() -> impl Strategy<Value = ControllerEvent> {
    prop_oneof![
        (group(), ids()).prop_map(|(broker_name, new_sync_state_set)| {
            ControllerEvent::AlterSyncStateSet {
                broker_name,
                new_sync_state_set,
            }
        }),
        (group(), 1..5i64, 0..3u8).prop_map(|(broker_name, id, code)| {
            ControllerEvent::ApplyBrokerId {
                cluster_name: "c".into(),
                broker_name,
                broker_address: format!("127.0.0.1:{}", 9000 + id),
                register_check_code: format!("127.0.0.1:{};{code}", 9000 + id),
                new_broker_id: id,
            }
        }),
        (group(), any::<bool>(), proptest::option::of(1..5i64)).prop_map(
            |(broker_name, new_master_elected, new_master_broker_id)| {
                ControllerEvent::ElectMaster {
                    new_master_elected,
                    broker_name,
                    new_master_broker_id,
                }
            }
        ),
        (group(), proptest::option::of(ids())).prop_map(|(broker_name, broker_id_set_to_clean)| {
            ControllerEvent::CleanBrokerData {
                broker_name,
                broker_id_set_to_clean,
            }
        }),
        (group(), 1..5i64, 0..3u16).prop_map(|(broker_name, broker_id, port)| {
            ControllerEvent::UpdateBrokerAddress {
                cluster_name: "c".into(),
                broker_name,
                broker_address: format!("127.0.0.1:{}", 9100 + port),
                broker_id,
            }
        }),
    ]
}

/// (master epoch, sync-state set epoch) of each group in both tables.
fn epochs(state: &ReplicasInfo) -> HashMap<String, (i32, i32)> {
    GROUPS
        .iter()
        .filter_map(|name| {
            let (_, sync) = state.group(name)?;
            Some((
                name.to_string(),
                (sync.master_epoch(), sync.sync_state_set_epoch()),
            ))
        })
        .collect()
}

fn assert_epochs_kept(
    before: &HashMap<String, (i32, i32)>,
    after: &ReplicasInfo,
    event: &ControllerEvent,
) {
    let cleaned = matches!(event, ControllerEvent::CleanBrokerData { .. });
    for (name, (master_epoch, set_epoch)) in before {
        match after.sync_state_info(name) {
            Some(sync) if after.broker_replica_info(name).is_some() || !cleaned => {
                assert!(sync.master_epoch() >= *master_epoch, "{event:?}");
                assert!(sync.sync_state_set_epoch() >= *set_epoch, "{event:?}");
            }
            // Only a clean may take a group away (and a later first id starts it afresh).
            _ => assert!(cleaned, "{name} vanished by {event:?}"),
        }
    }
}

/// A request of one of the families that change state, with a random view of liveness.
#[derive(Debug, Clone)]
enum Request {
    NextAndApply {
        group: String,
        code: u8,
    },
    ApplyId {
        group: String,
        id: i64,
        code: u8,
    },
    Register {
        group: String,
        id: i64,
        port: u16,
    },
    Elect {
        group: String,
        id: i64,
        designate: bool,
    },
    Alter {
        group: String,
        master: Option<i64>,
        epoch: i32,
        set: BTreeSet<i64>,
        set_epoch: i32,
    },
    Clean {
        group: String,
        ids: Option<String>,
        living: bool,
    },
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        3 => (group(), 0..3u8).prop_map(|(group, code)| Request::NextAndApply { group, code }),
        1 => (group(), 1..5i64, 0..3u8).prop_map(|(group, id, code)| Request::ApplyId { group, id, code }),
        2 => (group(), 1..5i64, 0..2u16).prop_map(|(group, id, port)| Request::Register { group, id, port }),
        3 => (group(), -1..5i64, any::<bool>()).prop_map(|(group, id, designate)| Request::Elect { group, id, designate }),
        3 => (group(), proptest::option::of(1..5i64), 0..6i32, ids(), 0..8i32).prop_map(
            |(group, master, epoch, set, set_epoch)| Request::Alter { group, master, epoch, set, set_epoch }
        ),
        1 => (group(), proptest::option::of(prop::sample::select(vec!["1", "2;3", "", "x"])), any::<bool>())
            .prop_map(|(group, ids, living)| Request::Clean { group, ids: ids.map(str::to_owned), living }),
    ]
}

/// Replicas 1..=4 of every group, alive per the mask, with reports from a seed.
struct Mask {
    alive: u8,
    seed: u64,
}

impl ReplicaLiveness for Mask {
    fn is_alive(&self, _: &str, _: &str, id: i64) -> bool {
        (1..5).contains(&id) && self.alive & (1 << id) != 0
    }

    fn heartbeat(&self, _: &str, _: &str, id: i64) -> Option<ReplicaHeartbeat> {
        let mix = self.seed.rotate_left(id as u32 * 7);
        Some(ReplicaHeartbeat {
            epoch: (mix % 3) as i32,
            max_offset: ((mix >> 8) % 4) as i64,
            confirm_offset: 0,
            election_priority: ((mix >> 16) % 3) as i32,
            address: format!("127.0.0.1:{}", 9000 + id),
        })
    }
}

/// Decides `request` twice (decisions must be pure) and returns the events and code.
fn decide(
    state: &ReplicasInfo,
    request: &Request,
    policy: &ElectPolicy,
    live: &Mask,
) -> (Vec<ControllerEvent>, ResponseCode) {
    let once = || -> (Vec<ControllerEvent>, ResponseCode, Option<Vec<u8>>) {
        match request {
            Request::NextAndApply { group, code } => {
                let next = state.get_next_broker_id(&GetNextBrokerIdRequestHeader {
                    cluster_name: "c".into(),
                    broker_name: group.clone(),
                });
                assert!(next.events.is_empty());
                let id = next.header.and_then(|h| h.next_broker_id).unwrap_or(1);
                let d = state.apply_broker_id(&ApplyBrokerIdRequestHeader {
                    cluster_name: "c".into(),
                    broker_name: group.clone(),
                    applied_broker_id: id,
                    register_check_code: format!("127.0.0.1:{};{code}", 9000 + id),
                });
                (d.events, d.code, d.body)
            }
            Request::ApplyId { group, id, code } => {
                let d = state.apply_broker_id(&ApplyBrokerIdRequestHeader {
                    cluster_name: "c".into(),
                    broker_name: group.clone(),
                    applied_broker_id: *id,
                    register_check_code: format!("127.0.0.1:{};{code}", 9000 + id),
                });
                (d.events, d.code, d.body)
            }
            Request::Register { group, id, port } => {
                let d = state.register_broker(
                    &RegisterBrokerToControllerRequestHeader {
                        cluster_name: "c".into(),
                        broker_name: group.clone(),
                        broker_id: *id,
                        broker_address: format!(
                            "127.0.0.1:{}",
                            9000 + u16::try_from(*id).unwrap_or(0) + 100 * port
                        ),
                        invoke_time: 0,
                    },
                    live,
                );
                (d.events, d.code, d.body)
            }
            Request::Elect {
                group,
                id,
                designate,
            } => {
                let d = state.elect_master(
                    &ElectMasterRequestHeader {
                        cluster_name: "c".into(),
                        broker_name: group.clone(),
                        broker_id: *id,
                        designate_elect: *designate,
                        invoke_time: None,
                    },
                    policy,
                    live,
                );
                (d.events, d.code, d.body)
            }
            Request::Alter {
                group,
                master,
                epoch,
                set,
                set_epoch,
            } => {
                let d = state.alter_sync_state_set(
                    &AlterSyncStateSetRequestHeader {
                        broker_name: group.clone(),
                        master_broker_id: *master,
                        master_epoch: *epoch,
                        invoke_time: 0,
                    },
                    &SyncStateSet {
                        sync_state_set: set.clone(),
                        sync_state_set_epoch: *set_epoch,
                    },
                    live,
                );
                (d.events, d.code, d.body)
            }
            Request::Clean { group, ids, living } => {
                let d = state.clean_broker_data(
                    &CleanControllerBrokerDataRequestHeader {
                        cluster_name: Some("c".into()),
                        broker_name: group.clone(),
                        broker_controller_ids_to_clean: ids.clone(),
                        is_clean_living_broker: *living,
                        invoke_time: 0,
                    },
                    live,
                );
                (d.events, d.code, d.body)
            }
        }
    };
    let first = once();
    assert_eq!(first, once(), "a decision depends only on its inputs");
    (first.0, first.1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn applying_events_is_deterministic_and_a_snapshot_resumes_the_log(
        events in prop::collection::vec(event(), 0..40),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut whole = ReplicasInfo::new();
        let mut again = ReplicasInfo::new();
        for event in &events {
            let before = epochs(&whole);
            whole.apply(event);
            again.apply(event);
            assert_epochs_kept(&before, &whole, event);
        }
        prop_assert_eq!(&whole, &again);

        let cut = if events.is_empty() { 0 } else { cut.index(events.len() + 1) };
        let mut prefix = ReplicasInfo::new();
        for event in &events[..cut] {
            prefix.apply(event);
        }
        let snapshot = serde_json::to_vec(&prefix).unwrap();
        let mut resumed: ReplicasInfo = serde_json::from_slice(&snapshot).unwrap();
        for event in &events[cut..] {
            let text = serde_json::to_string(event).unwrap();
            resumed.apply(&serde_json::from_str(&text).unwrap());
        }
        prop_assert_eq!(&resumed, &whole);
    }

    #[test]
    fn decided_histories_keep_epochs_and_refusals_commit_nothing(
        steps in prop::collection::vec((request(), any::<u8>(), any::<u64>()), 1..60),
        unclean in any::<bool>(),
    ) {
        let policy = ElectPolicy { enable_elect_unclean_master: unclean };
        let mut state = ReplicasInfo::new();
        for (request, alive, seed) in &steps {
            let live = Mask { alive: *alive, seed: *seed };
            let (events, code) = decide(&state, request, &policy, &live);
            match code {
                ResponseCode::SUCCESS => {}
                // A controller-triggered election that finds nobody records it.
                ResponseCode::CONTROLLER_MASTER_NOT_AVAILABLE => prop_assert_eq!(events.len(), 1),
                _ => prop_assert!(events.is_empty(), "{:?} → {:?} with {:?}", request, code, events),
            }
            for event in &events {
                let before = epochs(&state);
                state.apply(event);
                assert_epochs_kept(&before, &state, event);
            }
            if let (Request::Alter { group, .. }, ResponseCode::SUCCESS) = (request, code) {
                let (_, sync) = state.group(group).unwrap();
                prop_assert!(sync.sync_state_set().contains(&sync.master_broker_id().unwrap()));
            }
            if let (Request::Elect { group, .. }, ResponseCode::SUCCESS) = (request, code) {
                let (_, sync) = state.group(group).unwrap();
                let master = sync.master_broker_id().unwrap();
                prop_assert_eq!(sync.sync_state_set(), &BTreeSet::from([master]));
            }
        }
    }
}
