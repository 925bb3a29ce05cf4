//! One function per name-server request the CLI makes, each turning the answer into a typed
//! value or an [`AdminError`] that names the replica and the answer's code and remark.

use std::collections::BTreeMap;
use std::time::Duration;

use namesrv_protocol::body::{
    parse_properties, ClusterInfo, DataVersion, JsonBody, JsonDialect, KvTable, TopicList,
    TopicRouteData,
};
use namesrv_protocol::headers::{
    AddWritePermOfBrokerRequestHeader, CommandHeader, DeleteKvConfigRequestHeader,
    DeleteTopicFromNamesrvRequestHeader, GetKvConfigRequestHeader,
    GetKvListByNamespaceRequestHeader, GetRouteInfoRequestHeader, GetTopicsByClusterRequestHeader,
    PutKvConfigRequestHeader, QueryDataVersionRequestHeader, WipeWritePermOfBrokerRequestHeader,
};
use namesrv_protocol::RemotingCommand;

use crate::error::{self, AdminError};
use namesrv_client::Client;

const SUCCESS: i32 = 0;
const TOPIC_NOT_EXIST: i32 = 17;
const QUERY_NOT_FOUND: i32 = 22;
/// A draining or stopping replica's answer: ask another one.
const GO_AWAY: i32 = 1500;

pub fn connect(addr: &str, timeout: Duration) -> Result<Client, AdminError> {
    Client::connect(addr, timeout).map_err(|e| error::from_client(e, Some(timeout)))
}

pub(crate) fn ask(
    c: &mut Client,
    code: i32,
    header: Option<namesrv_protocol::ExtFields>,
    body: Option<Vec<u8>>,
) -> Result<RemotingCommand, AdminError> {
    let mut request = RemotingCommand::request(code, header);
    if let Some(body) = body {
        request = request.with_body(body);
    }
    let timeout = c.stream().read_timeout().ok().flatten();
    let answer = c
        .call(request)
        .map_err(|e| error::from_client(e, timeout))?;
    if answer.code == GO_AWAY {
        return Err(AdminError::GoingAway {
            addr: c.addr().to_owned(),
        });
    }
    Ok(answer)
}

pub(crate) fn refused(c: &Client, answer: &RemotingCommand) -> AdminError {
    AdminError::Refused {
        addr: c.addr().to_owned(),
        code: answer.code,
        remark: answer.remark.clone().unwrap_or_default(),
    }
}

/// Asks and insists on SUCCESS.
fn ask_ok(
    c: &mut Client,
    code: i32,
    header: Option<namesrv_protocol::ExtFields>,
    body: Option<Vec<u8>>,
) -> Result<RemotingCommand, AdminError> {
    let answer = ask(c, code, header, body)?;
    success(c, answer)
}

pub(crate) fn success(c: &Client, answer: RemotingCommand) -> Result<RemotingCommand, AdminError> {
    if answer.code == SUCCESS {
        Ok(answer)
    } else {
        Err(refused(c, &answer))
    }
}

pub(crate) fn body<T: JsonBody>(c: &Client, answer: &RemotingCommand) -> Result<T, AdminError> {
    T::from_json(&answer.body).map_err(|e| AdminError::BadAnswer {
        addr: c.addr().to_owned(),
        why: e.to_string(),
    })
}

pub fn cluster_info(c: &mut Client) -> Result<ClusterInfo, AdminError> {
    let answer = ask_ok(c, 106, None, None)?;
    body(c, &answer)
}

/// `None` when the replica has no route for the topic.
pub fn topic_route(c: &mut Client, topic: &str) -> Result<Option<TopicRouteData>, AdminError> {
    let header = GetRouteInfoRequestHeader {
        topic: topic.to_owned(),
        accept_standard_json_only: Some(true),
    };
    let answer = ask(c, 105, Some(header.to_ext()), None)?;
    match answer.code {
        TOPIC_NOT_EXIST => Ok(None),
        _ => {
            let answer = success(c, answer)?;
            body(c, &answer).map(Some)
        }
    }
}

pub fn topic_list(c: &mut Client, cluster: Option<&str>) -> Result<Vec<String>, AdminError> {
    let answer = match cluster {
        None => ask(c, 206, None, None)?,
        Some(cluster) => {
            let header = GetTopicsByClusterRequestHeader {
                cluster: cluster.to_owned(),
            };
            ask(c, 224, Some(header.to_ext()), None)?
        }
    };
    let answer = success(c, answer)?;
    let mut list: TopicList = body(c, &answer)?;
    list.topic_list.sort();
    Ok(list.topic_list)
}

