//! The cases of Java's ReplicasInfoManagerTest (and the rules behind them), driven through
//! decide-then-apply as the leader does.

mod common;

use std::collections::BTreeSet;

use common::*;
use namesrv_controller::state::{ControllerEvent, ElectPolicy, ReplicasInfo};
use namesrv_protocol::body::{ElectMasterResponseBody, JsonBody, SyncStateSet};
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::*;

#[test]
fn three_registered_replicas_with_a_master_and_a_full_sync_state_set() {
    let f = Fixture::three_replicas_with_master_1();
    let info = f.sync_state_data(&everyone());
    assert_eq!(info.master_broker_id, Some(1));
    assert_eq!(info.master_address.as_deref(), Some(ADDRESSES[0]));
    assert_eq!(info.master_epoch, 1);
    assert_eq!(info.sync_state_set_epoch, 2);
    assert_eq!(info.in_sync_replicas.len(), 3);
    assert!(info.not_in_sync_replicas.is_empty());
}

#[test]
fn a_broker_registering_while_the_master_lives_is_told_the_master() {
    let mut f = Fixture::new();
    f.register_new_broker(ADDRESSES[0], 1, None);
    f.register_new_broker(ADDRESSES[1], 2, None);
    assert_eq!(f.elect(1, false, &everyone()).code, ResponseCode::SUCCESS);
    assert_eq!(
        f.elect(2, false, &everyone()).code,
        ResponseCode::CONTROLLER_MASTER_STILL_EXIST
    );
    f.register_new_broker(ADDRESSES[2], 3, Some(1));
    assert_eq!(
        f.elect(3, false, &everyone()).code,
        ResponseCode::CONTROLLER_MASTER_STILL_EXIST
    );
    let info = f.sync_state_data(&everyone());
    assert_eq!(info.master_broker_id, Some(1));
    assert_eq!((info.master_epoch, info.sync_state_set_epoch), (1, 1));
    assert_eq!(info.in_sync_replicas.len(), 1);
    assert_eq!(info.not_in_sync_replicas.len(), 2);
}

#[test]
fn the_first_election_makes_the_requester_master_with_epochs_one() {
    let mut f = Fixture::new();
    f.register_new_broker(ADDRESSES[0], 1, None);
    f.register_new_broker(ADDRESSES[1], 2, None);
    // Even a requester the controller does not hear from: it is the one asking.
    let d = f.elect(2, false, &only(|_| false));
    assert_eq!(d.code, ResponseCode::SUCCESS);
    let h = d.header.unwrap();
    assert_eq!(h.master_broker_id, Some(2));
    assert_eq!(h.master_address.as_deref(), Some(ADDRESSES[1]));
    assert_eq!((h.master_epoch, h.sync_state_set_epoch), (Some(1), Some(1)));
    let body = ElectMasterResponseBody::from_json(&d.body.unwrap()).unwrap();
    assert_eq!(body.sync_state_set, BTreeSet::from([2]));
    let group = body.broker_member_group.unwrap();
    assert_eq!(
        (group.cluster.as_str(), group.broker_name.as_str()),
        (CLUSTER, GROUP)
    );
    assert_eq!(group.broker_addrs.len(), 2);
    let (info, set) = f.replica_info();
    assert_eq!(info.master_broker_id, Some(2));
    assert_eq!(info.master_epoch, Some(1));
    assert_eq!(set.sync_state_set, BTreeSet::from([2]));
}

#[test]
fn electing_for_an_unknown_group_asks_it_to_register() {
    let f = Fixture::new();
    let header = ElectMasterRequestHeader {
        cluster_name: CLUSTER.into(),
        broker_name: "nobody".into(),
        broker_id: 1,
        designate_elect: false,
        invoke_time: None,
    };
    let d = f
        .state
        .elect_master(&header, &ElectPolicy::default(), &everyone());
    assert_eq!(
        d.code,
        ResponseCode::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED
    );
    assert!(d.events.is_empty());
}

