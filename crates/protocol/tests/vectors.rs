//! Golden frames captured from real Apache RocketMQ 5.3.3 peers on loopback (see
//! tests/vectors/README.md): each must decode, and re-encode byte for byte where the
//! format is deterministic; bodies Java's name server wrote must be reproduced exactly by
//! our writer from their decoded form.

use std::path::PathBuf;

use bytes::BytesMut;
use namesrv_protocol::body::{
    check_body_crc32, ClusterInfo, JsonBody, JsonDialect, RegisterBrokerBody, TopicRouteData,
};
use namesrv_protocol::frame::encode_frame;
use namesrv_protocol::headers::{
    CommandHeader, GetRouteInfoRequestHeader, RegisterBrokerRequestHeader,
    UnregisterBrokerRequestHeader,
};
use namesrv_protocol::{LanguageCode, RemotingCodec, RemotingCommand, SerializeType};
use tokio_util::codec::Decoder;

fn vector(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes the one whole frame in `bytes`.
fn decode(bytes: &[u8]) -> RemotingCommand {
    let mut buf = BytesMut::from(bytes);
    let cmd = RemotingCodec::default().decode(&mut buf).unwrap().unwrap();
    assert!(buf.is_empty(), "exactly one frame");
    cmd
}

/// Decodes and checks that our encoder writes the very same bytes back.
fn round_trip(name: &str) -> RemotingCommand {
    let bytes = vector(name);
    let cmd = decode(&bytes);
    assert_eq!(
        &encode_frame(&cmd).unwrap()[..],
        &bytes[..],
        "{name} re-encodes byte for byte"
    );
    cmd
}

#[test]
fn a_5x_broker_full_registration() {
    let cmd = round_trip("broker-5.3.3-register-103.bin");
    assert_eq!(cmd.code, 103);
    assert_eq!(cmd.version, 479);
    assert_eq!(cmd.language, Some(LanguageCode::JAVA));
    let header = RegisterBrokerRequestHeader::from_ext(cmd.ext_fields.as_ref()).unwrap();
    assert_eq!(header.broker_name, "broker-acceptance");
    assert_eq!(header.cluster_name, "AcceptanceCluster");
    assert_eq!(header.broker_id, 0);
    assert_eq!(header.enable_acting_master, Some(false));
    assert!(!header.compressed);
    assert_eq!(header.heartbeat_timeout_millis, None);
    check_body_crc32(&cmd.body, header.body_crc32).expect("the broker's CRC matches ours");
    let body = RegisterBrokerBody::decode(&cmd.body, header.compressed, cmd.version).unwrap();
    let topics: Vec<&str> = body
        .topic_config_serialize_wrapper
        .topic_config_table
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert!(topics.contains(&"TBW102"), "{topics:?}");
    assert!(topics.contains(&"broker-acceptance"));
    assert!(topics.contains(&"AcceptanceCluster"));
    assert!(topics.len() >= 10);
}

#[test]
fn a_5x_broker_incremental_registration_and_unregistration() {
    let cmd = round_trip("broker-5.3.3-register-incremental-103.bin");
    let header = RegisterBrokerRequestHeader::from_ext(cmd.ext_fields.as_ref()).unwrap();
    check_body_crc32(&cmd.body, header.body_crc32).unwrap();
    let body = RegisterBrokerBody::decode(&cmd.body, false, cmd.version).unwrap();
    let table = &body.topic_config_serialize_wrapper.topic_config_table;
    assert_eq!(table.len(), 1, "only the topic mqadmin created");
    assert_eq!(table[0].0, "VectorTopic");
    assert_eq!(table[0].1.write_queue_nums, 8);

    let cmd = round_trip("broker-5.3.3-unregister-104.bin");
    let header = UnregisterBrokerRequestHeader::from_ext(cmd.ext_fields.as_ref()).unwrap();
    assert_eq!(header.broker_addr, header.broker_addr.trim());
    assert_eq!(header.broker_name, "broker-acceptance");
}

#[test]
fn a_java_client_route_query_in_both_header_encodings() {
    let json = round_trip("javaclient-5.3.3-route-105.bin");
    assert_eq!(json.serialize_type, SerializeType::Json);
    let binary = round_trip("javaclient-5.3.3-route-105-rocketmq.bin");
    assert_eq!(binary.serialize_type, SerializeType::RocketMq);
    for cmd in [&json, &binary] {
        assert_eq!(cmd.code, 105);
        let header = GetRouteInfoRequestHeader::from_ext(cmd.ext_fields.as_ref()).unwrap();
        assert_eq!(header.topic, "VectorTopic");
    }
}

#[test]
fn mqadmin_requests() {
    let put = round_trip("mqadmin-5.3.3-updatekv-100.bin");
    assert_eq!(put.ext("namespace"), Some("ORDER_TOPIC_CONFIG"));
    assert_eq!(put.ext("value"), Some("broker-acceptance:8"));
    let get = round_trip("mqadmin-5.3.3-getconfig-319.bin");
    assert_eq!(get.code, 319);
    assert!(get.ext_fields.is_none());
    round_trip("broker-5.3.3-clusterinfo-106.bin");
}

#[test]
fn java_name_server_responses_are_reproduced_by_our_writer() {
    let route = round_trip("javansrv-5.3.3-route-response.bin");
    assert!(route.is_response());
    let decoded = TopicRouteData::from_json(&route.body).unwrap();
    assert_eq!(decoded.to_json(JsonDialect::Standard), route.body.to_vec());

    let cluster = round_trip("javansrv-5.3.3-clusterinfo-response.bin");
    let decoded = ClusterInfo::from_json(&cluster.body).unwrap();
    assert_eq!(
        decoded.to_json(JsonDialect::Fastjson),
        cluster.body.to_vec()
    );

    let register = round_trip("javansrv-5.3.3-register-response.bin");
    assert_eq!(
        register.ext_fields.as_ref().map(|f| f.len()),
        Some(0),
        "extFields is {{}}"
    );

    let config = round_trip("javansrv-5.3.3-getconfig-response.bin");
    let text = std::str::from_utf8(&config.body).unwrap();
    let entries = namesrv_protocol::body::parse_properties(text);
    assert!(entries
        .iter()
        .any(|(k, v)| k == "listenPort" && v == "19880"));
    let sorted: std::collections::BTreeMap<String, String> = entries.into_iter().collect();
    assert_eq!(namesrv_protocol::body::write_properties(&sorted), text);
}

#[test]
fn a_4_9_broker_registration_plain_and_compressed() {
    let plain = round_trip("broker-4.9.7-register-103.bin");
    assert_eq!(plain.version, 407, "V4_9_7");
    let header = RegisterBrokerRequestHeader::from_ext(plain.ext_fields.as_ref()).unwrap();
    assert_eq!(
        header.enable_acting_master, None,
        "4.x brokers do not send it"
    );
    check_body_crc32(&plain.body, header.body_crc32).unwrap();
    let body = RegisterBrokerBody::decode(&plain.body, false, plain.version).unwrap();
    let plain_topics = body.topic_config_serialize_wrapper.topic_config_table.len();
    assert!(plain_topics >= 5);

    let zipped = round_trip("broker-4.9.7-register-compressed-103.bin");
    let header = RegisterBrokerRequestHeader::from_ext(zipped.ext_fields.as_ref()).unwrap();
    assert!(header.compressed);
    assert_eq!(zipped.body[0], 0x78, "a zlib stream");
    check_body_crc32(&zipped.body, header.body_crc32).expect("CRC over the compressed bytes");
    let body = RegisterBrokerBody::decode(&zipped.body, true, zipped.version).unwrap();
    let names: Vec<&str> = body
        .topic_config_serialize_wrapper
        .topic_config_table
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert!(names.contains(&"TBW102"), "{names:?}");
    assert!(names.contains(&"broker-zip"));
    assert_eq!(
        names.len(),
        plain_topics,
        "the same system topics as the plain form"
    );

    let answer = round_trip("namesrv-ours-register-compressed-response.bin");
    assert_eq!(
        answer.code, 0,
        "our server accepted the real compressed registration"
    );
}

/// Route queries recorded from the clients in tests/interop (run against our server through
/// `capture.py`): each decodes to GET_ROUTEINFO_BY_TOPIC with the client's own language,
/// version and header quirks. Their version decides the route dialect they are answered in
/// (standard JSON from 401 on).
#[test]
fn route_queries_of_the_go_cpp_javascript_and_rust_clients() {
    let cases = [
        (
            "goclient-2.1.3-route-105.bin",
            LanguageCode::GO,
            317,
            SerializeType::Json,
            "CapGoTopic",
        ),
        (
            "cppclient-1.x-route-105.bin",
            LanguageCode::CPP,
            63,
            SerializeType::Json,
            "CapTopic",
        ),
        (
            "cppclient-2.1.0-route-105.bin",
            LanguageCode::CPP,
            333,
            SerializeType::Json,
            "CapTopic",
        ),
        (
            "alions-3.12.0-route-105.bin",
            LanguageCode::JAVA,
            121,
            SerializeType::Json,
            "CapTopic",
        ),
        (
            "rustclient-1.0.0-route-105.bin",
            LanguageCode::RUST,
            474,
            SerializeType::Json,
            "CapTopic",
        ),
        (
            "rustclient-1.0.0-route-105-rocketmq.bin",
            LanguageCode::RUST,
            474,
            SerializeType::RocketMq,
            "CapTopic",
        ),
    ];
    for (name, language, version, encoding, topic) in cases {
        let cmd = decode(&vector(name));
        assert_eq!(cmd.code, 105, "{name}");
        assert_eq!(cmd.language, Some(language), "{name}");
        assert_eq!(cmd.version, version, "{name}");
        assert_eq!(cmd.serialize_type, encoding, "{name}");
        let header = GetRouteInfoRequestHeader::from_ext(cmd.ext_fields.as_ref()).unwrap();
        assert_eq!(header.topic, topic, "{name}");
    }
    // The C++ clients sign even without credentials: empty AccessKey, a Signature and
    // OnsChannel ride along in the ext fields (and their JSON header ends with a newline).
    let cpp = decode(&vector("cppclient-1.x-route-105.bin"));
    assert_eq!(cpp.ext("AccessKey"), Some(""));
    assert_eq!(cpp.ext("OnsChannel"), Some("ALIYUN"));
    // The binary header re-encodes byte for byte; the JSON ones carry each client's own
    // field order and spacing, which we need not reproduce.
    round_trip("rustclient-1.0.0-route-105-rocketmq.bin");
}
