//! The first bytes of a connection → `proxy_protocol::parse`. Besides "no panic": the
//! shortest prefix of the input that is not incomplete is decided as the whole input is (so
//! a server reading a preamble in any pieces reaches one decision); a complete preamble is
//! no longer than its version allows nor than the input; and it re-encodes to bytes that
//! parse back to the same header.

#![no_main]

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::proxy_protocol::{
    parse, Preamble, ProxyVersion, V1_MAX_LENGTH, V2_MAX_LENGTH,
};

fuzz_target!(|data: &[u8]| {
    let whole = parse(data);
    for cut in 0..data.len() {
        let part = parse(&data[..cut]);
        if part != Ok(Preamble::Incomplete) {
            assert_eq!(part, whole, "the first {cut} bytes decide otherwise");
            break;
        }
    }
    if let Ok(Preamble::Complete { header, length }) = whole {
        let limit = match header.version {
            ProxyVersion::V1 => V1_MAX_LENGTH,
            ProxyVersion::V2 => V2_MAX_LENGTH,
        };
        assert!(length <= limit && length <= data.len());
        let again = header.encode();
        assert_eq!(
            parse(&again),
            Ok(Preamble::Complete {
                header,
                length: again.len()
            })
        );
    }
});
