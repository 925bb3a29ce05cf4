//! Headers of the RocketMQ 5 controller's codes (1001–1013); BROKER_HEARTBEAT (904) reuses
//! [`super::BrokerHeartbeatRequestHeader`].
//!
//! Java's controller headers are mostly boxed (`Long`, `Integer`) and carry no `@CFNotNull`,
//! so Java decodes an absent field as null and fails later, in the handler, with a null
//! unboxing or a null map key; the peer sees SYSTEM_ERROR. Such fields are required here: the
//! peer gets the same code, with a remark that names the field. A boxed field whose null Java
//! does handle (`masterBrokerId` of ALTER_SYNC_STATE_SET, the `clusterName` of
//! CLEAN_BROKER_DATA) is an `Option`. Primitive fields (`long invokeTime`,
//! `boolean isCleanLivingBroker`) are defaulted: Java always writes them. Response headers
//! are all optional, as Java leaves them null on error answers and writes nothing for them.

crate::command_header! {
    /// CONTROLLER_ALTER_SYNC_STATE_SET (1001); the body is the proposed SyncStateSet.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AlterSyncStateSetRequestHeader {
        pub broker_name: String = "brokerName",
        /// Null in Java is answered CONTROLLER_INVALID_MASTER, not a failure.
        pub master_broker_id: Option<i64> = "masterBrokerId",
        pub master_epoch: i32 = "masterEpoch",
        pub invoke_time: i64 = "invokeTime" or default,
    }
}

crate::command_header! {
    /// Response header of CONTROLLER_ALTER_SYNC_STATE_SET. Java's field is a primitive `int`,
    /// so it is written (as 0) on error answers too.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct AlterSyncStateSetResponseHeader {
        pub new_sync_state_set_epoch: i32 = "newSyncStateSetEpoch" or default,
    }
}

crate::command_header! {
    /// CONTROLLER_ELECT_MASTER (1002). Every field but `invokeTime` is `@CFNotNull` in Java.
    /// A broker sends its own id (it wins the group's first election); `mqadmin electMaster`
    /// sends `designateElect=true` and the id it wants; the controller's own re-election uses
    /// broker id -1.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ElectMasterRequestHeader {
        pub cluster_name: String = "clusterName",
        pub broker_name: String = "brokerName",
        pub broker_id: i64 = "brokerId",
        pub designate_elect: bool = "designateElect",
        pub invoke_time: Option<i64> = "invokeTime",
    }
}

crate::command_header! {
    /// Response header of CONTROLLER_ELECT_MASTER (also sent with CONTROLLER_MASTER_STILL_EXIST).
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct ElectMasterResponseHeader {
        pub master_broker_id: Option<i64> = "masterBrokerId",
        pub master_address: Option<String> = "masterAddress",
        pub master_epoch: Option<i32> = "masterEpoch",
        pub sync_state_set_epoch: Option<i32> = "syncStateSetEpoch",
    }
}

crate::command_header! {
    /// CONTROLLER_REGISTER_BROKER (1003), the 5.1.1+ form (5.0.0/5.1.0 sent another header).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RegisterBrokerToControllerRequestHeader {
        pub cluster_name: String = "clusterName",
        pub broker_name: String = "brokerName",
        pub broker_id: i64 = "brokerId",
        pub broker_address: String = "brokerAddress",
        pub invoke_time: i64 = "invokeTime" or default,
    }
}

crate::command_header! {
    /// Response header of CONTROLLER_REGISTER_BROKER; the master fields only while the
    /// group's master is alive.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct RegisterBrokerToControllerResponseHeader {
        pub cluster_name: Option<String> = "clusterName",
        pub broker_name: Option<String> = "brokerName",
        pub master_broker_id: Option<i64> = "masterBrokerId",
        pub master_address: Option<String> = "masterAddress",
        pub master_epoch: Option<i32> = "masterEpoch",
        pub sync_state_set_epoch: Option<i32> = "syncStateSetEpoch",
    }
}

