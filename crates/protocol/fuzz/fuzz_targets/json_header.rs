//! Header bytes → the JSON header reader. Whatever it accepts must re-encode to JSON that
//! reads back as the same command: the writer can express everything the reader produces.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use namesrv_protocol::encoding::json;

fuzz_target!(|data: &[u8]| {
    let Ok(command) = json::decode(data) else {
        return;
    };
    let mut out = BytesMut::new();
    json::encode(&command, &mut out);
    let again = json::decode(&out).expect("our own JSON header decodes");
    assert_eq!(again, command);
});
