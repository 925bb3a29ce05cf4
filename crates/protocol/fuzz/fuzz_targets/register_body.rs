//! The register body as each broker line sends it: plain JSON, zlib-compressed in the 4.x
//! form and in the 5.x form, and the bare pre-3.0.11 wrapper (request version 0). Hostile
//! counts and zip bombs must be refused, never allocated; whatever decodes must survive our
//! own writer in both dialects. The peek that may spare the decode must never panic, must
//! give the whole body's CRC, and must read the data version the decode reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::body::{
    body_crc32, JsonBody, JsonDialect, RegisterBodyPeek, RegisterBrokerBody,
};

fuzz_target!(|data: &[u8]| {
    for (compressed, version) in [(false, 479), (true, 479), (true, 409), (false, 409), (false, 0)]
    {
        let peek = RegisterBodyPeek::of(data, compressed, version);
        assert_eq!(peek.masked_crc32(), body_crc32(data));
        let decoded = RegisterBrokerBody::decode(data, compressed, version);
        if let (Some((peeked, _)), Ok(body)) = (peek.known, &decoded) {
            assert_eq!(peeked, body.topic_config_serialize_wrapper.data_version);
        }
        if let Ok(body) = decoded {
            for dialect in [JsonDialect::Fastjson, JsonDialect::Standard] {
                let again = body.to_json(dialect);
                RegisterBrokerBody::from_json(&again).expect("our own JSON reads back");
            }
        }
    }
});
