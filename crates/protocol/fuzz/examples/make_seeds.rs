//! Writes the seed corpus under `seeds/<target>/` from commands a name server really sees.
//! Run from the fuzz directory: `cargo run --example make_seeds`.

use std::fs;
use std::path::Path;

use bytes::BytesMut;
use tokio_util::codec::Decoder;
use namesrv_protocol::frame::{encode_frame, RemotingCodec};
use namesrv_protocol::encoding::{binary, json};
use namesrv_protocol::headers::{
    BrokerHeartbeatRequestHeader, CommandHeader, GetRouteInfoRequestHeader,
    PutKvConfigRequestHeader, RegisterBrokerRequestHeader, WipeWritePermOfBrokerResponseHeader,
    ZONE_NAME,
};
use namesrv_protocol::{ExtFields, RemotingCommand, SerializeType};

fn route_query() -> RemotingCommand {
    let header = GetRouteInfoRequestHeader {
        topic: "TopicTest".into(),
        accept_standard_json_only: Some(true),
    };
    RemotingCommand::request(105, Some(header.to_ext())).with_opaque(1)
}

fn register() -> RemotingCommand {
    let header = RegisterBrokerRequestHeader {
        broker_name: "broker-a".into(),
        broker_addr: "10.0.0.1:10911".into(),
        cluster_name: "DefaultCluster".into(),
        ha_server_addr: "10.0.0.1:10912".into(),
        broker_id: 0,
        heartbeat_timeout_millis: Some(10000),
        enable_acting_master: Some(false),
        compressed: false,
        body_crc32: 0,
    };
    let mut ext = header.to_ext();
    ext.insert(ZONE_NAME, "zone-a");
    RemotingCommand::request(103, Some(ext))
        .with_opaque(7)
        .with_body(&br#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":1,"stateVersion":0,"timestamp":1700000000000},"topicConfigTable":{}}}"#[..])
}

fn heartbeat() -> RemotingCommand {
    let header = BrokerHeartbeatRequestHeader {
        cluster_name: "DefaultCluster".into(),
        broker_addr: "10.0.0.1:10911".into(),
        broker_name: "broker-a".into(),
        broker_id: Some(1),
        epoch: Some(2),
        max_offset: Some(123),
        confirm_offset: Some(120),
        heartbeat_timeout_mills: Some(10000),
        election_priority: None,
    };
    RemotingCommand::request(904, Some(header.to_ext()))
        .with_opaque(-5)
        .oneway()
}

fn kv_put() -> RemotingCommand {
    let header = PutKvConfigRequestHeader {
        namespace: Some("ORDER_TOPIC_CONFIG".into()),
        key: Some("TopicTest".into()),
        value: Some("broker-a:4;broker-b:4".into()),
    };
    RemotingCommand::request(100, Some(header.to_ext()))
}

fn wipe_response() -> RemotingCommand {
    let header = WipeWritePermOfBrokerResponseHeader {
        wipe_topic_count: 3,
    };
    RemotingCommand::response_to(&RemotingCommand::request(205, None), 0)
        .with_ext_fields(header.to_ext())
        .with_remark("done \"quoted\" é\n")
}

fn no_ext() -> RemotingCommand {
    RemotingCommand::request(106, None).with_opaque(2)
}

fn empty_ext() -> RemotingCommand {
    RemotingCommand::request(101, Some(ExtFields::new())).with_opaque(3)
}

fn commands() -> Vec<(&'static str, RemotingCommand)> {
    vec![
        ("route_query", route_query()),
        ("register", register()),
        ("heartbeat", heartbeat()),
        ("kv_put", kv_put()),
        ("wipe_response", wipe_response()),
        ("no_ext", no_ext()),
        ("empty_ext", empty_ext()),
    ]
}

fn in_encoding(mut command: RemotingCommand, encoding: SerializeType) -> RemotingCommand {
    command.serialize_type = encoding;
    command
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).expect("create seed dir");
    fs::write(dir.join(name), bytes).expect("write seed");
}