crate::command_header! {
    /// CONTROLLER_GET_REPLICA_INFO (1004).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetReplicaInfoRequestHeader {
        pub broker_name: String = "brokerName",
    }
}

crate::command_header! {
    /// Response header of CONTROLLER_GET_REPLICA_INFO; the body is the SyncStateSet.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct GetReplicaInfoResponseHeader {
        pub master_broker_id: Option<i64> = "masterBrokerId",
        pub master_address: Option<String> = "masterAddress",
        pub master_epoch: Option<i32> = "masterEpoch",
    }
}

crate::command_header! {
    /// Response header of CONTROLLER_GET_METADATA_INFO (1005), which has no request header.
    /// `peers` is `id:address;` per controller, each followed by `;`.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct GetMetaDataResponseHeader {
        pub group: Option<String> = "group",
        pub controller_leader_id: Option<String> = "controllerLeaderId",
        pub controller_leader_address: Option<String> = "controllerLeaderAddress",
        /// A primitive `boolean` named `isLeader` in Java, so that is the wire name.
        pub is_leader: bool = "isLeader" or default,
        pub peers: Option<String> = "peers",
    }
}

crate::command_header! {
    /// CONTROLLER_GET_NEXT_BROKER_ID (1012).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetNextBrokerIdRequestHeader {
        pub cluster_name: String = "clusterName",
        pub broker_name: String = "brokerName",
    }
}

crate::command_header! {
    /// Response header of CONTROLLER_GET_NEXT_BROKER_ID.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct GetNextBrokerIdResponseHeader {
        pub cluster_name: Option<String> = "clusterName",
        pub broker_name: Option<String> = "brokerName",
        pub next_broker_id: Option<i64> = "nextBrokerId",
    }
}

crate::command_header! {
    /// CONTROLLER_APPLY_BROKER_ID (1013). `registerCheckCode` is `address;timestamp`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ApplyBrokerIdRequestHeader {
        pub cluster_name: String = "clusterName",
        pub broker_name: String = "brokerName",
        pub applied_broker_id: i64 = "appliedBrokerId",
        pub register_check_code: String = "registerCheckCode",
    }
}

crate::command_header! {
    /// Response header of CONTROLLER_APPLY_BROKER_ID.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct ApplyBrokerIdResponseHeader {
        pub cluster_name: Option<String> = "clusterName",
        pub broker_name: Option<String> = "brokerName",
    }
}

crate::command_header! {
    /// CLEAN_BROKER_DATA (1011), from `mqadmin cleanBrokerMetadata`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CleanControllerBrokerDataRequestHeader {
        pub cluster_name: Option<String> = "clusterName",
        pub broker_name: String = "brokerName",
        /// Broker ids joined by `;`; absent or blank means the whole group.
        pub broker_controller_ids_to_clean: Option<String> = "brokerControllerIdsToClean",
        pub is_clean_living_broker: bool = "isCleanLivingBroker" or default,
        pub invoke_time: i64 = "invokeTime" or default,
    }
}

