//! The route body, read leniently (bare integer keys, `$ref`, unknown members) and written in
//! both dialects: a route that reads must write and read back to an equal value, since clients
//! and the route cache depend on the writer never losing a field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::body::{JsonBody, JsonDialect, TopicRouteData};

fuzz_target!(|data: &[u8]| {
    if let Ok(route) = TopicRouteData::from_json(data) {
        for dialect in [JsonDialect::Standard, JsonDialect::Fastjson] {
            let again = TopicRouteData::from_json(&route.to_json(dialect)).expect("reads back");
            assert_eq!(again, route);
        }
    }
});
