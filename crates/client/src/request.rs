//! Requests built from plain `(key, value)` pairs, for requests without a typed header and for
//! headers a test wants to garble on purpose.

use namesrv_protocol::{ExtFields, RemotingCommand};

/// GET_ROUTEINFO_BY_TOPIC.
const GET_ROUTEINFO_BY_TOPIC: i32 = 105;

/// A request of `code` with the given header fields.
pub fn request(code: i32, fields: &[(&str, &str)]) -> RemotingCommand {
    let ext: ExtFields = fields.iter().map(|(k, v)| (*k, *v)).collect();
    RemotingCommand::request(code, Some(ext))
}

/// The route query of `topic`.
pub fn route_query(topic: &str) -> RemotingCommand {
    request(GET_ROUTEINFO_BY_TOPIC, &[("topic", topic)])
}

/// `cmd` with header field `key` set to `value`, or removed when `value` is `None`.
pub fn with_ext(mut cmd: RemotingCommand, key: &str, value: Option<&str>) -> RemotingCommand {
    let mut fields = cmd.ext_fields.take().unwrap_or_default();
    match value {
        Some(v) => fields.insert(key, v),
        None => {
            fields.remove(key);
        }
    }
    cmd.ext_fields = Some(fields);
    cmd
}
