//! The Java properties text of GET/UPDATE_NAMESRV_CONFIG bodies and `-c` files: no input may
//! panic; every input reads as `java.util.Properties.load` reads it (the model in
//! `tests/java_properties_model`: line ends at `\r`, `\n` and `\r\n`, continuations, comments,
//! separators, escapes, and the rejection of a malformed `\uXXXX`); and pairs made of plain
//! characters (the only ones Java's unescaped writer keeps intact, too) survive being written
//! and parsed again.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::body::{parse_properties, try_parse_properties, write_properties};

#[path = "../../tests/java_properties_model/mod.rs"]
mod java_properties_model;

fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let java = java_properties_model::java_load(text);
    assert_eq!(try_parse_properties(text).map_err(|_| ()), java, "{text:?}");
    if let Ok(entries) = &java {
        assert_eq!(&parse_properties(text), entries, "lenient: {text:?}");
    }
    let plain_pairs: BTreeMap<String, String> = parse_properties(text)
        .into_iter()
        .filter(|(k, v)| plain(k) && plain(v))
        .collect();
    let again: BTreeMap<String, String> = parse_properties(&write_properties(&plain_pairs))
        .into_iter()
        .collect();
    assert_eq!(again, plain_pairs);
});
