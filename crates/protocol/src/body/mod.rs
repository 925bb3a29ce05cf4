//! Body types: the JSON (and zlib) payloads of name-server and controller requests and
//! responses.
//!
//! Every type reads leniently ([`JsonBody::from_json`] accepts fastjson's bare integer map
//! keys, `$ref` objects, missing and unknown members) and writes in either of the two
//! dialects the Java name server uses ([`JsonDialect`]): fastjson's default output, or the
//! standard JSON it sends to newer clients' route queries.

mod controller;
mod json;
mod properties;
mod register;
mod register_peek;
mod register_plain;
mod route;
mod tables;

pub use controller::{
    BrokerNames, BrokerReplicasInfo, ElectMasterResponseBody, ReplicaIdentity, ReplicasInfo,
    SyncStateSet,
};
pub use json::{JsonBody, JsonDialect, JsonWriter};
pub use properties::{
    parse_properties, set_properties_in_text, try_parse_properties, write_properties,
    PropertiesError,
};
pub use register::{
    body_crc32, check_body_crc32, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper,
    MAX_DECOMPRESSED_BODY,
};
pub use register_peek::{BodyFingerprint, RegisterBodyPeek};
pub use route::{BrokerData, QueueData, TopicQueueMappingInfo, TopicRouteData};
pub use tables::{
    BrokerMemberGroup, ClusterInfo, DataVersion, GetBrokerMemberGroupResponseBody, KvConfigFile,
    KvTable, TopicList,
};

/// Which route dialect a GET_ROUTEINFO_BY_TOPIC request gets: standard JSON for clients from
/// V4_9_4 on or when they ask for it, fastjson's default otherwise.
pub fn route_dialect(request_version: i32, accept_standard_json_only: bool) -> JsonDialect {
    if request_version >= crate::version::V4_9_4 || accept_standard_json_only {
        JsonDialect::Standard
    } else {
        JsonDialect::Fastjson
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_dialect_follows_version_and_flag() {
        assert_eq!(route_dialect(401, false), JsonDialect::Standard);
        assert_eq!(route_dialect(400, false), JsonDialect::Fastjson);
        assert_eq!(route_dialect(63, true), JsonDialect::Standard);
        assert_eq!(route_dialect(0, false), JsonDialect::Fastjson);
    }
}