#[test]
fn when_the_master_dies_the_only_living_replica_takes_over() {
    let mut f = Fixture::three_replicas_with_master_1();
    let d = f.elect(3, false, &only(|id| id == 3));
    assert_eq!(d.code, ResponseCode::SUCCESS);
    let info = f.sync_state_data(&everyone());
    assert_eq!(info.master_broker_id, Some(3));
    assert_eq!(info.master_address.as_deref(), Some(ADDRESSES[2]));
    assert_eq!((info.master_epoch, info.sync_state_set_epoch), (2, 3));
    assert_eq!(info.in_sync_replicas.len(), 1);
    assert_eq!(info.not_in_sync_replicas.len(), 2);
}

#[test]
fn a_living_master_is_kept_and_named_in_the_answer() {
    let mut f = Fixture::three_replicas_with_master_1();
    let before = f.state.clone();
    let trigger = ReplicasInfo::controller_triggered_election(CLUSTER, GROUP);
    let d = f.state.elect_master(
        &trigger,
        &f.policy,
        &reporting(&[(1, 1, 1, 0), (2, 1, 2, 0), (3, 1, 3, 0)]),
    );
    assert_eq!(d.code, ResponseCode::CONTROLLER_MASTER_STILL_EXIST);
    assert!(d.events.is_empty());
    let h = d.header.clone().unwrap();
    assert_eq!(h.master_broker_id, Some(1));
    assert_eq!(h.master_address.as_deref(), Some(ADDRESSES[0]));
    assert_eq!((h.master_epoch, h.sync_state_set_epoch), (Some(1), Some(2)));
    assert_eq!(
        String::from_utf8(d.body.clone().unwrap()).unwrap(),
        r#"{"syncStateSet":[1,2,3]}"#
    );
    f.commit(d);
    assert_eq!(f.state, before);
}

#[test]
fn re_election_prefers_higher_epoch_then_offset_then_priority() {
    let cases: [(&[Report], i64); 3] = [
        // Master 1 is silent (not listed); 2 has the higher epoch.
        (&[(2, 1, 2, 0), (3, 0, 3, 0)], 2),
        // Same epoch: the higher max offset.
        (&[(2, 1, 2, 0), (3, 1, 3, 0)], 3),
        // Same epoch and offset: the lower election priority.
        (&[(2, 1, 3, 2), (3, 1, 3, 1)], 3),
    ];
    for (reports, winner) in cases {
        let mut f = Fixture::three_replicas_with_master_1();
        let trigger = ReplicasInfo::controller_triggered_election(CLUSTER, GROUP);
        let d = f
            .state
            .elect_master(&trigger, &f.policy, &reporting(reports));
        assert_eq!(d.code, ResponseCode::SUCCESS, "{reports:?}");
        let h = d.header.clone().unwrap();
        assert_eq!(h.master_broker_id, Some(winner), "{reports:?}");
        assert_eq!(
            h.master_address.as_deref(),
            Some(ADDRESSES[winner as usize - 1])
        );
        assert_eq!((h.master_epoch, h.sync_state_set_epoch), (Some(2), Some(3)));
        f.commit(d);
        let (info, set) = f.replica_info();
        assert_eq!(info.master_broker_id, Some(winner));
        assert_eq!(set.sync_state_set, BTreeSet::from([winner]));
    }
}

