//! Topic administration: write permissions, topic lists, delete and register topic.

use namesrv_protocol::body::{JsonBody, TopicRouteData};
use namesrv_protocol::code::{RequestCode, ResponseCode};
use namesrv_protocol::headers::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader, CommandHeader,
    DeleteTopicFromNamesrvRequestHeader, GetTopicsByClusterRequestHeader,
    RegisterTopicRequestHeader, WipeWritePermOfBrokerRequestHeader,
    WipeWritePermOfBrokerResponseHeader,
};
use namesrv_protocol::RemotingCommand;

use crate::messages::{ChangeWritePerm, DeleteTopic, GetTopicList, RegisterTopic, TopicListQuery};
use crate::session::context::{success, HandlerResult, RequestContext};

pub async fn change_write_perm(
    request: &RemotingCommand,
    cx: &RequestContext,
    writable: bool,
) -> HandlerResult {
    let broker_name = if writable {
        AddWritePermOfBrokerRequestHeader::from_ext(request.ext_fields.as_ref())?.broker_name
    } else {
        WipeWritePermOfBrokerRequestHeader::from_ext(request.ext_fields.as_ref())?.broker_name
    };
    let count = cx
        .services
        .route
        .send(ChangeWritePerm {
            broker_name,
            writable,
        })
        .await?;
    let ext = if writable {
        AddWritePermOfBrokerResponseHeader {
            add_topic_count: count,
        }
        .to_ext()
    } else {
        WipeWritePermOfBrokerResponseHeader {
            wipe_topic_count: count,
        }
        .to_ext()
    };
    Ok(success(request).with_ext_fields(ext))
}

pub async fn list(
    code: RequestCode,
    request: &RemotingCommand,
    cx: &RequestContext,
) -> HandlerResult {
    let query = match code {
        RequestCode::GET_TOPICS_BY_CLUSTER => TopicListQuery::ByCluster(
            GetTopicsByClusterRequestHeader::from_ext(request.ext_fields.as_ref())?.cluster,
        ),
        RequestCode::GET_SYSTEM_TOPIC_LIST_FROM_NS => TopicListQuery::System,
        RequestCode::GET_UNIT_TOPIC_LIST => TopicListQuery::Unit,
        RequestCode::GET_HAS_UNIT_SUB_TOPIC_LIST => TopicListQuery::HasUnitSub,
        RequestCode::GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST => TopicListQuery::HasUnitSubUnUnit,
        _ => TopicListQuery::All,
    };
    Ok(match cx.services.route.send(GetTopicList(query)).await? {
        Ok(body) => success(request).with_body(body),
        Err(e) => RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
            .with_remark(e.to_string()),
    })
}

pub async fn delete(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = DeleteTopicFromNamesrvRequestHeader::from_ext(request.ext_fields.as_ref())?;
    cx.services
        .route
        .send(DeleteTopic {
            topic: header.topic,
            cluster_name: header.cluster_name.filter(|c| !c.is_empty()),
        })
        .await?;
    Ok(success(request))
}

pub async fn register(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = RegisterTopicRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let Some(body) = request.body() else {
        return Ok(success(request));
    };
    let route = TopicRouteData::from_json(body)?;
    if !route.queue_datas.is_empty() {
        cx.services
            .route
            .send(RegisterTopic {
                topic: header.topic,
                queue_datas: route.queue_datas,
            })
            .await?;
    }
    Ok(success(request))
}
