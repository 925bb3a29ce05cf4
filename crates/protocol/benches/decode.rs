//! Decoding costs on the two paths that matter: a route query (the hot path, read far more
//! often than anything else) and a 10,000-topic broker registration (the heaviest body),
//! plus writing a route answer in both dialects (done once per route change).

use std::collections::BTreeMap;

use bytes::BytesMut;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use namesrv_protocol::body::{
    BrokerData, DataVersion, JsonBody, JsonDialect, QueueData, RegisterBrokerBody, TopicConfig,
    TopicConfigSerializeWrapper, TopicRouteData,
};
use namesrv_protocol::frame::encode_frame;
use namesrv_protocol::{ExtFields, RemotingCodec, RemotingCommand, SerializeType};
use tokio_util::codec::Decoder;

fn route_query(serialize_type: SerializeType) -> BytesMut {
    let mut ext = ExtFields::new();
    ext.insert("topic", "TopicTest");
    let mut cmd = RemotingCommand::request(105, Some(ext)).with_opaque(1);
    cmd.serialize_type = serialize_type;
    encode_frame(&cmd).unwrap()
}

fn register_body(topics: usize) -> RegisterBrokerBody {
    RegisterBrokerBody {
        topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
            topic_config_table: (0..topics)
                .map(|i| {
                    let name = format!("benchmark-topic-{i:06}");
                    (
                        name.clone(),
                        TopicConfig {
                            topic_name: Some(name),
                            read_queue_nums: 8,
                            write_queue_nums: 8,
                            ..TopicConfig::default()
                        },
                    )
                })
                .collect(),
            data_version: DataVersion {
                state_version: 0,
                timestamp: 1_700_000_000_000,
                counter: 42,
            },
            topic_queue_mapping_info_map: BTreeMap::new(),
        },
        filter_server_list: vec![],
    }
}

fn route() -> TopicRouteData {
    TopicRouteData {
        queue_datas: (0..4)
            .map(|i| QueueData {
                broker_name: format!("broker-{i}"),
                read_queue_nums: 8,
                write_queue_nums: 8,
                perm: 6,
                topic_sys_flag: 0,
            })
            .collect(),
        broker_datas: (0..4)
            .map(|i| BrokerData {
                cluster: "DefaultCluster".into(),
                broker_name: format!("broker-{i}"),
                broker_addrs: [
                    (0, format!("10.0.0.{i}:10911")),
                    (1, format!("10.0.1.{i}:10911")),
                ]
                .into(),
                enable_acting_master: false,
                zone_name: None,
            })
            .collect(),
        ..TopicRouteData::default()
    }
}

fn bench(c: &mut Criterion) {
    for (name, t) in [
        ("json", SerializeType::Json),
        ("rocketmq", SerializeType::RocketMq),
    ] {
        let frame = route_query(t);
        c.bench_function(&format!("decode route query frame ({name} header)"), |b| {
            let mut codec = RemotingCodec::default();
            b.iter(|| {
                let mut buf = frame.clone();
                black_box(codec.decode(&mut buf).unwrap().unwrap())
            })
        });
    }

    let body = register_body(10_000);
    let json = body.to_json(JsonDialect::Fastjson);
    let zipped = body.encode_compressed(409);
    let mut group = c.benchmark_group("register body, 10,000 topics");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("decode JSON", |b| {
        b.iter(|| black_box(RegisterBrokerBody::decode(&json, false, 479).unwrap()))
    });
    group.bench_function("decode zlib (4.x compressed)", |b| {
        b.iter(|| black_box(RegisterBrokerBody::decode(&zipped, true, 409).unwrap()))
    });
    group.finish();

    let route = route();
    for dialect in [JsonDialect::Standard, JsonDialect::Fastjson] {
        c.bench_function(&format!("write 4-broker route ({dialect:?})"), |b| {
            b.iter(|| black_box(route.to_json(dialect)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