#[test]
fn designated_elections_by_an_operator() {
    let mut f = Fixture::three_replicas_with_master_1();
    let d = f.elect(-1, false, &only(|id| id != 1));
    assert_eq!(d.code, ResponseCode::SUCCESS);
    let h = d.header.unwrap();
    let master = h.master_broker_id.unwrap();
    assert_ne!(master, 1);
    assert_eq!(h.master_epoch, Some(2));
    let altered = f.alter(master, 2, &[1, 2, 3], 3, &everyone());
    assert_eq!(altered.code, ResponseCode::SUCCESS);

    // The designated broker is dead: nothing happens.
    let before = f.state.clone();
    let d = f.elect(1, true, &only(|id| id != 1));
    assert_eq!(d.code, ResponseCode::CONTROLLER_ELECT_MASTER_FAILED);
    assert!(d.events.is_empty());
    assert_eq!(f.state, before);

    // The designated broker is the living master.
    let d = f.elect(master, true, &everyone());
    assert_eq!(d.code, ResponseCode::CONTROLLER_MASTER_STILL_EXIST);

    // The designated broker lives and the master does not.
    let d = f.elect(1, true, &only(move |id| id != master));
    assert_eq!(d.code, ResponseCode::SUCCESS);
    let h = d.header.unwrap();
    assert_eq!(h.master_broker_id, Some(1));
    assert_eq!(h.master_address.as_deref(), Some(ADDRESSES[0]));
    assert_eq!(h.master_epoch, Some(3));

    // The set is {1} now: a designated broker outside it is refused, even alive.
    let d = f.elect(2, true, &everyone());
    assert_eq!(d.code, ResponseCode::CONTROLLER_ELECT_MASTER_FAILED);
    assert!(d.events.is_empty());

    // In the set, alive, and so is the master: the operator wins.
    assert_eq!(
        f.alter(1, 3, &[1, 2], 5, &everyone()).code,
        ResponseCode::SUCCESS
    );
    let d = f.elect(2, true, &everyone());
    assert_eq!(d.code, ResponseCode::SUCCESS);
    let h = d.header.unwrap();
    assert_eq!((h.master_broker_id, h.master_epoch), (Some(2), Some(4)));
}

#[test]
fn with_the_whole_set_down_the_group_is_left_without_master_until_a_member_returns() {
    let mut f = Fixture::three_replicas_with_master_1();
    assert_eq!(
        f.alter(1, 1, &[1], 2, &everyone()).code,
        ResponseCode::SUCCESS
    );

    let trigger = ReplicasInfo::controller_triggered_election(CLUSTER, GROUP);
    let d = f
        .state
        .elect_master(&trigger, &f.policy, &only(|id| id != 1));
    assert_eq!(d.code, ResponseCode::CONTROLLER_MASTER_NOT_AVAILABLE);
    assert_eq!(
        d.events,
        [ControllerEvent::ElectMaster {
            new_master_elected: false,
            broker_name: GROUP.into(),
            new_master_broker_id: None,
        }]
    );
    f.commit(d);
    let (info, set) = f.replica_info();
    assert_eq!(info.master_broker_id, None);
    assert_eq!(info.master_address, None);
    assert_eq!(info.master_epoch, Some(2));
    assert_eq!(set.sync_state_set, BTreeSet::from([1]), "the set is kept");
    assert_eq!(set.sync_state_set_epoch, 3);
    assert!(f
        .state
        .groups_needing_election(&only(|id| id != 1))
        .is_empty());

    // A replica outside the set asks: refused, and nothing is recorded.
    let d = f.elect(2, false, &only(|id| id != 1));
    assert_eq!(d.code, ResponseCode::CONTROLLER_ELECT_MASTER_FAILED);
    assert!(d.events.is_empty());

    // The set's member comes back and asks.
    let d = f.elect(1, false, &everyone());
    assert_eq!(d.code, ResponseCode::SUCCESS);
    assert_eq!(d.header.unwrap().master_epoch, Some(3));
}

#[test]
fn unclean_election_takes_a_replica_outside_the_set_only_when_enabled() {
    let mut f = Fixture::three_replicas_with_master_1();
    assert_eq!(
        f.alter(1, 1, &[1], 2, &everyone()).code,
        ResponseCode::SUCCESS
    );
    let trigger = ReplicasInfo::controller_triggered_election(CLUSTER, GROUP);
    let live = reporting(&[(2, 1, 10, 0), (3, 1, 20, 0)]);
    let clean = f
        .state
        .elect_master(&trigger, &ElectPolicy::default(), &live);
    assert_eq!(clean.code, ResponseCode::CONTROLLER_MASTER_NOT_AVAILABLE);
    let unclean = ElectPolicy {
        enable_elect_unclean_master: true,
    };
    let d = f.state.elect_master(&trigger, &unclean, &live);
    assert_eq!(d.code, ResponseCode::SUCCESS);
    assert_eq!(d.header.unwrap().master_broker_id, Some(3));
}