fn main() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");

    let mut stream = BytesMut::new();
    for (name, command) in commands() {
        for (suffix, encoding) in [
            ("json", SerializeType::Json),
            ("binary", SerializeType::RocketMq),
        ] {
            let command = in_encoding(command.clone(), encoding);
            let frame = encode_frame(&command).expect("seed encodes");
            stream.extend_from_slice(&frame);
            write(
                &seeds.join("frame_decoder"),
                &format!("{name}_{suffix}"),
                &frame,
            );

            let mut header = BytesMut::new();
            match encoding {
                SerializeType::Json => json::encode(&command, &mut header),
                SerializeType::RocketMq => binary::encode(&command, &mut header),
            }
            let target = match encoding {
                SerializeType::Json => "json_header",
                SerializeType::RocketMq => "binary_header",
            };
            write(&seeds.join(target), name, &header);

            if let (SerializeType::Json, Some(ext)) = (encoding, &command.ext_fields) {
                let text: String = ext.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
                write(&seeds.join("headers"), name, text.as_bytes());
            }
        }
    }
    write(&seeds.join("frame_decoder"), "all_in_one_stream", &stream);

    // What a C++ client sends: no serializeTypeCurrentRPC, empty remark, ACL keys, a newline.
    let cpp = b"{\"code\":105,\"extFields\":{\"AccessKey\":\"\",\"OnsChannel\":\"ALIYUN\",\"Signature\":\"\",\"topic\":\"TopicTest\"},\"flag\":0,\"language\":\"CPP\",\"opaque\":0,\"remark\":\"\",\"version\":63}\n";
    write(&seeds.join("json_header"), "cpp_client", cpp);
    let mut frame = Vec::new();
    frame.extend_from_slice(&(4 + cpp.len() as u32).to_be_bytes());
    frame.extend_from_slice(&(cpp.len() as u32).to_be_bytes());
    frame.extend_from_slice(cpp);
    write(&seeds.join("frame_decoder"), "cpp_client", &frame);

    vector_bodies(&seeds);
    proxy_preambles(&seeds, &encode_frame(&route_query()).expect("seed encodes"));
}

/// What balancers send: HAProxy's v1 and v2 for IPv4 and IPv6, an AWS NLB's v2 with its
/// VPC endpoint extension, a health check's LOCAL, v1 UNKNOWN; each followed by a route
/// query in the same segment, as a preamble often is.
fn proxy_preambles(seeds: &Path, frame: &[u8]) {
    use namesrv_protocol::proxy_protocol::{ProxyHeader, ProxySource, ProxyVersion, Tlv};

    let inet = |client: &str, destination: &str| ProxySource::Inet {
        client: client.parse().expect("seed address"),
        destination: destination.parse().expect("seed address"),
    };
    let v4 = inet("203.0.113.7:51234", "10.0.0.5:9876");
    let v6 = inet("[2001:db8::7]:51234", "[2001:db8::5]:9876");
    let nlb = vec![Tlv {
        kind: 0xEA,
        value: b"\x01vpce-0123456789abcdef0".to_vec(),
    }];
    let cases = [
        ("v1_tcp4", ProxyVersion::V1, v4, vec![]),
        ("v1_tcp6", ProxyVersion::V1, v6, vec![]),
        ("v1_unknown", ProxyVersion::V1, ProxySource::Unknown, vec![]),
        ("v2_inet", ProxyVersion::V2, v4, vec![]),
        ("v2_inet6", ProxyVersion::V2, v6, vec![]),
        ("v2_nlb_vpce", ProxyVersion::V2, v4, nlb),
        ("v2_local", ProxyVersion::V2, ProxySource::Local, vec![]),
    ];
    for (name, version, source, tlvs) in cases {
        let mut bytes = ProxyHeader {
            version,
            source,
            tlvs,
        }
        .encode();
        bytes.extend_from_slice(frame);
        write(&seeds.join("proxy_protocol"), name, &bytes);
    }
}

/// The bodies of the real-peer frames in `tests/vectors/`, each given to the target that
/// reads its kind, plus the KV file and properties shapes Java writes.
fn vector_bodies(seeds: &Path) {
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/vectors");
    let mut names: Vec<_> = fs::read_dir(&vectors)
        .expect("tests/vectors")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".bin"))
        .collect();
    names.sort();
    for name in names {
        let mut frame = BytesMut::from(&fs::read(vectors.join(&name)).expect("vector")[..]);
        let command = RemotingCodec::new(64 << 20)
            .decode(&mut frame)
            .expect("vectors decode")
            .expect("a whole frame");
        let body = command.body;
        if body.is_empty() {
            continue;
        }
        let stem = name.trim_end_matches(".bin");
        let target = if name.contains("register-") && !name.contains("response") {
            "register_body"
        } else if name.contains("route-response") {
            "route_json"
        } else if name.contains("getconfig-response") {
            "properties"
        } else {
            "bodies"
        };
        write(&seeds.join(target), &format!("{stem}.body"), &body);
    }
    let kv = br#"{"configTable":{"ORDER_TOPIC_CONFIG":{"TopicTest":"broker-a:4;broker-b:4"},"ns":{"k":"v"}}}"#;
    write(&seeds.join("kv_file"), "kvconfig.json", kv);
    let props = b"# comment\nlistenPort=9876\nkvConfigPath=/root/namesrv/kvConfig.json\nkey\\\n  continued = v\\u0041\n";
    write(&seeds.join("properties"), "props.txt", props);
    // Java ends a line at a lone `\r` too, and joins continuations across any line end.
    let line_ends =
        b"enableTopicList=true\rkvConfigPath=/x\r\n# comment \\\r\nlist=a,\\\r  b\\\n\tc\r\n";
    write(
        &seeds.join("properties"),
        "lone-cr-and-continuations.properties",
        line_ends,
    );
}
