//! What a run asks: which request codes, over which topics, with which header encoding.
//! Requests are built from typed headers so every server sees exactly what a Java client
//! or broker would send.

use bytes::Bytes;
use clap::ValueEnum;
use namesrv_protocol::body::{
    body_crc32, DataVersion, JsonBody, JsonDialect, RegisterBrokerBody, TopicConfig,
    TopicConfigSerializeWrapper,
};
use namesrv_protocol::headers::{
    BrokerHeartbeatRequestHeader, CommandHeader, GetRouteInfoRequestHeader,
    RegisterBrokerRequestHeader,
};
use namesrv_protocol::{RemotingCommand, SerializeType};
use serde::Serialize;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::rng::Rng;
use crate::template::RequestTemplate;
use crate::BenchError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// GET_ROUTEINFO_BY_TOPIC over the populated topics.
    Route,
    /// GET_BROKER_CLUSTER_INFO.
    Cluster,
    /// REGISTER_BROKER storms: each request a full registration of one of the brokers.
    Register,
    /// BROKER_HEARTBEAT of the populated brokers.
    Heartbeat,
    /// 90 % route, 5 % cluster info, 4 % heartbeat, 1 % registration.
    Mixed,
}

/// What the data version of a registration storm does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Versions {
    /// Every registration repeats the populated data version: the 30-second re-registration
    /// of a broker whose topics did not change.
    Unchanged,
    /// Every registration carries a data version its broker did not send last time, with
    /// the same topics: what a 5.x broker sends after a role change. Java applies all of its
    /// topics again.
    Changing,
    /// Every registration carries a new data version and a new queue count for one of its
    /// topics, as after an `updateTopic`: every server must decode and apply the body.
    #[value(name = "one-topic")]
    #[serde(rename = "one-topic")]
    OneTopic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Header {
    Json,
    Rocketmq,
}

/// The cluster the populate step creates and the workload refers to.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub brokers: usize,
    pub topics: usize,
    pub queues: i32,
}

impl Cluster {
    pub fn topic(i: usize) -> String {
        format!("BenchTopic{i}")
    }

    pub fn broker_name(i: usize) -> String {
        format!("bench-broker-{i}")
    }

    pub fn broker_addr(i: usize) -> String {
        format!("127.0.0.{}:{}", 2 + i / 50_000, 10_000 + i % 50_000)
    }

    /// The register body of every broker at data version `counter` (brokers of a run share
    /// their topics, so one body serves all of them). With `one_topic_follows`, the first
    /// topic's queue count moves with the counter (the populated version has the others').
    pub fn body(&self, counter: i64, compressed: bool, one_topic_follows: bool) -> Bytes {
        let mut body = self.register_body(counter);
        if one_topic_follows {
            let table = &mut body.topic_config_serialize_wrapper.topic_config_table;
            if let Some((_, first)) = table.first_mut() {
                let queues = self.queues + (counter - POPULATED_VERSION) as i32;
                first.read_queue_nums = queues;
                first.write_queue_nums = queues;
            }
        }
        if compressed {
            body.encode_compressed(namesrv_protocol::version::CURRENT_VERSION)
                .into()
        } else {
            with_mapping_data_version(body.to_json(JsonDialect::Fastjson)).into()
        }
    }

    /// Broker `i`'s REGISTER_BROKER carrying `body` (from [`Cluster::body`]): every topic,
    /// cluster-wide, as `mqadmin updateTopic -c` creates them.
    pub fn register_with(i: usize, body: Bytes, compressed: bool) -> RemotingCommand {
        let header = RegisterBrokerRequestHeader {
            broker_name: Self::broker_name(i),
            broker_addr: Self::broker_addr(i),
            cluster_name: "BenchCluster".into(),
            ha_server_addr: Self::broker_addr(i),
            broker_id: 0,
            heartbeat_timeout_millis: Some(600_000),
            enable_acting_master: Some(false),
            compressed,
            body_crc32: body_crc32(&body) as i32,
        };
        RemotingCommand::request(103, Some(header.to_ext())).with_body(body)
    }