#[test]
fn alter_sync_state_set_is_fenced_like_java() {
    let mut f = Fixture::three_replicas_with_master_1();
    // Now: master 1, master epoch 1, set {1,2,3} at epoch 2.
    let check =
        |f: &mut Fixture, master, epoch, set: &[i64], set_epoch, alive: fn(i64) -> bool, code| {
            let before = f.state.clone();
            let d = f.alter(master, epoch, set, set_epoch, &only(alive));
            assert_eq!(d.code, code, "{:?}", d.remark);
            assert!(d.events.is_empty());
            assert_eq!(d.header, Some(AlterSyncStateSetResponseHeader::default()));
            assert_eq!(f.state, before);
        };
    use ResponseCode::*;
    check(
        &mut f,
        1,
        1,
        &[1, 2, 3],
        2,
        |_| true,
        CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
    );
    check(
        &mut f,
        2,
        1,
        &[1, 2],
        2,
        |_| true,
        CONTROLLER_INVALID_MASTER,
    );
    check(
        &mut f,
        1,
        0,
        &[1, 2],
        2,
        |_| true,
        CONTROLLER_FENCED_MASTER_EPOCH,
    );
    check(
        &mut f,
        1,
        1,
        &[1, 2],
        1,
        |_| true,
        CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH,
    );
    check(
        &mut f,
        1,
        1,
        &[1, 4],
        2,
        |_| true,
        CONTROLLER_INVALID_REPLICAS,
    );
    check(
        &mut f,
        1,
        1,
        &[1, 2],
        2,
        |id| id != 2,
        CONTROLLER_BROKER_NOT_ALIVE,
    );
    check(
        &mut f,
        1,
        1,
        &[2, 3],
        2,
        |_| true,
        CONTROLLER_ALTER_SYNC_STATE_SET_FAILED,
    );

    let no_master = f.state.alter_sync_state_set(
        &AlterSyncStateSetRequestHeader {
            broker_name: GROUP.into(),
            master_broker_id: None,
            master_epoch: 1,
            invoke_time: 0,
        },
        &SyncStateSet {
            sync_state_set: BTreeSet::from([1]),
            sync_state_set_epoch: 2,
        },
        &everyone(),
    );
    assert_eq!(no_master.code, CONTROLLER_INVALID_MASTER);
    let unknown = f.state.alter_sync_state_set(
        &AlterSyncStateSetRequestHeader {
            broker_name: "nobody".into(),
            master_broker_id: Some(1),
            master_epoch: 1,
            invoke_time: 0,
        },
        &SyncStateSet::default(),
        &everyone(),
    );
    assert_eq!(unknown.code, CONTROLLER_ALTER_SYNC_STATE_SET_FAILED);

    let d = f.alter(1, 1, &[1, 3], 2, &everyone());
    assert_eq!(d.code, SUCCESS);
    assert_eq!(d.header.unwrap().new_sync_state_set_epoch, 3);
    assert_eq!(
        String::from_utf8(d.body.unwrap()).unwrap(),
        r#"{"syncStateSet":[1,3],"syncStateSetEpoch":3}"#
    );
    let (_, set) = f.replica_info();
    assert_eq!(set.sync_state_set, BTreeSet::from([1, 3]));
    assert_eq!(set.sync_state_set_epoch, 3);
}

