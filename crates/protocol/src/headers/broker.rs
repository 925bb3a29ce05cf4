//! Headers a broker sends about itself (103, 104, 322, 901, 904) and the one the name server
//! sends to brokers (905).

crate::command_header! {
    /// REGISTER_BROKER (103).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RegisterBrokerRequestHeader {
        pub broker_name: String = "brokerName",
        pub broker_addr: String = "brokerAddr",
        pub cluster_name: String = "clusterName",
        /// Java declares it required, but only stores it; a broker that omits it reads as `""`
        /// rather than being refused.
        pub ha_server_addr: String = "haServerAddr" or default,
        pub broker_id: i64 = "brokerId",
        /// Per-broker expiry; 5.x brokers send it only with slave-acting-master on.
        pub heartbeat_timeout_millis: Option<i64> = "heartbeatTimeoutMillis",
        /// Sent by every 5.x broker and by no 4.x one: `None` marks an old broker.
        pub enable_acting_master: Option<bool> = "enableActingMaster",
        /// The body is the zlib form of RegisterBrokerBody.
        pub compressed: bool = "compressed" or default,
        /// CRC-32 of the body masked to 31 bits; 0 (also when absent) disables the check.
        pub body_crc32: i32 = "bodyCrc32" or default,
    }
}

crate::command_header! {
    /// Response header of REGISTER_BROKER: the master's addresses, for a slave only.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct RegisterBrokerResponseHeader {
        pub ha_server_addr: Option<String> = "haServerAddr",
        pub master_addr: Option<String> = "masterAddr",
    }
}

crate::command_header! {
    /// UNREGISTER_BROKER (104). Java's class is spelled `UnRegisterBrokerRequestHeader`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct UnregisterBrokerRequestHeader {
        pub broker_name: String = "brokerName",
        pub broker_addr: String = "brokerAddr",
        pub cluster_name: String = "clusterName",
        pub broker_id: i64 = "brokerId",
    }
}

crate::command_header! {
    /// QUERY_DATA_VERSION (322).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct QueryDataVersionRequestHeader {
        pub broker_name: String = "brokerName",
        pub broker_addr: String = "brokerAddr",
        pub cluster_name: String = "clusterName",
        pub broker_id: i64 = "brokerId",
        /// Ours, not Java's: `true` asks without counting as the broker being heard from, so
        /// a monitoring tool reading data versions never keeps a silent broker alive. Java
        /// name servers ignore the key (and refresh the broker).
        pub read_only: Option<bool> = "__READ_ONLY",
    }
}

crate::command_header! {
    /// Response header of QUERY_DATA_VERSION.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct QueryDataVersionResponseHeader {
        /// The broker's data differs from ours (or we have none): it should register again.
        pub changed: bool = "changed",
    }
}

crate::command_header! {
    /// GET_BROKER_MEMBER_GROUP (901).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetBrokerMemberGroupRequestHeader {
        pub cluster_name: String = "clusterName",
        pub broker_name: String = "brokerName",
    }
}

crate::command_header! {
    /// BROKER_HEARTBEAT (904). Only the three identity fields matter to a name server; the rest
    /// are for the controller and are carried so a tool can send a complete header.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct BrokerHeartbeatRequestHeader {
        pub cluster_name: String = "clusterName",
        pub broker_addr: String = "brokerAddr",
        pub broker_name: String = "brokerName",
        pub broker_id: Option<i64> = "brokerId",
        pub epoch: Option<i32> = "epoch",
        pub max_offset: Option<i64> = "maxOffset",
        pub confirm_offset: Option<i64> = "confirmOffset",
        /// Spelled `heartbeatTimeoutMills` on the wire, as in Java.
        pub heartbeat_timeout_mills: Option<i64> = "heartbeatTimeoutMills",
        pub election_priority: Option<i32> = "electionPriority",
    }
}

