//! The requests a broker sends about itself, built by hand: tests and the admin tool's tests
//! register brokers without running one. One builder keeps the bodies alike and their
//! checksum right.

use namesrv_protocol::body::{
    body_crc32, DataVersion, JsonBody, JsonDialect, RegisterBrokerBody, TopicConfig,
    TopicConfigSerializeWrapper,
};
use namesrv_protocol::RemotingCommand;

use crate::request::request;

const REGISTER_BROKER: i32 = 103;
const UNREGISTER_BROKER: i32 = 104;
/// The data version's timestamp: fixed, so that equal registrations encode to equal bytes.
const DATA_VERSION_TIMESTAMP: i64 = 1_700_000_000_000;

/// A broker's identity, for building the requests it sends.
#[derive(Clone, Debug)]
pub struct Broker {
    pub cluster: String,
    pub name: String,
    pub addr: String,
    pub id: i64,
}

impl Broker {
    pub fn new(cluster: &str, name: &str, addr: &str, id: i64) -> Broker {
        Broker {
            cluster: cluster.into(),
            name: name.into(),
            addr: addr.into(),
            id,
        }
    }

    /// A 5.x-style REGISTER_BROKER whose body ([`register_body`]) holds `topics` and the data
    /// version counter `counter`. Its HA address is the broker address with a `1` appended:
    /// any value does, name servers only hand it on to slaves. (A name server refuses a
    /// *first* registration carrying exactly one topic, taking it for an incremental update
    /// from a broker it does not know; real brokers always send their system topics too, so
    /// pass two or more.)
    pub fn register(&self, topics: &[(&str, i32, i32)], counter: i64) -> RemotingCommand {
        let body = register_body(topics, counter);
        let crc = body_crc32(&body).to_string();
        let id = self.id.to_string();
        let ha = format!("{}1", self.addr);
        request(
            REGISTER_BROKER,
            &[
                ("brokerName", &self.name),
                ("brokerAddr", &self.addr),
                ("clusterName", &self.cluster),
                ("haServerAddr", &ha),
                ("brokerId", &id),
                ("enableActingMaster", "false"),
                ("compressed", "false"),
                ("bodyCrc32", &crc),
            ],
        )
        .with_body(body)
    }

    pub fn unregister(&self) -> RemotingCommand {
        let id = self.id.to_string();
        request(
            UNREGISTER_BROKER,
            &[
                ("brokerName", &self.name),
                ("brokerAddr", &self.addr),
                ("clusterName", &self.cluster),
                ("brokerId", &id),
            ],
        )
    }
}

/// A RegisterBrokerBody in the fastjson dialect brokers send: `topics` as (name, read and
/// write queue count, perm), no filter servers, data version counter `counter`.
pub fn register_body(topics: &[(&str, i32, i32)], counter: i64) -> Vec<u8> {
    let wrapper = TopicConfigSerializeWrapper {
        topic_config_table: topics
            .iter()
            .map(|(topic, queues, perm)| {
                let config = TopicConfig {
                    topic_name: Some(topic.to_string()),
                    read_queue_nums: *queues,
                    write_queue_nums: *queues,
                    perm: *perm,
                    ..TopicConfig::default()
                };
                (topic.to_string(), config)
            })
            .collect(),
        data_version: DataVersion {
            state_version: 0,
            timestamp: DATA_VERSION_TIMESTAMP,
            counter,
        },
        topic_queue_mapping_info_map: Default::default(),
    };
    RegisterBrokerBody {
        topic_config_serialize_wrapper: wrapper,
        filter_server_list: vec![],
    }
    .to_json(JsonDialect::Fastjson)
}

#[cfg(test)]
mod tests {
    use namesrv_protocol::body::check_body_crc32;
    use namesrv_protocol::headers::{CommandHeader, RegisterBrokerRequestHeader};

    use super::*;

    #[test]
    fn a_registration_decodes_with_the_typed_header_and_its_checksum_holds() {
        let broker = Broker::new("C", "broker-a", "127.0.0.1:10911", 1);
        let reg = broker.register(&[("T1", 8, 6), ("T2", 4, 4)], 7);
        let header = RegisterBrokerRequestHeader::from_ext(reg.ext_fields.as_ref()).unwrap();
        assert_eq!(
            (
                header.broker_name.as_str(),
                header.broker_id,
                header.compressed
            ),
            ("broker-a", 1, false)
        );
        assert!(check_body_crc32(&reg.body, header.body_crc32).is_ok());
        let body = RegisterBrokerBody::from_json(&reg.body).unwrap();
        let wrapper = body.topic_config_serialize_wrapper;
        assert_eq!(wrapper.data_version.counter, 7);
        let (_, t2) = wrapper
            .topic_config_table
            .iter()
            .find(|(name, _)| name == "T2")
            .unwrap();
        assert_eq!(
            (t2.read_queue_nums, t2.write_queue_nums, t2.perm),
            (4, 4, 4)
        );
    }
}