#[test]
fn broker_ids_start_at_one_and_are_taken_once() {
    let mut f = Fixture::new();
    let apply = |f: &Fixture, id, code: &str| {
        f.state.apply_broker_id(&ApplyBrokerIdRequestHeader {
            cluster_name: CLUSTER.into(),
            broker_name: GROUP.into(),
            applied_broker_id: id,
            register_check_code: code.into(),
        })
    };
    let next = |f: &Fixture| {
        f.state
            .get_next_broker_id(&GetNextBrokerIdRequestHeader {
                cluster_name: CLUSTER.into(),
                broker_name: GROUP.into(),
            })
            .header
            .unwrap()
            .next_broker_id
    };
    assert_eq!(next(&f), Some(1));
    let refused = apply(&f, 2, "127.0.0.1:9000;1");
    assert_eq!(refused.code, ResponseCode::CONTROLLER_BROKER_ID_INVALID);
    assert_eq!(
        refused.header,
        Some(ApplyBrokerIdResponseHeader {
            cluster_name: Some(CLUSTER.into()),
            broker_name: Some(GROUP.into()),
        })
    );
    let granted = f.commit(apply(&f, 1, "127.0.0.1:9000;1"));
    assert_eq!(granted.code, ResponseCode::SUCCESS);
    assert_eq!(
        granted.events,
        [ControllerEvent::ApplyBrokerId {
            cluster_name: CLUSTER.into(),
            broker_name: GROUP.into(),
            broker_address: "127.0.0.1:9000".into(),
            register_check_code: "127.0.0.1:9000;1".into(),
            new_broker_id: 1,
        }]
    );
    assert_eq!(next(&f), Some(2));

    // The same broker again (its answer was lost): granted, and nothing changes.
    let before = f.state.clone();
    let again = f.commit(apply(&f, 1, "127.0.0.1:9000;1"));
    assert_eq!(again.code, ResponseCode::SUCCESS);
    assert_eq!(f.state, before);
    assert_eq!(next(&f), Some(2));

    // Another broker wanting the same id.
    let taken = apply(&f, 1, "127.0.0.1:9001;2");
    assert_eq!(taken.code, ResponseCode::CONTROLLER_BROKER_ID_INVALID);
    assert!(taken.events.is_empty());

    // Java's counter counts ids taken, not the highest one.
    f.commit(apply(&f, 5, "127.0.0.1:9005;3"));
    assert_eq!(next(&f), Some(3));
}

#[test]
fn registering_checks_the_id_and_records_a_new_address() {
    let mut f = Fixture::three_replicas_with_master_1();
    let register = |f: &Fixture, name: &str, id, address: &str, alive: fn(i64) -> bool| {
        f.state.register_broker(
            &RegisterBrokerToControllerRequestHeader {
                cluster_name: CLUSTER.into(),
                broker_name: name.into(),
                broker_id: id,
                broker_address: address.into(),
                invoke_time: 0,
            },
            &only(alive),
        )
    };
    let unknown = register(&f, "nobody", 1, ADDRESSES[0], |_| true);
    assert_eq!(
        unknown.code,
        ResponseCode::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED
    );
    assert_eq!(
        unknown.header.unwrap().broker_name.as_deref(),
        Some("nobody")
    );
    let no_id = register(&f, GROUP, 9, ADDRESSES[0], |_| true);
    assert_eq!(
        no_id.code,
        ResponseCode::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED
    );

    let moved = register(&f, GROUP, 2, "127.0.0.1:9100", |_| true);
    assert_eq!(moved.code, ResponseCode::SUCCESS);
    let h = moved.header.clone().unwrap();
    assert_eq!(h.master_broker_id, Some(1));
    assert_eq!(h.master_address.as_deref(), Some(ADDRESSES[0]));
    assert_eq!((h.master_epoch, h.sync_state_set_epoch), (Some(1), Some(2)));
    assert_eq!(
        String::from_utf8(moved.body.clone().unwrap()).unwrap(),
        r#"{"syncStateSet":[1,2,3],"syncStateSetEpoch":2}"#
    );
    assert_eq!(
        moved.events,
        [ControllerEvent::UpdateBrokerAddress {
            cluster_name: CLUSTER.into(),
            broker_name: GROUP.into(),
            broker_address: "127.0.0.1:9100".into(),
            broker_id: 2,
        }]
    );
    f.commit(moved);
    let info = f.sync_state_data(&everyone());
    assert!(info
        .in_sync_replicas
        .iter()
        .any(|r| r.broker_id == 2 && r.broker_address == "127.0.0.1:9100"));

    // A dead master is not named.
    let d = register(&f, GROUP, 3, ADDRESSES[2], |id| id != 1);
    assert_eq!(d.code, ResponseCode::SUCCESS);
    let h = d.header.unwrap();
    assert_eq!((h.master_broker_id, h.master_epoch), (None, None));
    assert!(d.body.is_some());
}