crate::command_header! {
    /// NOTIFY_BROKER_ROLE_CHANGED (1008), sent one-way by the controller after an election;
    /// the body is the new SyncStateSet.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct NotifyBrokerRoleChangedRequestHeader {
        pub master_address: Option<String> = "masterAddress",
        pub master_epoch: Option<i32> = "masterEpoch",
        pub sync_state_set_epoch: Option<i32> = "syncStateSetEpoch",
        pub master_broker_id: Option<i64> = "masterBrokerId",
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_round_trip, ext, noisy};
    use super::*;
    use crate::error::HeaderError;
    use crate::headers::CommandHeader;

    #[test]
    fn alter_sync_state_set_reads_what_a_master_sends() {
        let wire = [
            ("brokerName", "broker-a"),
            ("masterBrokerId", "1"),
            ("masterEpoch", "3"),
            ("invokeTime", "1700000000000"),
        ];
        let header = AlterSyncStateSetRequestHeader {
            broker_name: "broker-a".into(),
            master_broker_id: Some(1),
            master_epoch: 3,
            invoke_time: 1_700_000_000_000,
        };
        assert_round_trip(&header, &wire);
        assert_eq!(
            AlterSyncStateSetRequestHeader::from_ext(Some(&noisy(&wire))),
            Ok(header)
        );
        let no_master = AlterSyncStateSetRequestHeader::from_ext(Some(&ext(&[
            ("brokerName", "broker-a"),
            ("masterEpoch", "3"),
        ])))
        .unwrap();
        assert_eq!(no_master.master_broker_id, None);
        assert_eq!(no_master.invoke_time, 0);
        assert_eq!(
            AlterSyncStateSetRequestHeader::from_ext(Some(&ext(&[("brokerName", "b")]))),
            Err(HeaderError::Missing("masterEpoch"))
        );
    }

    #[test]
    fn alter_response_writes_its_primitive_epoch_even_when_zero() {
        assert_round_trip(
            &AlterSyncStateSetResponseHeader::default(),
            &[("newSyncStateSetEpoch", "0")],
        );
    }

    #[test]
    fn elect_master_requires_the_fields_java_marks_not_null() {
        let wire = [
            ("clusterName", "DefaultCluster"),
            ("brokerName", "broker-a"),
            ("brokerId", "2"),
            ("designateElect", "true"),
            ("invokeTime", "5"),
        ];
        let header = ElectMasterRequestHeader {
            cluster_name: "DefaultCluster".into(),
            broker_name: "broker-a".into(),
            broker_id: 2,
            designate_elect: true,
            invoke_time: Some(5),
        };
        assert_round_trip(&header, &wire);
        for missing in ["clusterName", "brokerName", "brokerId", "designateElect"] {
            let fields: crate::ExtFields = wire
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            assert_eq!(
                ElectMasterRequestHeader::from_ext(Some(&fields)),
                Err(HeaderError::Missing(missing))
            );
        }
    }

    #[test]
    fn elect_master_response_skips_what_an_error_answer_leaves_null() {
        assert_round_trip(&ElectMasterResponseHeader::default(), &[]);
        assert_round_trip(
            &ElectMasterResponseHeader {
                master_broker_id: Some(2),
                master_address: Some("127.0.0.1:30911".into()),
                master_epoch: Some(2),
                sync_state_set_epoch: Some(3),
            },
            &[
                ("masterBrokerId", "2"),
                ("masterAddress", "127.0.0.1:30911"),
                ("masterEpoch", "2"),
                ("syncStateSetEpoch", "3"),
            ],
        );
    }

    #[test]
    fn register_to_controller_round_trips() {
        assert_round_trip(
            &RegisterBrokerToControllerRequestHeader {
                cluster_name: "c".into(),
                broker_name: "b".into(),
                broker_id: 1,
                broker_address: "127.0.0.1:30911".into(),
                invoke_time: 9,
            },
            &[
                ("clusterName", "c"),
                ("brokerName", "b"),
                ("brokerId", "1"),
                ("brokerAddress", "127.0.0.1:30911"),
                ("invokeTime", "9"),
            ],
        );
        assert_round_trip(
            &RegisterBrokerToControllerResponseHeader {
                cluster_name: Some("c".into()),
                broker_name: Some("b".into()),
                master_broker_id: Some(1),
                master_address: Some("127.0.0.1:30911".into()),
                master_epoch: Some(1),
                sync_state_set_epoch: Some(2),
            },
            &[
                ("clusterName", "c"),
                ("brokerName", "b"),
                ("masterBrokerId", "1"),
                ("masterAddress", "127.0.0.1:30911"),
                ("masterEpoch", "1"),
                ("syncStateSetEpoch", "2"),
            ],
        );
    }

    #[test]
    fn id_allocation_headers_round_trip() {
        assert_round_trip(
            &GetNextBrokerIdRequestHeader {
                cluster_name: "c".into(),
                broker_name: "b".into(),
            },
            &[("clusterName", "c"), ("brokerName", "b")],
        );
        assert_round_trip(
            &GetNextBrokerIdResponseHeader {
                cluster_name: Some("c".into()),
                broker_name: Some("b".into()),
                next_broker_id: Some(1),
            },
            &[
                ("clusterName", "c"),
                ("brokerName", "b"),
                ("nextBrokerId", "1"),
            ],
        );
        assert_round_trip(
            &ApplyBrokerIdRequestHeader {
                cluster_name: "c".into(),
                broker_name: "b".into(),
                applied_broker_id: 1,
                register_check_code: "127.0.0.1:30911;1700000000000".into(),
            },
            &[
                ("clusterName", "c"),
                ("brokerName", "b"),
                ("appliedBrokerId", "1"),
                ("registerCheckCode", "127.0.0.1:30911;1700000000000"),
            ],
        );
        assert_eq!(
            ApplyBrokerIdRequestHeader::from_ext(Some(&ext(&[
                ("clusterName", "c"),
                ("brokerName", "b"),
                ("appliedBrokerId", "x"),
            ]))),
            Err(HeaderError::Malformed {
                field: "appliedBrokerId",
                value: "x".into()
            })
        );
    }

    #[test]
    fn metadata_response_uses_javas_is_leader_name() {
        assert_round_trip(
            &GetMetaDataResponseHeader {
                group: Some("DefaultGroup".into()),
                controller_leader_id: Some("n0".into()),
                controller_leader_address: Some("127.0.0.1:9878".into()),
                is_leader: true,
                peers: Some("n0:127.0.0.1:9878;n1:127.0.0.1:9868;".into()),
            },
            &[
                ("group", "DefaultGroup"),
                ("controllerLeaderId", "n0"),
                ("controllerLeaderAddress", "127.0.0.1:9878"),
                ("isLeader", "true"),
                ("peers", "n0:127.0.0.1:9878;n1:127.0.0.1:9868;"),
            ],
        );
    }

    #[test]
    fn clean_broker_data_defaults_its_primitives() {
        let header = CleanControllerBrokerDataRequestHeader::from_ext(Some(&ext(&[(
            "brokerName",
            "broker-a",
        )])))
        .unwrap();
        assert_eq!(header.cluster_name, None);
        assert_eq!(header.broker_controller_ids_to_clean, None);
        assert!(!header.is_clean_living_broker);
        assert_round_trip(
            &CleanControllerBrokerDataRequestHeader {
                cluster_name: Some("c".into()),
                broker_name: "b".into(),
                broker_controller_ids_to_clean: Some("1;2".into()),
                is_clean_living_broker: true,
                invoke_time: 7,
            },
            &[
                ("clusterName", "c"),
                ("brokerName", "b"),
                ("brokerControllerIdsToClean", "1;2"),
                ("isCleanLivingBroker", "true"),
                ("invokeTime", "7"),
            ],
        );
    }

    #[test]
    fn notify_role_changed_keeps_javas_field_order() {
        assert_round_trip(
            &NotifyBrokerRoleChangedRequestHeader {
                master_address: Some("127.0.0.1:30911".into()),
                master_epoch: Some(2),
                sync_state_set_epoch: Some(2),
                master_broker_id: Some(1),
            },
            &[
                ("masterAddress", "127.0.0.1:30911"),
                ("masterEpoch", "2"),
                ("syncStateSetEpoch", "2"),
                ("masterBrokerId", "1"),
            ],
        );
        assert_round_trip(
            &GetReplicaInfoResponseHeader {
                master_broker_id: Some(1),
                master_address: None,
                master_epoch: Some(4),
            },
            &[("masterBrokerId", "1"), ("masterEpoch", "4")],
        );
        assert_round_trip(
            &GetReplicaInfoRequestHeader {
                broker_name: "b".into(),
            },
            &[("brokerName", "b")],
        );
        assert_round_trip(
            &ApplyBrokerIdResponseHeader {
                cluster_name: Some("c".into()),
                broker_name: Some("b".into()),
            },
            &[("clusterName", "c"), ("brokerName", "b")],
        );
    }
}
