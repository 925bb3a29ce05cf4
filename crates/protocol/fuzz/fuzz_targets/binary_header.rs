//! Header bytes → the ROCKETMQ binary header reader. Whatever it accepts must re-encode to
//! a header that reads back as the same command, up to the encoding's documented losses.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use namesrv_protocol::encoding::binary;
use namesrv_protocol::LanguageCode;

fuzz_target!(|data: &[u8]| {
    let Ok(mut command) = binary::decode(data) else {
        return;
    };
    let mut out = BytesMut::new();
    binary::encode(&command, &mut out);
    let again = binary::decode(&out).expect("our own binary header decodes");
    // An unknown language byte is written as OTHER, and a map section whose entries were all
    // nulls is written as no map.
    command.language = command.language.or(Some(LanguageCode::OTHER));
    command.ext_fields = command.ext_fields.filter(|f| !f.is_empty());
    assert_eq!(again, command);
});
