//! Every body reader on arbitrary bytes: the register body in each of its forms (JSON,
//! zlib for 4.x and 5.x, the bare pre-3.0.11 wrapper), the route and cluster readers, the KV
//! file loader's format and the properties parser. None may panic; whatever decodes must
//! survive being written and read again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::body::{
    parse_properties, ClusterInfo, DataVersion, JsonBody, JsonDialect, KvConfigFile,
    RegisterBrokerBody, TopicRouteData,
};

fuzz_target!(|data: &[u8]| {
    for (compressed, version) in [(false, 479), (true, 479), (true, 409), (false, 0)] {
        if let Ok(body) = RegisterBrokerBody::decode(data, compressed, version) {
            let again = body.to_json(JsonDialect::Fastjson);
            RegisterBrokerBody::from_json(&again).expect("our own JSON reads back");
        }
    }
    if let Ok(route) = TopicRouteData::from_json(data) {
        for dialect in [JsonDialect::Standard, JsonDialect::Fastjson] {
            let again = TopicRouteData::from_json(&route.to_json(dialect)).expect("reads back");
            assert_eq!(again, route);
        }
    }
    let _ = ClusterInfo::from_json(data);
    let _ = DataVersion::from_json(data);
    if let Ok(file) = KvConfigFile::from_json(data) {
        let again =
            KvConfigFile::from_json(&file.to_json(JsonDialect::Standard)).expect("reads back");
        assert_eq!(again, file);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_properties(text);
    }
});
