//! Property tests of the body types: whatever we write, in either dialect or in the
//! compressed register form, reads back as the same value.

use std::collections::BTreeMap;

use namesrv_protocol::body::{
    BrokerData, DataVersion, JsonBody, JsonDialect, QueueData, RegisterBrokerBody, TopicConfig,
    TopicConfigSerializeWrapper, TopicQueueMappingInfo, TopicRouteData,
};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Names with the characters that need escaping in one dialect or the other.
    "[a-zA-Z0-9_%/\\-\"\\\\é漢😀\n\t]{0,12}"
}

fn queue_data() -> impl Strategy<Value = QueueData> {
    (text(), any::<i32>(), any::<i32>(), 0..16i32, 0..4i32).prop_map(|(n, r, w, p, f)| QueueData {
        broker_name: n,
        read_queue_nums: r,
        write_queue_nums: w,
        perm: p,
        topic_sys_flag: f,
    })
}

fn broker_data() -> impl Strategy<Value = BrokerData> {
    (
        text(),
        text(),
        prop::collection::btree_map(any::<i64>(), text(), 0..4),
        any::<bool>(),
        prop::option::of(text()),
    )
        .prop_map(|(c, n, addrs, acting, zone)| BrokerData {
            cluster: c,
            broker_name: n,
            broker_addrs: addrs,
            enable_acting_master: acting,
            zone_name: zone,
        })
}

fn mapping() -> impl Strategy<Value = TopicQueueMappingInfo> {
    (
        prop::option::of(text()),
        any::<i32>(),
        any::<i64>(),
        any::<bool>(),
        prop::option::of(prop::collection::btree_map(
            any::<i32>(),
            any::<i32>(),
            0..4,
        )),
    )
        .prop_map(|(topic, total, epoch, dirty, ids)| TopicQueueMappingInfo {
            topic,
            scope: Some("__global__".into()),
            total_queues: total,
            bname: Some("b".into()),
            epoch,
            dirty,
            curr_id_map: ids,
        })
}

fn route() -> impl Strategy<Value = TopicRouteData> {
    (
        prop::option::of(text()),
        prop::collection::vec(queue_data(), 0..4),
        prop::collection::vec(broker_data(), 0..4),
        prop::collection::btree_map(text(), prop::collection::vec(text(), 0..3), 0..3),
        prop::option::of(prop::collection::btree_map(text(), mapping(), 0..3)),
    )
        .prop_map(|(order, q, b, f, m)| TopicRouteData {
            order_topic_conf: order,
            queue_datas: q,
            broker_datas: b,
            filter_server_table: f,
            topic_queue_mapping_by_broker: m,
        })
}

/// Topic names without spaces: the compressed form separates fields with spaces.
fn topic_config() -> impl Strategy<Value = (String, TopicConfig)> {
    ("[a-zA-Z0-9_%-]{1,20}", 0..1024i32, 0..1024i32, 0..8i32).prop_map(|(n, r, w, p)| {
        (
            n.clone(),
            TopicConfig {
                topic_name: Some(n),
                read_queue_nums: r,
                write_queue_nums: w,
                perm: p,
                ..TopicConfig::default()
            },
        )
    })
}

proptest! {
    #[test]
    fn routes_round_trip_in_both_dialects(route in route()) {
        for dialect in [JsonDialect::Standard, JsonDialect::Fastjson] {
            let bytes = route.to_json(dialect);
            prop_assert_eq!(&TopicRouteData::from_json(&bytes).unwrap(), &route);
        }
    }

    #[test]
    fn standard_dialect_is_plain_ascii_json(route in route()) {
        let bytes = route.to_json(JsonDialect::Standard);
        prop_assert!(bytes.is_ascii());
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
    }

    #[test]
    fn register_bodies_round_trip_as_json_and_compressed(
        topics in prop::collection::vec(topic_config(), 0..50),
        counter in any::<i64>(),
        filters in prop::collection::vec("[0-9.:]{1,21}", 0..3),
    ) {
        let body = RegisterBrokerBody {
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                topic_config_table: topics,
                data_version: DataVersion { state_version: 0, timestamp: 1, counter },
                topic_queue_mapping_info_map: BTreeMap::new(),
            },
            filter_server_list: filters,
        };
        let json = body.to_json(JsonDialect::Fastjson);
        prop_assert_eq!(&RegisterBrokerBody::decode(&json, false, 479).unwrap(), &body);
        let zipped = body.encode_compressed(479);
        prop_assert_eq!(&RegisterBrokerBody::decode(&zipped, true, 479).unwrap(), &body);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_body_readers(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = TopicRouteData::from_json(&bytes);
        let _ = RegisterBrokerBody::decode(&bytes, false, 479);
        let _ = RegisterBrokerBody::decode(&bytes, true, 479);
        let _ = RegisterBrokerBody::decode(&bytes, true, 409);
        let _ = DataVersion::from_json(&bytes);
    }
}