    fn register_body(&self, counter: i64) -> RegisterBrokerBody {
        let topic_config_table = (0..self.topics)
            .map(|t| {
                let name = Self::topic(t);
                let config = TopicConfig {
                    topic_name: Some(name.clone()),
                    read_queue_nums: self.queues,
                    write_queue_nums: self.queues,
                    ..TopicConfig::default()
                };
                (name, config)
            })
            .collect();
        RegisterBrokerBody {
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                topic_config_table,
                data_version: DataVersion {
                    state_version: 0,
                    timestamp: 1_700_000_000_000,
                    counter,
                },
                topic_queue_mapping_info_map: Default::default(),
            },
            filter_server_list: vec![],
        }
    }

    pub fn heartbeat(i: usize) -> RemotingCommand {
        let header = BrokerHeartbeatRequestHeader {
            cluster_name: "BenchCluster".into(),
            broker_addr: Self::broker_addr(i),
            broker_name: Self::broker_name(i),
            broker_id: Some(0),
            epoch: None,
            max_offset: None,
            confirm_offset: None,
            heartbeat_timeout_mills: None,
            election_priority: None,
        };
        RemotingCommand::request(904, Some(header.to_ext()))
    }
}

/// Adds the `mappingDataVersion` and `topicQueueMappingDetailMap` members a 5.x broker
/// sends (name servers ignore them, but rocketmq-rust 1.0.0 refuses a register body without
/// them, a real 4.9 broker's included).
fn with_mapping_data_version(json: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(json).expect("our writer writes UTF-8");
    text.replacen(
        ",\"topicConfigTable\":",
        ",\"mappingDataVersion\":{\"counter\":0,\"stateVersion\":0,\"timestamp\":1700000000000},\"topicConfigTable\":",
        1,
    )
    .replacen(
        ",\"topicQueueMappingInfoMap\":",
        ",\"topicQueueMappingDetailMap\":{},\"topicQueueMappingInfoMap\":",
        1,
    )
    .into_bytes()
}

/// Picks topics uniformly, or Zipf-skewed (a few hot topics, as in real fleets).
pub struct TopicPicker {
    /// Cumulative weights when skewed.
    cdf: Option<Vec<f64>>,
    topics: usize,
}

impl TopicPicker {
    pub fn new(topics: usize, skew: f64) -> Self {
        let cdf = (skew > 0.0).then(|| {
            let mut acc = 0.0;
            let mut cdf: Vec<f64> = (1..=topics)
                .map(|k| {
                    acc += 1.0 / (k as f64).powf(skew);
                    acc
                })
                .collect();
            for c in &mut cdf {
                *c /= acc;
            }
            cdf
        });
        TopicPicker { cdf, topics }
    }

    pub fn pick(&self, rng: &mut Rng) -> usize {
        match &self.cdf {
            None => (rng.next_u64() % self.topics as u64) as usize,
            Some(cdf) => {
                let u = rng.next_f64();
                cdf.partition_point(|c| *c < u).min(self.topics - 1)
            }
        }
    }
}

/// Every request a run can send, encoded once and shared by the connections.
pub struct Templates {
    /// GET_ROUTEINFO_BY_TOPIC, one per topic.
    routes: Vec<RequestTemplate>,
    cluster: RequestTemplate,
    /// BROKER_HEARTBEAT, one per broker.
    heartbeats: Vec<RequestTemplate>,
    /// REGISTER_BROKER by data-version variant, then by broker.
    registrations: Vec<Vec<RequestTemplate>>,
    /// Registrations sent so far by all connections: picks the broker and its variant, so
    /// that with `Versions::Changing` a broker's consecutive registrations always differ.
    registered: AtomicU64,
}

/// The data version the populate step registers; `Versions::Changing` alternates between
/// the two after it.
pub const POPULATED_VERSION: i64 = 1;
const CHANGING_VERSIONS: [i64; 2] = [2, 3];

