//! One function per controller request the CLI makes (codes 1002, 1005, 1006, 1009–1011),
//! each turning the answer into a typed value or an [`AdminError`] naming the node, the code
//! and the remark. Bodies are read with the protocol crate's lenient reader, so Java's
//! fastjson output (bare number keys in a member group's `brokerAddrs`) reads as well as ours.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use namesrv_client::Client;
use namesrv_protocol::body::{
    parse_properties, BrokerNames, BrokerReplicasInfo, ElectMasterResponseBody, JsonBody,
    JsonDialect,
};
use namesrv_protocol::code::{ControllerRequestCode as Code, ResponseCode};
use namesrv_protocol::headers::{
    CleanControllerBrokerDataRequestHeader, CommandHeader, ElectMasterRequestHeader,
    ElectMasterResponseHeader, GetMetaDataResponseHeader,
};
use namesrv_protocol::RemotingCommand;

use crate::error::AdminError;
use crate::queries::{ask, body, refused, success};

/// Asks and insists on SUCCESS.
fn ask_ok(
    c: &mut Client,
    code: Code,
    header: Option<namesrv_protocol::ExtFields>,
    body: Option<Vec<u8>>,
) -> Result<RemotingCommand, AdminError> {
    let answer = ask(c, code.code(), header, body)?;
    success(c, answer)
}

fn response_header<H: CommandHeader>(
    c: &Client,
    answer: &RemotingCommand,
) -> Result<H, AdminError> {
    H::from_ext(answer.ext_fields.as_ref()).map_err(|e| AdminError::BadAnswer {
        addr: c.addr().to_owned(),
        why: e.to_string(),
    })
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// CONTROLLER_GET_METADATA_INFO. A port that does not know the code is most likely a name
/// server's, given where a controller's address is usually looked up; the error says so.
pub fn metadata(c: &mut Client) -> Result<GetMetaDataResponseHeader, AdminError> {
    let answer = ask(c, Code::CONTROLLER_GET_METADATA_INFO.code(), None, None)?;
    if answer.code == ResponseCode::REQUEST_CODE_NOT_SUPPORTED.code() {
        return Err(AdminError::Refused {
            addr: c.addr().to_owned(),
            code: answer.code,
            remark: format!(
                "{} (not a controller: give each node's address from controllerDLegerPeers, not \
                 its name-server port)",
                answer
                    .remark
                    .as_deref()
                    .unwrap_or("request code not supported")
            ),
        });
    }
    let answer = success(c, answer)?;
    response_header(c, &answer)
}

/// CONTROLLER_GET_SYNC_STATE_DATA for `names`; groups the controller does not know are left
/// out of the answer.
pub fn sync_state_data(c: &mut Client, names: &[String]) -> Result<BrokerReplicasInfo, AdminError> {
    let names = BrokerNames(names.to_vec()).to_json(JsonDialect::Fastjson);
    let answer = ask_ok(c, Code::CONTROLLER_GET_SYNC_STATE_DATA, None, Some(names))?;
    body(c, &answer)
}

/// CONTROLLER_ELECT_MASTER as an operator sends it (`designateElect=true`). A refusal because
/// the group's master still lives names that master, from the answer's header.
pub fn elect_master(
    c: &mut Client,
    cluster: &str,
    broker_name: &str,
    broker_id: i64,
) -> Result<(ElectMasterResponseHeader, ElectMasterResponseBody), AdminError> {
    let header = ElectMasterRequestHeader {
        cluster_name: cluster.to_owned(),
        broker_name: broker_name.to_owned(),
        broker_id,
        designate_elect: true,
        invoke_time: Some(now_millis()),
    };
    let answer = ask(
        c,
        Code::CONTROLLER_ELECT_MASTER.code(),
        Some(header.to_ext()),
        None,
    )?;
    if answer.code == ResponseCode::CONTROLLER_MASTER_STILL_EXIST.code() {
        let mut e = refused(c, &answer);
        if let (AdminError::Refused { remark, .. }, Ok(h)) = (
            &mut e,
            response_header::<ElectMasterResponseHeader>(c, &answer),
        ) {
            if let Some(id) = h.master_broker_id {
                remark.push_str(&format!(
                    " (master: broker {id} at {}, master epoch {})",
                    h.master_address.as_deref().unwrap_or("?"),
                    h.master_epoch.map_or("?".into(), |e| e.to_string())
                ));
            }
        }
        return Err(e);
    }
    let answer = success(c, answer)?;
    let header = response_header(c, &answer)?;
    let body = if answer.body.is_empty() {
        ElectMasterResponseBody::default()
    } else {
        body(c, &answer)?
    };
    Ok((header, body))
}

/// CLEAN_BROKER_DATA.
pub fn clean_broker_data(
    c: &mut Client,
    cluster: Option<&str>,
    broker_name: &str,
    broker_ids: Option<&str>,
    clean_living: bool,
) -> Result<(), AdminError> {
    let header = CleanControllerBrokerDataRequestHeader {
        cluster_name: cluster.map(str::to_owned),
        broker_name: broker_name.to_owned(),
        broker_controller_ids_to_clean: broker_ids.map(str::to_owned),
        is_clean_living_broker: clean_living,
        invoke_time: now_millis(),
    };
    ask_ok(c, Code::CLEAN_BROKER_DATA, Some(header.to_ext()), None).map(drop)
}

/// GET_CONTROLLER_CONFIG: one node's configuration.
pub fn config(c: &mut Client) -> Result<BTreeMap<String, String>, AdminError> {
    let answer = ask_ok(c, Code::GET_CONTROLLER_CONFIG, None, None)?;
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    Ok(parse_properties(&text).into_iter().collect())
}

/// UPDATE_CONTROLLER_CONFIG on one node.
pub fn update_config(
    c: &mut Client,
    settings: &BTreeMap<String, String>,
) -> Result<(), AdminError> {
    let text: String = settings.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    ask_ok(
        c,
        Code::UPDATE_CONTROLLER_CONFIG,
        None,
        Some(text.into_bytes()),
    )
    .map(drop)
}
