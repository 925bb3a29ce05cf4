//! The register body as each broker line sends it: plain JSON, zlib-compressed in the 4.x
//! form and in the 5.x form, and the bare pre-3.0.11 wrapper (request version 0). Hostile
//! counts and zip bombs must be refused, never allocated; whatever decodes must survive our
//! own writer in both dialects.
#![no_main]

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::body::{JsonBody, JsonDialect, RegisterBrokerBody};

fuzz_target!(|data: &[u8]| {
    for (compressed, version) in [(false, 479), (true, 479), (true, 409), (false, 409), (false, 0)]
    {
        if let Ok(body) = RegisterBrokerBody::decode(data, compressed, version) {
            for dialect in [JsonDialect::Fastjson, JsonDialect::Standard] {
                let again = body.to_json(dialect);
                RegisterBrokerBody::from_json(&again).expect("our own JSON reads back");
            }
        }
    }
});
