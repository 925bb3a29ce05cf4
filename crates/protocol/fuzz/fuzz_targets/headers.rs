//! Ext fields → every typed header. The input is text, one `key=value` per line (no `=`
//! means an empty value), so seeds and dictionaries stay readable; an empty input stands for
//! a command without extFields. Whatever a header accepts must re-encode to the same value.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use namesrv_protocol::headers::*;
use namesrv_protocol::ExtFields;

fn check<H: CommandHeader + PartialEq + Debug>(ext: Option<&ExtFields>) {
    if let Ok(header) = H::from_ext(ext) {
        assert_eq!(H::from_ext(Some(&header.to_ext())), Ok(header));
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

    check::<PutKvConfigRequestHeader>(ext);
    check::<GetKvConfigRequestHeader>(ext);
    check::<GetKvConfigResponseHeader>(ext);
    check::<DeleteKvConfigRequestHeader>(ext);
    check::<GetKvListByNamespaceRequestHeader>(ext);
    check::<RegisterBrokerRequestHeader>(ext);
    check::<RegisterBrokerResponseHeader>(ext);
    check::<UnregisterBrokerRequestHeader>(ext);
    check::<QueryDataVersionRequestHeader>(ext);
    check::<QueryDataVersionResponseHeader>(ext);
    check::<GetBrokerMemberGroupRequestHeader>(ext);
    check::<BrokerHeartbeatRequestHeader>(ext);
    check::<NotifyMinBrokerIdChangeRequestHeader>(ext);
    check::<GetRouteInfoRequestHeader>(ext);
    check::<WipeWritePermOfBrokerRequestHeader>(ext);
    check::<WipeWritePermOfBrokerResponseHeader>(ext);
    check::<AddWritePermOfBrokerRequestHeader>(ext);
    check::<AddWritePermOfBrokerResponseHeader>(ext);
    check::<DeleteTopicFromNamesrvRequestHeader>(ext);
    check::<RegisterTopicRequestHeader>(ext);
    check::<GetTopicsByClusterRequestHeader>(ext);
});
