//! The Java properties text of GET/UPDATE_NAMESRV_CONFIG bodies and `-c` files: no input may
//! panic, and pairs made of plain characters (the only ones Java's unescaped writer keeps
//! intact, too) must survive being written and parsed again.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::body::{parse_properties, write_properties};

fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let plain_pairs: BTreeMap<String, String> = parse_properties(text)
        .into_iter()
        .filter(|(k, v)| plain(k) && plain(v))
        .collect();
    let again: BTreeMap<String, String> = parse_properties(&write_properties(&plain_pairs))
        .into_iter()
        .collect();
    assert_eq!(again, plain_pairs);
});
