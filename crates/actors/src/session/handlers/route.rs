//! What clients ask most: GET_ROUTEINFO_BY_TOPIC and GET_BROKER_CLUSTER_INFO.

use namesrv_protocol::body::route_dialect;
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::{CommandHeader, GetRouteInfoRequestHeader, ZONE_MODE, ZONE_NAME};
use namesrv_protocol::RemotingCommand;

use crate::messages::{GetClusterInfo, GetTopicRoute, RouteError};
use crate::metrics::metrics;
use crate::session::context::{success, HandlerResult, RequestContext};

pub async fn topic_route(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = GetRouteInfoRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let dialect = route_dialect(
        request.version,
        header.accept_standard_json_only.unwrap_or(false),
    );
    let zone_mode = request
        .ext(ZONE_MODE)
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("true"));
    let zone = request
        .ext(ZONE_NAME)
        .filter(|z| zone_mode && !z.trim().is_empty())
        .map(str::to_owned);
    // Zone answers differ per request; everything else can be answered on this thread
    // while the route actor says kept answers are current.
    let answers = &cx.services.route_answers;
    let generation = answers.current().filter(|_| zone.is_none());
    if let Some(generation) = generation {
        if let Some(body) = answers.route(generation, &header.topic, dialect) {
            metrics().route_cache_hit.inc();
            return Ok(success(request).with_body(body));
        }
    }
    let keep = generation.map(|g| (g, header.topic.clone()));
    let answer = cx
        .services
        .route
        .send(GetTopicRoute {
            topic: header.topic,
            dialect,
            zone,
        })
        .await?;
    Ok(match answer {
        Ok(body) => {
            if let Some((generation, topic)) = keep {
                answers.keep_route(generation, &topic, dialect, body.clone());
            }
            success(request).with_body(body)
        }
        Err(e @ RouteError::TopicNotExist(_)) => {
            RemotingCommand::response_to(request, ResponseCode::TOPIC_NOT_EXIST)
                .with_remark(e.to_string())
        }
        Err(e) => RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
            .with_remark(e.to_string()),
    })
}

pub async fn cluster_info(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let answers = &cx.services.route_answers;
    let generation = answers.current();
    if let Some(body) = generation.and_then(|g| answers.cluster_info(g)) {
        return Ok(success(request).with_body(body));
    }
    let body = cx.services.route.send(GetClusterInfo).await?;
    if let Some(generation) = generation {
        answers.keep_cluster_info(generation, body.clone());
    }
    Ok(success(request).with_body(body))
}