#[test]
fn clean_broker_data_refuses_living_brokers_unless_told_otherwise() {
    let clean = |f: &Fixture,
                 cluster: Option<&str>,
                 name: &str,
                 ids: Option<&str>,
                 living,
                 alive: fn(i64) -> bool| {
        f.state.clean_broker_data(
            &CleanControllerBrokerDataRequestHeader {
                cluster_name: cluster.map(str::to_owned),
                broker_name: name.into(),
                broker_controller_ids_to_clean: ids.map(str::to_owned),
                is_clean_living_broker: living,
                invoke_time: 0,
            },
            &only(alive),
        )
    };
    use ResponseCode::{CONTROLLER_INVALID_CLEAN_BROKER_METADATA as REFUSED, SUCCESS};
    let f = Fixture::three_replicas_with_master_1();
    assert_eq!(
        clean(&f, Some(CLUSTER), GROUP, Some("1"), false, |_| true).code,
        REFUSED
    );
    assert_eq!(
        clean(&f, Some(CLUSTER), GROUP, None, false, |_| true).code,
        REFUSED
    );
    assert_eq!(
        clean(&f, Some(CLUSTER), GROUP, Some("  "), false, |_| false).code,
        REFUSED
    );
    assert_eq!(
        clean(&f, Some(CLUSTER), GROUP, Some("1;x"), false, |_| false).code,
        REFUSED
    );
    assert_eq!(
        clean(&f, Some(CLUSTER), GROUP, Some("1"), false, |_| false).code,
        SUCCESS
    );
    assert_eq!(
        clean(&f, Some(CLUSTER), GROUP, Some("1;2;3"), false, |_| false).code,
        SUCCESS
    );
    let unknown = clean(&f, Some(CLUSTER), "broker12", Some("1;2;3"), true, |_| {
        false
    });
    assert_eq!(unknown.code, REFUSED);
    assert!(unknown.remark.unwrap().contains("broker12"));
    assert_eq!(
        clean(&f, None, "broker12", Some("1;2;3"), true, |_| true).code,
        REFUSED
    );
    // Without a cluster Java never finds the replicas alive.
    assert_eq!(
        clean(&f, None, GROUP, Some("1"), false, |_| true).code,
        SUCCESS
    );

    // Clean-living ignores the id list: the whole group goes.
    let mut whole = Fixture::three_replicas_with_master_1();
    let d = whole.commit(clean(&whole, None, GROUP, Some("2"), true, |_| true));
    assert_eq!(d.code, SUCCESS);
    assert_eq!(
        d.events,
        [ControllerEvent::CleanBrokerData {
            broker_name: GROUP.into(),
            broker_id_set_to_clean: None,
        }]
    );
    assert_eq!(whole.state, ReplicasInfo::new());

    // Partial: the ids leave the replicas and the set; the master id stays (Java).
    let mut part = Fixture::three_replicas_with_master_1();
    part.commit(clean(
        &part,
        Some(CLUSTER),
        GROUP,
        Some("1;3"),
        false,
        |id| id == 2,
    ));
    let info = part.sync_state_data(&everyone());
    assert_eq!(info.master_broker_id, Some(1));
    assert_eq!(info.master_address, None);
    assert_eq!(
        info.in_sync_replicas
            .iter()
            .map(|r| r.broker_id)
            .collect::<Vec<_>>(),
        [2]
    );
    assert!(info.not_in_sync_replicas.is_empty());
}

#[test]
fn groups_needing_election_have_a_dead_master_and_a_living_replica() {
    let f = Fixture::three_replicas_with_master_1();
    assert!(f.state.groups_needing_election(&everyone()).is_empty());
    assert_eq!(
        f.state.groups_needing_election(&only(|id| id == 3)),
        [(CLUSTER.to_owned(), GROUP.to_owned())]
    );
    assert!(f.state.groups_needing_election(&only(|_| false)).is_empty());
    let fresh = {
        let mut f = Fixture::new();
        f.register_new_broker(ADDRESSES[0], 1, None);
        f
    };
    assert!(fresh
        .state
        .groups_needing_election(&only(|_| false))
        .is_empty());
    assert!(fresh.state.groups_needing_election(&everyone()).is_empty());
}

