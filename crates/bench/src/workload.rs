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

use crate::rng::Rng;

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

    /// One REGISTER_BROKER of broker `i` carrying every topic (cluster-wide topics, as
    /// `mqadmin updateTopic -c` creates them). `compressed` uses the 5.x zlib form.
    pub fn register(&self, i: usize, counter: i64, compressed: bool) -> RemotingCommand {
        let body = self.register_body(counter);
        let body: Bytes = if compressed {
            body.encode_compressed(namesrv_protocol::version::CURRENT_VERSION)
                .into()
        } else {
            with_mapping_data_version(body.to_json(JsonDialect::Fastjson)).into()
        };
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

/// Pre-built REGISTER_BROKER requests (bodies shared, so cheap to clone): one per broker, or
/// several per broker with successive data versions, sent in turn.
#[derive(Default)]
pub struct Registrations {
    /// Variant-major: `requests[variant * brokers + broker]`.
    requests: Vec<RemotingCommand>,
    brokers: usize,
    /// How many of each broker's registrations were sent, to pick its next variant.
    sent: Vec<std::sync::atomic::AtomicUsize>,
}

impl Registrations {
    /// Versions each broker cycles through with `version_changes`: enough that reordering
    /// between connections never makes two successive arrivals of a broker equal.
    const VARIANTS: usize = 4;

    /// The populate step registered data version counter 1; `version_changes` sends 2..=5.
    pub fn new(cluster: &Cluster, compressed: bool, version_changes: bool) -> Self {
        let brokers = cluster.brokers.max(1);
        let counters: Vec<i64> = if version_changes {
            (2..2 + Self::VARIANTS as i64).collect()
        } else {
            vec![1]
        };
        let requests = counters
            .iter()
            .flat_map(|&counter| (0..brokers).map(move |i| (i, counter)))
            .map(|(i, counter)| cluster.register(i, counter, compressed))
            .collect();
        Registrations {
            requests,
            brokers,
            sent: (0..brokers).map(|_| Default::default()).collect(),
        }
    }

    pub fn brokers(&self) -> usize {
        self.brokers
    }

    /// Broker `i`'s next registration.
    pub fn next(&self, i: usize) -> RemotingCommand {
        let variants = self.requests.len() / self.brokers.max(1);
        let n = self.sent[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.requests[(n % variants) * self.brokers + i].clone()
    }
}

/// Builds each connection's next request.
pub struct Generator {
    kind: Kind,
    header: SerializeType,
    cluster: Cluster,
    picker: std::sync::Arc<TopicPicker>,
    registrations: std::sync::Arc<Registrations>,
    rng: Rng,
    topic_names: std::sync::Arc<Vec<String>>,
    next_broker: usize,
}

impl Generator {
    pub fn new(
        kind: Kind,
        header: Header,
        cluster: Cluster,
        picker: std::sync::Arc<TopicPicker>,
        registrations: std::sync::Arc<Registrations>,
        topic_names: std::sync::Arc<Vec<String>>,
        seed: u64,
    ) -> Self {
        Generator {
            kind,
            header: match header {
                Header::Json => SerializeType::Json,
                Header::Rocketmq => SerializeType::RocketMq,
            },
            cluster,
            picker,
            registrations,
            rng: Rng::new(seed),
            topic_names,
            next_broker: seed as usize,
        }
    }

    pub fn next_request(&mut self) -> RemotingCommand {
        let kind = match self.kind {
            Kind::Mixed => match self.rng.next_u64() % 100 {
                0..=89 => Kind::Route,
                90..=94 => Kind::Cluster,
                95..=98 => Kind::Heartbeat,
                _ => Kind::Register,
            },
            k => k,
        };
        let mut request = match kind {
            Kind::Route => {
                let topic = self.topic_names[self.picker.pick(&mut self.rng)].clone();
                let header = GetRouteInfoRequestHeader {
                    topic,
                    accept_standard_json_only: None,
                };
                RemotingCommand::request(105, Some(header.to_ext()))
            }
            Kind::Cluster => RemotingCommand::request(106, None),
            Kind::Heartbeat => {
                self.next_broker = (self.next_broker + 1) % self.cluster.brokers.max(1);
                Cluster::heartbeat(self.next_broker)
            }
            Kind::Register | Kind::Mixed => {
                self.next_broker = (self.next_broker + 1) % self.registrations.brokers().max(1);
                self.registrations.next(self.next_broker)
            }
        };
        request.serialize_type = self.header;
        request
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
        let request = cluster.register(0, 1, false);
        let body = std::str::from_utf8(&request.body).unwrap();
        assert!(body.contains("\"mappingDataVersion\""));
        assert!(body.contains("\"topicQueueMappingDetailMap\":{}"));
        let crc: i64 = request.ext("bodyCrc32").unwrap().parse().unwrap();
        assert_eq!(crc, i64::from(body_crc32(&request.body)));
        RegisterBrokerBody::from_json(&request.body).expect("still a valid register body");
    }

    #[test]
    fn version_changes_give_each_broker_a_new_version_every_time() {
        let cluster = Cluster {
            brokers: 2,
            topics: 2,
            queues: 4,
        };
        let counter = |r: &RemotingCommand| {
            RegisterBrokerBody::from_json(&r.body)
                .unwrap()
                .topic_config_serialize_wrapper
                .data_version
                .counter
        };
        let changing = Registrations::new(&cluster, false, true);
        let seen: Vec<i64> = (0..6).map(|_| counter(&changing.next(1))).collect();
        assert_eq!(seen, [2, 3, 4, 5, 2, 3]);
        assert_eq!(counter(&changing.next(0)), 2);
        let same = Registrations::new(&cluster, false, false);
        assert!((0..3).all(|_| counter(&same.next(1)) == 1));
    }
}