pub fn kv_get(c: &mut Client, namespace: &str, key: &str) -> Result<Option<String>, AdminError> {
    let header = GetKvConfigRequestHeader {
        namespace: Some(namespace.to_owned()),
        key: Some(key.to_owned()),
    };
    let answer = ask(c, 101, Some(header.to_ext()), None)?;
    if answer.code == QUERY_NOT_FOUND {
        return Ok(None);
    }
    let answer = success(c, answer)?;
    Ok(answer.ext("value").map(str::to_owned))
}

pub fn kv_put(c: &mut Client, namespace: &str, key: &str, value: &str) -> Result<(), AdminError> {
    let header = PutKvConfigRequestHeader {
        namespace: Some(namespace.to_owned()),
        key: Some(key.to_owned()),
        value: Some(value.to_owned()),
    };
    ask_ok(c, 100, Some(header.to_ext()), None).map(drop)
}

pub fn kv_delete(c: &mut Client, namespace: &str, key: &str) -> Result<(), AdminError> {
    let header = DeleteKvConfigRequestHeader {
        namespace: Some(namespace.to_owned()),
        key: Some(key.to_owned()),
    };
    ask_ok(c, 102, Some(header.to_ext()), None).map(drop)
}

/// An empty table when the namespace does not exist.
pub fn kv_list(c: &mut Client, namespace: &str) -> Result<BTreeMap<String, String>, AdminError> {
    let header = GetKvListByNamespaceRequestHeader {
        namespace: namespace.to_owned(),
    };
    let answer = ask(c, 219, Some(header.to_ext()), None)?;
    if answer.code == QUERY_NOT_FOUND {
        return Ok(BTreeMap::new());
    }
    let answer = success(c, answer)?;
    let table: KvTable = body(c, &answer)?;
    Ok(table.table)
}

pub fn config_get(c: &mut Client) -> Result<BTreeMap<String, String>, AdminError> {
    let answer = ask_ok(c, 319, None, None)?;
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    Ok(parse_properties(&text).into_iter().collect())
}

pub fn config_update(
    c: &mut Client,
    settings: &BTreeMap<String, String>,
) -> Result<(), AdminError> {
    let text: String = settings.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    ask_ok(c, 318, None, Some(text.into_bytes())).map(drop)
}

/// Topics whose write permission was taken away (WIPE) or given back (ADD).
pub fn change_write_perm(
    c: &mut Client,
    broker_name: &str,
    writable: bool,
) -> Result<i64, AdminError> {
    let (code, header, field) = if writable {
        let h = AddWritePermOfBrokerRequestHeader {
            broker_name: broker_name.to_owned(),
        };
        (327, h.to_ext(), "addTopicCount")
    } else {
        let h = WipeWritePermOfBrokerRequestHeader {
            broker_name: broker_name.to_owned(),
        };
        (205, h.to_ext(), "wipeTopicCount")
    };
    let answer = ask_ok(c, code, Some(header), None)?;
    Ok(answer.ext(field).and_then(|v| v.parse().ok()).unwrap_or(0))
}

pub fn delete_topic(c: &mut Client, topic: &str, cluster: Option<&str>) -> Result<(), AdminError> {
    let header = DeleteTopicFromNamesrvRequestHeader {
        topic: topic.to_owned(),
        cluster_name: cluster.map(str::to_owned),
    };
    ask_ok(c, 216, Some(header.to_ext()), None).map(drop)
}

/// The data version a replica holds for one broker, or `None` if it does not know it.
///
/// QUERY_DATA_VERSION is a broker's "has my topic config changed?" request, and name servers
/// take it as a sign of life from the broker: Java 5.x on every query, 4.9.x when the answer
/// is "unchanged". The probe sends a version no broker ever has, so the answer is always
/// "changed", and `__READ_ONLY=true`, which our name server honours by not refreshing
/// liveness. Java ignores the key, so callers ask a Java name server only when told to
/// (see `flavor`).
pub fn data_version(
    c: &mut Client,
    cluster: &str,
    broker_name: &str,
    broker_addr: &str,
    broker_id: i64,
) -> Result<Option<DataVersion>, AdminError> {
    let header = QueryDataVersionRequestHeader {
        broker_name: broker_name.to_owned(),
        broker_addr: broker_addr.to_owned(),
        cluster_name: cluster.to_owned(),
        broker_id,
        read_only: Some(true),
    };
    let probe = DataVersion {
        state_version: -1,
        timestamp: -1,
        counter: -1,
    };
    let answer = ask_ok(
        c,
        322,
        Some(header.to_ext()),
        Some(probe.to_json(JsonDialect::Standard)),
    )?;
    if answer.body.is_empty() {
        return Ok(None);
    }
    body(c, &answer).map(Some)
}
