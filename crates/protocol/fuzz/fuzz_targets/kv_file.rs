//! The KV config file loader's format (`kvConfig.json`, as Java writes it). A file that
//! loads must save and load back unchanged: the KV store is the only state we persist.
#![no_main]

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::body::{JsonBody, JsonDialect, KvConfigFile, KvTable};

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = KvConfigFile::from_json(data) {
        for dialect in [JsonDialect::Standard, JsonDialect::Fastjson] {
            let again = KvConfigFile::from_json(&file.to_json(dialect)).expect("reads back");
            assert_eq!(again, file);
        }
    }
    let _ = KvTable::from_json(data);
});
