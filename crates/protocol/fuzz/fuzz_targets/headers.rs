//! Ext fields → every typed header. The input is text, one `key=value` per line (no `=`
//! means an empty value), so seeds and dictionaries stay readable; an empty input stands for
//! a command without extFields. Whatever a header accepts must re-encode to the same value.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::code::{visit_all_headers, HeaderVisitor};
use namesrv_protocol::headers::CommandHeader;
use namesrv_protocol::ExtFields;

/// Whatever a header of either request table accepts must re-encode to the same value.
struct ReEncodes<'a>(Option<&'a ExtFields>);

impl HeaderVisitor for ReEncodes<'_> {
    fn visit<H: CommandHeader + PartialEq + Debug>(&mut self, _: i32, _: &'static str) {
        if let Ok(header) = H::from_ext(self.0) {
            assert_eq!(H::from_ext(Some(&header.to_ext())), Ok(header));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let fields: ExtFields = text
        .split('\n')
        .filter(|line| !line.is_empty())
        .map(|line| line.split_once('=').unwrap_or((line, "")))
        .collect();
    let ext = (!data.is_empty()).then_some(&fields);

    visit_all_headers(&mut ReEncodes(ext));
});