impl Templates {
    pub fn new(
        kind: Kind,
        header: Header,
        cluster: &Cluster,
        versions: Versions,
        compressed: bool,
    ) -> Result<Self, BenchError> {
        let serialize_type = match header {
            Header::Json => SerializeType::Json,
            Header::Rocketmq => SerializeType::RocketMq,
        };
        let template = |mut request: RemotingCommand| {
            request.serialize_type = serialize_type;
            RequestTemplate::new(&request)
        };
        let uses = |k: Kind| kind == k || kind == Kind::Mixed;
        let brokers = cluster.brokers.max(1);
        let routes = if uses(Kind::Route) {
            (0..cluster.topics.max(1))
                .map(|t| {
                    let header = GetRouteInfoRequestHeader {
                        topic: Cluster::topic(t),
                        accept_standard_json_only: None,
                    };
                    template(RemotingCommand::request(105, Some(header.to_ext())))
                })
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let heartbeats = if uses(Kind::Heartbeat) {
            (0..brokers)
                .map(|i| template(Cluster::heartbeat(i)))
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let counters: &[i64] = match versions {
            Versions::Unchanged => &[POPULATED_VERSION],
            Versions::Changing | Versions::OneTopic => &CHANGING_VERSIONS,
        };
        let registrations = if uses(Kind::Register) {
            counters
                .iter()
                .map(|&counter| {
                    let one_topic = versions == Versions::OneTopic;
                    let body = cluster.body(counter, compressed, one_topic);
                    (0..brokers)
                        .map(|i| template(Cluster::register_with(i, body.clone(), compressed)))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        Ok(Templates {
            routes,
            cluster: template(RemotingCommand::request(106, None))?,
            heartbeats,
            registrations,
            registered: AtomicU64::new(0),
        })
    }

    fn registration(&self) -> &RequestTemplate {
        let n = self.registered.fetch_add(1, Ordering::Relaxed) as usize;
        let brokers = self.registrations[0].len();
        let variant = (n / brokers) % self.registrations.len();
        &self.registrations[variant][n % brokers]
    }
}

/// Picks each connection's next request.
pub struct Generator {
    kind: Kind,
    templates: Arc<Templates>,
    picker: Arc<TopicPicker>,
    rng: Rng,
    next_broker: usize,
}

impl Generator {
    pub fn new(kind: Kind, templates: Arc<Templates>, picker: Arc<TopicPicker>, seed: u64) -> Self {
        Generator {
            kind,
            templates,
            picker,
            rng: Rng::new(seed),
            next_broker: seed as usize,
        }
    }

    pub fn next_request(&mut self) -> &RequestTemplate {
        let kind = match self.kind {
            Kind::Mixed => match self.rng.next_u64() % 100 {
                0..=89 => Kind::Route,
                90..=94 => Kind::Cluster,
                95..=98 => Kind::Heartbeat,
                _ => Kind::Register,
            },
            k => k,
        };
        match kind {
            Kind::Route => &self.templates.routes[self.picker.pick(&mut self.rng)],
            Kind::Cluster => &self.templates.cluster,
            Kind::Heartbeat => {
                self.next_broker = (self.next_broker + 1) % self.templates.heartbeats.len();
                &self.templates.heartbeats[self.next_broker]
            }
            Kind::Register | Kind::Mixed => self.templates.registration(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skewed_picks_favour_the_first_topics_and_uniform_ones_do_not() {
        let mut rng = Rng::new(7);
        let skewed = TopicPicker::new(100, 1.2);
        let uniform = TopicPicker::new(100, 0.0);
        let hot = |p: &TopicPicker, rng: &mut Rng| (0..10_000).filter(|_| p.pick(rng) < 10).count();
        assert!(
            hot(&skewed, &mut rng) > 6_000,
            "Zipf 1.2: most picks in the top 10 %"
        );
        let u = hot(&uniform, &mut rng);
        assert!((800..1_200).contains(&u), "uniform: about 10 % ({u})");
        assert!((0..10_000).all(|_| skewed.pick(&mut rng) < 100));
    }

    #[test]
    fn registrations_carry_the_5x_members_and_a_matching_crc() {
        let cluster = Cluster {
            brokers: 1,
            topics: 3,
            queues: 4,
        };
        let request = Cluster::register_with(0, cluster.body(1, false, false), false);
        let body = std::str::from_utf8(&request.body).unwrap();
        assert!(body.contains("\"mappingDataVersion\""));
        assert!(body.contains("\"topicQueueMappingDetailMap\":{}"));
        let crc: i64 = request.ext("bodyCrc32").unwrap().parse().unwrap();
        assert_eq!(crc, i64::from(body_crc32(&request.body)));
        RegisterBrokerBody::from_json(&request.body).expect("still a valid register body");
    }

    /// Sends `n` requests of `generators` in turn (as connections would) and decodes them.
    fn sent(generators: &mut [Generator], n: usize) -> Vec<RemotingCommand> {
        use tokio_util::codec::Decoder;
        let mut wire = bytes::BytesMut::new();
        for k in 0..n {
            let len = generators.len();
            generators[k % len]
                .next_request()
                .write(k as i32 + 1, &mut wire);
        }
        let mut codec = namesrv_protocol::RemotingCodec::new(1 << 26);
        std::iter::from_fn(|| codec.decode(&mut wire).unwrap()).collect()
    }

    fn registrations(versions: Versions, compressed: bool) -> Vec<(String, i64)> {
        registered_bodies(versions, compressed)
            .into_iter()
            .map(|(broker, body)| {
                (
                    broker,
                    body.topic_config_serialize_wrapper.data_version.counter,
                )
            })
            .collect()
    }

    fn registered_bodies(
        versions: Versions,
        compressed: bool,
    ) -> Vec<(String, RegisterBrokerBody)> {
        let cluster = Cluster {
            brokers: 5,
            topics: 3,
            queues: 4,
        };
        let templates = Arc::new(
            Templates::new(Kind::Register, Header::Json, &cluster, versions, compressed).unwrap(),
        );
        let picker = Arc::new(TopicPicker::new(3, 0.0));
        let mut generators: Vec<Generator> = (0..3)
            .map(|c| Generator::new(Kind::Register, templates.clone(), picker.clone(), c))
            .collect();
        sent(&mut generators, 20)
            .into_iter()
            .map(|r| {
                let crc: i64 = r.ext("bodyCrc32").unwrap().parse().unwrap();
                assert_eq!(crc, i64::from(body_crc32(&r.body)), "CRC of the body sent");
                let body = if compressed {
                    RegisterBrokerBody::decode(
                        &r.body,
                        true,
                        namesrv_protocol::version::CURRENT_VERSION,
                    )
                    .unwrap()
                } else {
                    RegisterBrokerBody::decode(
                        &r.body,
                        false,
                        namesrv_protocol::version::CURRENT_VERSION,
                    )
                    .unwrap()
                };
                (r.ext("brokerName").unwrap().to_owned(), body)
            })
            .collect()
    }

    #[test]
    fn one_topic_storms_change_one_topic_and_the_version_at_every_registration() {
        let sent = registered_bodies(Versions::OneTopic, false);
        let mut last: std::collections::HashMap<String, RegisterBrokerBody> = Default::default();
        for (broker, body) in sent {
            let wrapper = &body.topic_config_serialize_wrapper;
            assert_ne!(wrapper.data_version.counter, POPULATED_VERSION);
            let queues = |b: &RegisterBrokerBody, i: usize| {
                let config = &b.topic_config_serialize_wrapper.topic_config_table[i].1;
                (config.read_queue_nums, config.write_queue_nums)
            };
            assert_ne!(queues(&body, 0), (4, 4), "differs from the populated body");
            if let Some(previous) = last.get(&broker) {
                let before = &previous.topic_config_serialize_wrapper;
                assert_ne!(before.data_version, wrapper.data_version);
                assert_ne!(queues(previous, 0), queues(&body, 0), "{broker}");
                for i in 1..3 {
                    assert_eq!(
                        queues(previous, i),
                        queues(&body, i),
                        "only the first changes"
                    );
                }
            }
            last.insert(broker, body);
        }
        assert_eq!(last.len(), 5, "every broker registers");
    }

    #[test]
    fn changing_storms_give_a_broker_a_new_data_version_at_every_registration() {
        for compressed in [false, true] {
            let sent = registrations(Versions::Changing, compressed);
            let mut last: std::collections::HashMap<String, i64> = Default::default();
            for (broker, counter) in &sent {
                assert_ne!(
                    *counter, POPULATED_VERSION,
                    "differs from the populated one"
                );
                if let Some(previous) = last.insert(broker.clone(), *counter) {
                    assert_ne!(
                        previous, *counter,
                        "{broker} registered {counter} twice in a row"
                    );
                }
            }
            assert_eq!(last.len(), 5, "every broker registers");
        }
    }

    #[test]
    fn unchanged_storms_repeat_the_populated_data_version() {
        let sent = registrations(Versions::Unchanged, false);
        assert!(sent.iter().all(|(_, c)| *c == POPULATED_VERSION));
        let brokers: std::collections::HashSet<_> = sent.iter().map(|(b, _)| b).collect();
        assert_eq!(brokers.len(), 5);
    }
}
