//! What brokers send: REGISTER_BROKER, UNREGISTER_BROKER, QUERY_DATA_VERSION,
//! BROKER_HEARTBEAT and GET_BROKER_MEMBER_GROUP.

use namesrv_protocol::body::{
    DataVersion, JsonBody, RegisterBodyPeek, RegisterBrokerBody, TopicConfigSerializeWrapper,
};
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::error::BodyError;
use namesrv_protocol::headers::{
    BrokerHeartbeatRequestHeader, CommandHeader, GetBrokerMemberGroupRequestHeader,
    QueryDataVersionRequestHeader, QueryDataVersionResponseHeader, RegisterBrokerRequestHeader,
    RegisterBrokerResponseHeader, UnregisterBrokerRequestHeader, ZONE_NAME,
};
use namesrv_protocol::version::V3_0_11;
use namesrv_protocol::RemotingCommand;

use crate::messages::{BrokerAddrKey, BrokerRegistration, BrokerUnregistration};
use crate::messages::{
    BrokerHeartbeat, GetBrokerMemberGroup, QueryDataVersion, RegisterBroker, RegisterBrokerReply,
    RegisterUnchanged, UnregisterBroker,
};
use crate::session::context::{success, HandlerError, HandlerResult, RequestContext};

/// Bodies at least this large are decoded on the blocking pool, not on the connection's
/// thread, which also answers route queries; smaller ones decode faster than the hop.
const DECODE_OFF_THREAD_FROM: usize = 64 * 1024;

/// REGISTER_BROKER. A body whose topics the route owner already applied (the same bytes
/// outside the data version, no route changed since) is not decoded at all; any other is
/// decoded off this thread and registered in full. See `route/table/unchanged.rs`.
pub async fn register(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = RegisterBrokerRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let peek = RegisterBodyPeek::of(&request.body, header.compressed, request.version);
    if header.body_crc32 != 0 && i64::from(peek.masked_crc32()) != i64::from(header.body_crc32) {
        let e = BodyError::CrcMismatch {
            expected: header.body_crc32 as u32,
            actual: peek.masked_crc32(),
        };
        return Ok(
            RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
                .with_remark(e.to_string()),
        );
    }
    let mut registration = BrokerRegistration {
        cluster_name: header.cluster_name,
        broker_addr: header.broker_addr,
        broker_name: header.broker_name,
        broker_id: header.broker_id,
        ha_server_addr: header.ha_server_addr,
        zone_name: request.ext(ZONE_NAME).map(str::to_owned),
        heartbeat_timeout_millis: header.heartbeat_timeout_millis,
        enable_acting_master: header.enable_acting_master,
        topic_config_wrapper: None,
        filter_server_list: None,
        connection: cx.connection,
        body_fingerprint: peek.known.map(|(_, fingerprint)| fingerprint),
    };
    if let Some((data_version, _)) = peek.known {
        let reply = cx
            .services
            .route
            .send(RegisterUnchanged {
                registration: registration.clone(),
                data_version,
                session: Some(cx.session.clone()),
            })
            .await?;
        if let Some(reply) = reply {
            return Ok(register_answer(request, reply));
        }
    }
    let (wrapper, filter_server_list) = decode_body(request, header.compressed).await?;
    registration.topic_config_wrapper = Some(wrapper);
    registration.filter_server_list = filter_server_list;
    let reply = cx
        .services
        .route
        .send(RegisterBroker {
            registration,
            session: Some(cx.session.clone()),
        })
        .await?;
    Ok(register_answer(request, reply))
}

/// The topics and filter servers of a register body (none for an absent body).
async fn decode_body(
    request: &RemotingCommand,
    compressed: bool,
) -> Result<(TopicConfigSerializeWrapper, Option<Vec<String>>), HandlerError> {
    let version = request.version;
    let with_filters = version >= V3_0_11;
    if request.body.is_empty() {
        return Ok((Default::default(), with_filters.then(Vec::new)));
    }
    let decode = move |body: &[u8]| {
        RegisterBrokerBody::decode(body, compressed, version)
            .map_err(|e| BodyError::Json(format!("Failed to decode RegisterBrokerBody: {e}")))
    };
    let decoded = if request.body.len() >= DECODE_OFF_THREAD_FROM {
        let body = request.body.clone();
        tokio::task::spawn_blocking(move || decode(&body)).await??
    } else {
        decode(&request.body)?
    };
    let filters = with_filters.then_some(decoded.filter_server_list);
    Ok((decoded.topic_config_serialize_wrapper, filters))
}

fn register_answer(request: &RemotingCommand, reply: RegisterBrokerReply) -> RemotingCommand {
    match reply {
        RegisterBrokerReply::Registered {
            master_addr,
            ha_server_addr,
            order_topic_config,
        } => {
            let response = success(request).with_ext_fields(
                RegisterBrokerResponseHeader {
                    ha_server_addr,
                    master_addr,
                }
                .to_ext(),
            );
            match order_topic_config {
                Some(body) => response.with_body(body),
                None => response,
            }
        }
        RegisterBrokerReply::Conflict => {
            success(request).with_ext_fields(RegisterBrokerResponseHeader::default().to_ext())
        }
        // Java built the (empty) response header before refusing, so it goes out as `{}`.
        RegisterBrokerReply::Refused => {
            RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
                .with_remark("register broker failed")
                .with_ext_fields(RegisterBrokerResponseHeader::default().to_ext())
        }
    }
}

pub async fn unregister(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = UnregisterBrokerRequestHeader::from_ext(request.ext_fields.as_ref())?;
    cx.services
        .route
        .send(UnregisterBroker(BrokerUnregistration {
            cluster_name: header.cluster_name,
            broker_addr: header.broker_addr,
            broker_name: header.broker_name,
            broker_id: header.broker_id,
        }))
        .await?;
    Ok(success(request))
}

pub async fn query_data_version(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = QueryDataVersionRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let version = request
        .body()
        .map(|b| DataVersion::from_json(b))
        .transpose()?;
    let reply = cx
        .services
        .route
        .send(QueryDataVersion {
            key: BrokerAddrKey {
                cluster_name: header.cluster_name,
                broker_addr: header.broker_addr,
            },
            version,
            refreshes_liveness: header.read_only != Some(true),
        })
        .await?;
    let response = success(request).with_ext_fields(
        QueryDataVersionResponseHeader {
            changed: reply.changed,
        }
        .to_ext(),
    );
    Ok(match reply.stored {
        Some(body) => response.with_body(body),
        None => response,
    })
}

pub async fn heartbeat(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = BrokerHeartbeatRequestHeader::from_ext(request.ext_fields.as_ref())?;
    cx.services
        .liveness
        .send(BrokerHeartbeat(BrokerAddrKey {
            cluster_name: header.cluster_name,
            broker_addr: header.broker_addr,
        }))
        .await?;
    Ok(success(request))
}

pub async fn member_group(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = GetBrokerMemberGroupRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let body = cx
        .services
        .route
        .send(GetBrokerMemberGroup {
            cluster_name: header.cluster_name,
            broker_name: header.broker_name,
        })
        .await?;
    // Java never clears the placeholder remark of this response; clients ignore it.
    Ok(success(request)
        .with_remark(JAVA_PLACEHOLDER_REMARK)
        .with_body(body))
}

/// The remark Java's response constructor puts in and some handlers never replace.
const JAVA_PLACEHOLDER_REMARK: &str = "not set any response code";
