//! Headers of the topic-level admin requests (205, 216, 217, 224, 327).

crate::command_header! {
    /// WIPE_WRITE_PERM_OF_BROKER (205).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct WipeWritePermOfBrokerRequestHeader {
        pub broker_name: String = "brokerName",
    }
}

crate::command_header! {
    /// Response header of WIPE_WRITE_PERM_OF_BROKER: how many topics lost their write bit.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct WipeWritePermOfBrokerResponseHeader {
        pub wipe_topic_count: i32 = "wipeTopicCount",
    }
}

crate::command_header! {
    /// ADD_WRITE_PERM_OF_BROKER (327).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AddWritePermOfBrokerRequestHeader {
        pub broker_name: String = "brokerName",
    }
}

crate::command_header! {
    /// Response header of ADD_WRITE_PERM_OF_BROKER: how many topics were set to read|write.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AddWritePermOfBrokerResponseHeader {
        pub add_topic_count: i32 = "addTopicCount",
    }
}

crate::command_header! {
    /// DELETE_TOPIC_IN_NAMESRV (216). Without a cluster name the topic goes everywhere.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeleteTopicFromNamesrvRequestHeader {
        pub topic: String = "topic",
        pub cluster_name: Option<String> = "clusterName",
    }
}

crate::command_header! {
    /// REGISTER_TOPIC_IN_NAMESRV (217); the queues come in the body.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RegisterTopicRequestHeader {
        pub topic: String = "topic",
    }
}

crate::command_header! {
    /// GET_TOPICS_BY_CLUSTER (224). The field is `cluster`, not `clusterName`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetTopicsByClusterRequestHeader {
        pub cluster: String = "cluster",
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_round_trip, ext, noisy};
    use super::*;
    use crate::error::HeaderError;
    use crate::headers::CommandHeader;

    #[test]
    fn perm_requests_read_write_and_require_the_broker_name() {
        assert_round_trip(
            &WipeWritePermOfBrokerRequestHeader {
                broker_name: "broker-a".into(),
            },
            &[("brokerName", "broker-a")],
        );
        assert_round_trip(
            &AddWritePermOfBrokerRequestHeader {
                broker_name: "broker-a".into(),
            },
            &[("brokerName", "broker-a")],
        );
        let fields = noisy(&[("brokerName", "broker-b")]);
        assert_eq!(
            WipeWritePermOfBrokerRequestHeader::from_ext(Some(&fields))
                .unwrap()
                .broker_name,
            "broker-b"
        );
        assert_eq!(
            AddWritePermOfBrokerRequestHeader::from_ext(Some(&fields))
                .unwrap()
                .broker_name,
            "broker-b"
        );
        // `bname` is the inherited RPC field, not the broker name.
        assert_eq!(
            WipeWritePermOfBrokerRequestHeader::from_ext(Some(&noisy(&[]))),
            Err(HeaderError::Missing("brokerName"))
        );
        assert_eq!(
            AddWritePermOfBrokerRequestHeader::from_ext(None),
            Err(HeaderError::Missing("brokerName"))
        );
    }

    #[test]
    fn perm_responses_carry_a_decimal_count() {
        assert_round_trip(
            &WipeWritePermOfBrokerResponseHeader {
                wipe_topic_count: 0,
            },
            &[("wipeTopicCount", "0")],
        );
        assert_round_trip(
            &AddWritePermOfBrokerResponseHeader {
                add_topic_count: 12345,
            },
            &[("addTopicCount", "12345")],
        );
        assert_eq!(
            WipeWritePermOfBrokerResponseHeader::from_ext(Some(&ext(&[("wipeTopicCount", "x")]))),
            Err(HeaderError::Malformed {
                field: "wipeTopicCount",
                value: "x".into()
            })
        );
        assert_eq!(
            AddWritePermOfBrokerResponseHeader::from_ext(Some(&ext(&[("addTopicCount", "1e3")]))),
            Err(HeaderError::Malformed {
                field: "addTopicCount",
                value: "1e3".into()
            })
        );
        assert_eq!(
            WipeWritePermOfBrokerResponseHeader::from_ext(None),
            Err(HeaderError::Missing("wipeTopicCount"))
        );
        assert_eq!(
            AddWritePermOfBrokerResponseHeader::from_ext(Some(&noisy(&[]))),
            Err(HeaderError::Missing("addTopicCount"))
        );
    }

    #[test]
    fn delete_topic_has_an_optional_cluster() {
        let header = DeleteTopicFromNamesrvRequestHeader {
            topic: "TopicTest".into(),
            cluster_name: Some("DefaultCluster".into()),
        };
        assert_round_trip(
            &header,
            &[("topic", "TopicTest"), ("clusterName", "DefaultCluster")],
        );
        assert_eq!(
            DeleteTopicFromNamesrvRequestHeader::from_ext(Some(&noisy(&[
                ("clusterName", "DefaultCluster"),
                ("topic", "TopicTest"),
            ]))),
            Ok(header)
        );
        assert_round_trip(
            &DeleteTopicFromNamesrvRequestHeader {
                topic: "T".into(),
                cluster_name: None,
            },
            &[("topic", "T")],
        );
        assert_eq!(
            DeleteTopicFromNamesrvRequestHeader::from_ext(Some(&ext(&[("clusterName", "c")]))),
            Err(HeaderError::Missing("topic"))
        );
    }

    #[test]
    fn register_topic_requires_its_topic() {
        assert_round_trip(
            &RegisterTopicRequestHeader {
                topic: "TopicTest".into(),
            },
            &[("topic", "TopicTest")],
        );
        assert_eq!(
            RegisterTopicRequestHeader::from_ext(Some(&noisy(&[("topic", "T")]))),
            Ok(RegisterTopicRequestHeader { topic: "T".into() })
        );
        assert_eq!(
            RegisterTopicRequestHeader::from_ext(None),
            Err(HeaderError::Missing("topic"))
        );
    }

    #[test]
    fn topics_by_cluster_reads_cluster_not_cluster_name() {
        assert_round_trip(
            &GetTopicsByClusterRequestHeader {
                cluster: "DefaultCluster".into(),
            },
            &[("cluster", "DefaultCluster")],
        );
        assert_eq!(
            GetTopicsByClusterRequestHeader::from_ext(Some(&noisy(&[("cluster", "c")]))),
            Ok(GetTopicsByClusterRequestHeader {
                cluster: "c".into()
            })
        );
        assert_eq!(
            GetTopicsByClusterRequestHeader::from_ext(Some(&ext(&[("clusterName", "c")]))),
            Err(HeaderError::Missing("cluster"))
        );
    }
}