#[test]
fn the_role_change_notice_reflects_the_committed_election() {
    let mut f = Fixture::three_replicas_with_master_1();
    let d = f.elect(-1, false, &reporting(&[(2, 1, 5, 0), (3, 1, 4, 0)]));
    assert_eq!(d.code, ResponseCode::SUCCESS);
    let notice = f.state.role_change_notice(GROUP).unwrap();
    assert_eq!(notice.cluster_name, CLUSTER);
    assert_eq!(
        notice.header,
        NotifyBrokerRoleChangedRequestHeader {
            master_address: Some(ADDRESSES[1].into()),
            master_epoch: Some(2),
            sync_state_set_epoch: Some(3),
            master_broker_id: Some(2),
        }
    );
    assert_eq!(notice.sync_state_set.sync_state_set, BTreeSet::from([2]));
    assert_eq!(notice.members.len(), 3);
    assert_eq!(f.state.master(GROUP), Some((2, Some(ADDRESSES[1]))));
    assert_eq!(f.state.broker_names().collect::<Vec<_>>(), [GROUP]);
}

#[test]
fn sync_state_data_lists_only_known_groups_with_liveness() {
    let f = Fixture::three_replicas_with_master_1();
    let d = f.state.get_sync_state_data(
        &[GROUP.to_owned(), "nobody".to_owned()],
        &only(|id| id != 2),
    );
    let text = String::from_utf8(d.body.unwrap()).unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"replicasInfoTable":{"broker-set-a":{"inSyncReplicas":["#,
            r#"{"alive":true,"brokerAddress":"127.0.0.1:9000","brokerId":1,"brokerName":"broker-set-a"},"#,
            r#"{"alive":false,"brokerAddress":"127.0.0.1:9001","brokerId":2,"brokerName":"broker-set-a"},"#,
            r#"{"alive":true,"brokerAddress":"127.0.0.1:9002","brokerId":3,"brokerName":"broker-set-a"}],"#,
            r#""masterAddress":"127.0.0.1:9000","masterBrokerId":1,"masterEpoch":1,"#,
            r#""notInSyncReplicas":[],"syncStateSetEpoch":2}}}"#
        )
    );
    let missing = f.state.get_replica_info(&GetReplicaInfoRequestHeader {
        broker_name: "nobody".into(),
    });
    assert_eq!(
        missing.code,
        ResponseCode::CONTROLLER_BROKER_METADATA_NOT_EXIST
    );
}

#[test]
fn state_and_events_survive_their_json_form() {
    let mut f = Fixture::three_replicas_with_master_1();
    f.elect(-1, false, &only(|id| id == 2));
    let json = serde_json::to_vec(&f.state).unwrap();
    let back: ReplicasInfo = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, f.state);

    let event = ControllerEvent::ElectMaster {
        new_master_elected: true,
        broker_name: GROUP.into(),
        new_master_broker_id: Some(2),
    };
    let text = serde_json::to_string(&event).unwrap();
    assert_eq!(
        text,
        r#"{"ElectMaster":{"new_master_elected":true,"broker_name":"broker-set-a","new_master_broker_id":2}}"#
    );
    assert_eq!(
        serde_json::from_str::<ControllerEvent>(&text).unwrap(),
        event
    );
    let clean: ControllerEvent = serde_json::from_str(
        r#"{"CleanBrokerData":{"broker_name":"b","broker_id_set_to_clean":[3,1]}}"#,
    )
    .unwrap();
    assert_eq!(
        clean,
        ControllerEvent::CleanBrokerData {
            broker_name: "b".into(),
            broker_id_set_to_clean: Some(BTreeSet::from([1, 3])),
        }
    );
}