crate::command_header! {
    /// NOTIFY_MIN_BROKER_ID_CHANGE (905), sent by the name server to the brokers of a group.
    /// Java never fills `brokerName`; it is kept so the header reads back whatever a peer wrote.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct NotifyMinBrokerIdChangeRequestHeader {
        pub min_broker_id: Option<i64> = "minBrokerId",
        pub broker_name: Option<String> = "brokerName",
        pub min_broker_addr: Option<String> = "minBrokerAddr",
        pub offline_broker_addr: Option<String> = "offlineBrokerAddr",
        pub ha_broker_addr: Option<String> = "haBrokerAddr",
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_round_trip, ext, noisy};
    use super::*;
    use crate::error::HeaderError;
    use crate::ext_fields::ExtFields;
    use crate::headers::CommandHeader;

    const REGISTER: &[(&str, &str)] = &[
        ("brokerName", "broker-a"),
        ("brokerAddr", "10.0.0.1:10911"),
        ("clusterName", "DefaultCluster"),
        ("haServerAddr", "10.0.0.1:10912"),
        ("brokerId", "0"),
        ("heartbeatTimeoutMillis", "10000"),
        ("enableActingMaster", "true"),
        ("compressed", "true"),
        ("bodyCrc32", "-123456789"),
    ];

    /// `fields` without `name`.
    fn without(fields: &[(&'static str, &'static str)], name: &str) -> ExtFields {
        fields.iter().copied().filter(|(k, _)| *k != name).collect()
    }

    /// `fields` with `name` set to `value`.
    fn with(fields: &[(&'static str, &'static str)], name: &str, value: &str) -> ExtFields {
        let mut ext: ExtFields = fields.iter().copied().collect();
        ext.insert(name, value);
        ext
    }

    fn register() -> RegisterBrokerRequestHeader {
        RegisterBrokerRequestHeader {
            broker_name: "broker-a".into(),
            broker_addr: "10.0.0.1:10911".into(),
            cluster_name: "DefaultCluster".into(),
            ha_server_addr: "10.0.0.1:10912".into(),
            broker_id: 0,
            heartbeat_timeout_millis: Some(10000),
            enable_acting_master: Some(true),
            compressed: true,
            body_crc32: -123456789,
        }
    }

    #[test]
    fn register_reads_and_writes_every_field() {
        assert_round_trip(&register(), REGISTER);
        assert_eq!(
            RegisterBrokerRequestHeader::from_ext(Some(&noisy(REGISTER))),
            Ok(register())
        );
    }

    #[test]
    fn register_from_a_4x_broker_has_no_acting_master_flag_and_defaults() {
        let old = ext(&[
            ("brokerName", "broker-a"),
            ("brokerAddr", "10.0.0.1:10911"),
            ("clusterName", "DefaultCluster"),
            ("haServerAddr", "10.0.0.1:10912"),
            ("brokerId", "1"),
        ]);
        let header = RegisterBrokerRequestHeader::from_ext(Some(&old)).unwrap();
        assert_eq!(header.broker_id, 1);
        assert_eq!(header.enable_acting_master, None);
        assert_eq!(header.heartbeat_timeout_millis, None);
        assert!(!header.compressed);
        assert_eq!(header.body_crc32, 0);
        // Java writes the primitive and defaulted fields even when nobody set them.
        let written = header.to_ext();
        assert_eq!(written.get("compressed"), Some("false"));
        assert_eq!(written.get("bodyCrc32"), Some("0"));
        assert_eq!(written.get("enableActingMaster"), None);
    }

    #[test]
    fn register_requires_identity_fields_but_not_the_ha_address() {
        for name in ["brokerName", "brokerAddr", "clusterName", "brokerId"] {
            assert_eq!(
                RegisterBrokerRequestHeader::from_ext(Some(&without(REGISTER, name))),
                Err(HeaderError::Missing(name))
            );
        }
        let header =
            RegisterBrokerRequestHeader::from_ext(Some(&without(REGISTER, "haServerAddr")))
                .unwrap();
        assert_eq!(header.ha_server_addr, "");
        assert_eq!(
            RegisterBrokerRequestHeader::from_ext(None),
            Err(HeaderError::Missing("brokerName"))
        );
    }

    #[test]
    fn register_numbers_must_parse() {
        for (name, bad) in [
            ("brokerId", "zero"),
            ("heartbeatTimeoutMillis", "10s"),
            ("bodyCrc32", "4294967295"),
            ("bodyCrc32", ""),
        ] {
            assert_eq!(
                RegisterBrokerRequestHeader::from_ext(Some(&with(REGISTER, name, bad))),
                Err(HeaderError::Malformed {
                    field: name,
                    value: bad.into()
                })
            );
        }
    }

    #[test]
    fn register_booleans_are_lenient() {
        for (text, expected) in [("TRUE", true), ("True", true), ("yes", false), ("", false)] {
            let mut fields = with(REGISTER, "compressed", text);
            fields.insert("enableActingMaster", text);
            let header = RegisterBrokerRequestHeader::from_ext(Some(&fields)).unwrap();
            assert_eq!(header.compressed, expected, "{text:?}");
            assert_eq!(header.enable_acting_master, Some(expected), "{text:?}");
        }
    }

    #[test]
    fn register_response_fields_are_optional() {
        assert_round_trip(
            &RegisterBrokerResponseHeader {
                ha_server_addr: Some("10.0.0.1:10912".into()),
                master_addr: Some("10.0.0.1:10911".into()),
            },
            &[
                ("haServerAddr", "10.0.0.1:10912"),
                ("masterAddr", "10.0.0.1:10911"),
            ],
        );
        assert_round_trip(&RegisterBrokerResponseHeader::default(), &[]);
        assert_eq!(
            RegisterBrokerResponseHeader::from_ext(Some(&noisy(&[("masterAddr", "m")]))),
            Ok(RegisterBrokerResponseHeader {
                ha_server_addr: None,
                master_addr: Some("m".into())
            })
        );
    }

    const IDENTITY: &[(&str, &str)] = &[
        ("brokerName", "broker-a"),
        ("brokerAddr", "10.0.0.1:10911"),
        ("clusterName", "DefaultCluster"),
        ("brokerId", "2"),
    ];

    #[test]
    fn unregister_reads_writes_and_validates() {
        let header = UnregisterBrokerRequestHeader {
            broker_name: "broker-a".into(),
            broker_addr: "10.0.0.1:10911".into(),
            cluster_name: "DefaultCluster".into(),
            broker_id: 2,
        };
        assert_round_trip(&header, IDENTITY);
        assert_eq!(
            UnregisterBrokerRequestHeader::from_ext(Some(&noisy(IDENTITY))),
            Ok(header)
        );
        for (name, _) in IDENTITY {
            assert_eq!(
                UnregisterBrokerRequestHeader::from_ext(Some(&without(IDENTITY, name))),
                Err(HeaderError::Missing(name))
            );
        }
        assert!(matches!(
            UnregisterBrokerRequestHeader::from_ext(Some(&with(IDENTITY, "brokerId", "1.0"))),
            Err(HeaderError::Malformed {
                field: "brokerId",
                ..
            })
        ));
    }

    #[test]
    fn query_data_version_reads_writes_and_validates() {
        let header = QueryDataVersionRequestHeader {
            broker_name: "broker-a".into(),
            broker_addr: "10.0.0.1:10911".into(),
            cluster_name: "DefaultCluster".into(),
            broker_id: 2,
            read_only: None,
        };
        assert_round_trip(&header, IDENTITY);
        assert_eq!(
            QueryDataVersionRequestHeader::from_ext(Some(&noisy(IDENTITY))),
            Ok(header)
        );
        for (name, _) in IDENTITY {
            assert_eq!(
                QueryDataVersionRequestHeader::from_ext(Some(&without(IDENTITY, name))),
                Err(HeaderError::Missing(name))
            );
        }
        assert_eq!(
            QueryDataVersionRequestHeader::from_ext(Some(&with(IDENTITY, "brokerId", "-"))),
            Err(HeaderError::Malformed {
                field: "brokerId",
                value: "-".into()
            })
        );
    }

    #[test]
    fn query_data_version_response_is_a_lenient_required_boolean() {
        assert_round_trip(
            &QueryDataVersionResponseHeader { changed: true },
            &[("changed", "true")],
        );
        assert_round_trip(
            &QueryDataVersionResponseHeader { changed: false },
            &[("changed", "false")],
        );
        for (text, expected) in [("TRUE", true), ("yes", false), ("", false)] {
            assert_eq!(
                QueryDataVersionResponseHeader::from_ext(Some(&noisy(&[("changed", text)]))),
                Ok(QueryDataVersionResponseHeader { changed: expected })
            );
        }
        assert_eq!(
            QueryDataVersionResponseHeader::from_ext(None),
            Err(HeaderError::Missing("changed"))
        );
    }

    #[test]
    fn member_group_reads_writes_and_validates() {
        let fields = &[
            ("clusterName", "DefaultCluster"),
            ("brokerName", "broker-a"),
        ];
        let header = GetBrokerMemberGroupRequestHeader {
            cluster_name: "DefaultCluster".into(),
            broker_name: "broker-a".into(),
        };
        assert_round_trip(&header, fields);
        assert_eq!(
            GetBrokerMemberGroupRequestHeader::from_ext(Some(&noisy(fields))),
            Ok(header)
        );
        assert_eq!(
            GetBrokerMemberGroupRequestHeader::from_ext(Some(&without(fields, "clusterName"))),
            Err(HeaderError::Missing("clusterName"))
        );
        assert_eq!(
            GetBrokerMemberGroupRequestHeader::from_ext(Some(&without(fields, "brokerName"))),
            Err(HeaderError::Missing("brokerName"))
        );
    }

    const HEARTBEAT: &[(&str, &str)] = &[
        ("clusterName", "DefaultCluster"),
        ("brokerAddr", "10.0.0.1:10911"),
        ("brokerName", "broker-a"),
        ("brokerId", "1"),
        ("epoch", "3"),
        ("maxOffset", "9007199254740993"),
        ("confirmOffset", "-1"),
        ("heartbeatTimeoutMills", "10000"),
        ("electionPriority", "2147483647"),
    ];

    #[test]
    fn heartbeat_reads_and_writes_every_field() {
        let header = BrokerHeartbeatRequestHeader {
            cluster_name: "DefaultCluster".into(),
            broker_addr: "10.0.0.1:10911".into(),
            broker_name: "broker-a".into(),
            broker_id: Some(1),
            epoch: Some(3),
            max_offset: Some(9007199254740993),
            confirm_offset: Some(-1),
            heartbeat_timeout_mills: Some(10000),
            election_priority: Some(i32::MAX),
        };
        assert_round_trip(&header, HEARTBEAT);
        assert_eq!(
            BrokerHeartbeatRequestHeader::from_ext(Some(&noisy(HEARTBEAT))),
            Ok(header)
        );
        let minimal = BrokerHeartbeatRequestHeader::from_ext(Some(&ext(&HEARTBEAT[..3]))).unwrap();
        assert_eq!(minimal.broker_id, None);
        assert_eq!(minimal.election_priority, None);
        assert_eq!(minimal.to_ext().len(), 3);
    }

    #[test]
    fn heartbeat_validates_required_and_numeric_fields() {
        for (name, _) in &HEARTBEAT[..3] {
            assert_eq!(
                BrokerHeartbeatRequestHeader::from_ext(Some(&without(HEARTBEAT, name))),
                Err(HeaderError::Missing(name))
            );
        }
        for name in ["epoch", "electionPriority"] {
            assert_eq!(
                BrokerHeartbeatRequestHeader::from_ext(Some(&with(HEARTBEAT, name, "2147483648"))),
                Err(HeaderError::Malformed {
                    field: name,
                    value: "2147483648".into()
                })
            );
        }
        assert!(matches!(
            BrokerHeartbeatRequestHeader::from_ext(Some(&with(HEARTBEAT, "maxOffset", "x"))),
            Err(HeaderError::Malformed {
                field: "maxOffset",
                ..
            })
        ));
    }

    #[test]
    fn notify_min_broker_id_change_reads_and_writes_every_field() {
        let fields = &[
            ("minBrokerId", "1"),
            ("brokerName", "broker-a"),
            ("minBrokerAddr", "10.0.0.2:10911"),
            ("offlineBrokerAddr", "10.0.0.1:10911"),
            ("haBrokerAddr", "10.0.0.2:10912"),
        ];
        let header = NotifyMinBrokerIdChangeRequestHeader {
            min_broker_id: Some(1),
            broker_name: Some("broker-a".into()),
            min_broker_addr: Some("10.0.0.2:10911".into()),
            offline_broker_addr: Some("10.0.0.1:10911".into()),
            ha_broker_addr: Some("10.0.0.2:10912".into()),
        };
        assert_round_trip(&header, fields);
        assert_eq!(
            NotifyMinBrokerIdChangeRequestHeader::from_ext(Some(&noisy(fields))),
            Ok(header)
        );
        assert_round_trip(&NotifyMinBrokerIdChangeRequestHeader::default(), &[]);
        assert_eq!(
            NotifyMinBrokerIdChangeRequestHeader::from_ext(None),
            Ok(NotifyMinBrokerIdChangeRequestHeader::default())
        );
        assert!(matches!(
            NotifyMinBrokerIdChangeRequestHeader::from_ext(Some(&ext(&[("minBrokerId", "one")]))),
            Err(HeaderError::Malformed {
                field: "minBrokerId",
                ..
            })
        ));
    }
}
