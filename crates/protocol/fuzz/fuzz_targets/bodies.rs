//! The remaining body readers (cluster info, data version, topic list, KV table, broker member
//! group): none may panic on arbitrary bytes. The register body, route, KV file and
//! properties readers have targets of their own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::body::{
    ClusterInfo, DataVersion, GetBrokerMemberGroupResponseBody, JsonBody, JsonDialect, TopicList,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = ClusterInfo::from_json(data) {
        ClusterInfo::from_json(&info.to_json(JsonDialect::Fastjson)).expect("reads back");
    }
    if let Ok(list) = TopicList::from_json(data) {
        TopicList::from_json(&list.to_json(JsonDialect::Standard)).expect("reads back");
    }
    let _ = DataVersion::from_json(data);
    let _ = GetBrokerMemberGroupResponseBody::from_json(data);
});
