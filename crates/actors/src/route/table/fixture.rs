//! Test brokers: a master and a slave of one group, shaped like the ones the Java route
//! manager tests use, with builders for the variations the tests need.

use std::collections::BTreeMap;

use namesrv_protocol::body::{
    DataVersion, QueueData, TopicConfig, TopicConfigSerializeWrapper, TopicQueueMappingInfo,
};

use super::*;

pub const CLUSTER: &str = "Default_Cluster";
pub const BROKER: &str = "Default_Broker";
pub const MASTER_ADDR: &str = "127.0.0.1:10911";
pub const MASTER_HA: &str = "127.0.0.1:20911";
pub const SLAVE_ADDR: &str = "127.0.0.1:30911";
pub const SLAVE_HA: &str = "127.0.0.1:40911";

pub fn version(counter: i64) -> DataVersion {
    DataVersion {
        state_version: 0,
        timestamp: 100,
        counter,
    }
}

pub fn topic_config(name: &str) -> TopicConfig {
    TopicConfig {
        topic_name: Some(name.to_owned()),
        read_queue_nums: 8,
        write_queue_nums: 8,
        perm: perm::READ | perm::WRITE,
        topic_filter_type: "SINGLE_TAG".to_owned(),
        ..TopicConfig::default()
    }
}

pub fn queue(broker_name: &str, perm: i32) -> QueueData {
    QueueData {
        broker_name: broker_name.to_owned(),
        read_queue_nums: 8,
        write_queue_nums: 8,
        perm,
        topic_sys_flag: 0,
    }
}

pub fn mapping(topic: &str, bname: &str, epoch: i64) -> TopicQueueMappingInfo {
    TopicQueueMappingInfo {
        topic: Some(topic.to_owned()),
        scope: None,
        total_queues: 8,
        bname: Some(bname.to_owned()),
        epoch,
        dirty: false,
        curr_id_map: Some(BTreeMap::from([(0, 0)])),
    }
}

/// A broker process about to register.
#[derive(Clone, Debug)]
pub struct Broker {
    pub cluster: String,
    pub name: String,
    pub addr: String,
    pub ha: String,
    pub id: i64,
    pub acting_master: Option<bool>,
    pub version: DataVersion,
    pub connection: ConnectionId,
    pub zone: Option<String>,
}

impl Broker {
    /// 5.x master of `Default_Broker`, acting master enabled.
    pub fn master() -> Self {
        Self {
            cluster: CLUSTER.to_owned(),
            name: BROKER.to_owned(),
            addr: MASTER_ADDR.to_owned(),
            ha: MASTER_HA.to_owned(),
            id: MASTER_ID,
            acting_master: Some(true),
            version: version(1),
            connection: 1,
            zone: None,
        }
    }

    /// 5.x slave (id 1) of `Default_Broker`, acting master enabled.
    pub fn slave() -> Self {
        Self {
            addr: SLAVE_ADDR.to_owned(),
            ha: SLAVE_HA.to_owned(),
            id: 1,
            connection: 2,
            ..Self::master()
        }
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    pub fn cluster(mut self, cluster: &str) -> Self {
        self.cluster = cluster.to_owned();
        self
    }

    pub fn addr(mut self, addr: &str) -> Self {
        self.addr = addr.to_owned();
        self
    }

    pub fn id(mut self, id: i64) -> Self {
        self.id = id;
        self
    }

    pub fn acting_master(mut self, acting_master: Option<bool>) -> Self {
        self.acting_master = acting_master;
        self
    }

    pub fn connection(mut self, connection: ConnectionId) -> Self {
        self.connection = connection;
        self
    }

    pub fn zone(mut self, zone: &str) -> Self {
        self.zone = Some(zone.to_owned());
        self
    }

    pub fn counter(mut self, counter: i64) -> Self {
        self.version.counter = counter;
        self
    }

    pub fn state_version(mut self, state_version: i64) -> Self {
        self.version.state_version = state_version;
        self
    }

    /// The next DataVersion, as a broker makes when its topics change.
    pub fn bump(&mut self) {
        self.version.counter += 1;
    }

    pub fn key(&self) -> BrokerAddrKey {
        BrokerAddrKey::new(&self.cluster, &self.addr)
    }

    pub fn unregistration(&self) -> BrokerUnregistration {
        BrokerUnregistration {
            cluster_name: self.cluster.clone(),
            broker_addr: self.addr.clone(),
            broker_name: self.name.clone(),
            broker_id: self.id,
        }
    }

    /// A registration listing `topics`, each with 8/8 queues and perm 6.
    pub fn registration(&self, topics: &[&str]) -> BrokerRegistration {
        self.registration_with(topics.iter().map(|t| topic_config(t)).collect())
    }

    pub fn registration_with(&self, configs: Vec<TopicConfig>) -> BrokerRegistration {
        BrokerRegistration {
            cluster_name: self.cluster.clone(),
            broker_addr: self.addr.clone(),
            broker_name: self.name.clone(),
            broker_id: self.id,
            ha_server_addr: self.ha.clone(),
            zone_name: self.zone.clone(),
            heartbeat_timeout_millis: None,
            enable_acting_master: self.acting_master,
            topic_config_wrapper: Some(TopicConfigSerializeWrapper {
                topic_config_table: configs
                    .into_iter()
                    .map(|c| (c.topic_name.clone().unwrap_or_default(), c))
                    .collect(),
                data_version: self.version,
                topic_queue_mapping_info_map: BTreeMap::new(),
            }),
            filter_server_list: Some(Vec::new()),
            connection: self.connection,
            body_fingerprint: None,
        }
    }

    /// Registers with `topics` and expects plain success.
    pub fn register(&self, table: &mut RouteTable, topics: &[&str]) -> RegisterOutcome {
        let outcome = table.register_broker(self.registration(topics));
        assert!(
            matches!(outcome, RegisterOutcome::Registered { .. }),
            "{outcome:?}"
        );
        outcome
    }
}

/// The address map of `broker_name` in the route of `topic`.
pub fn route_addrs(table: &RouteTable, topic: &str, broker_name: &str) -> BTreeMap<i64, String> {
    let route = table.topic_route(topic).expect("route");
    route
        .broker_datas
        .into_iter()
        .find(|b| b.broker_name == broker_name)
        .expect("broker data")
        .broker_addrs
}

/// The perm of `broker_name`'s queue data in the route of `topic`.
pub fn route_perm(table: &RouteTable, topic: &str, broker_name: &str) -> i32 {
    let route = table.topic_route(topic).expect("route");
    route
        .queue_datas
        .into_iter()
        .find(|q| q.broker_name == broker_name)
        .expect("queue data")
        .perm
}

pub fn addrs(entries: &[(i64, &str)]) -> BTreeMap<i64, String> {
    entries
        .iter()
        .map(|(id, a)| (*id, (*a).to_owned()))
        .collect()
}
