//! Request code → handler: the one place a new code is wired.
//!
//! Each arm names the handler for one code. Handlers decode their typed header and body,
//! ask the owning actor with a typed message, and build the response. Whatever goes wrong
//! inside a handler (a missing header field, a body that does not parse, an owner that is
//! gone) becomes a SYSTEM_ERROR response with a remark saying what, as Java answers its
//! handler exceptions; the connection stays up.

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use namesrv_protocol::code::{RequestCode, ResponseCode};
use namesrv_protocol::RemotingCommand;
use tracing::warn;

use super::context::RequestContext;
use super::handlers::{broker, config, kv, route, topic};

/// Handles one request and yields its response (the session drops it for oneway requests).
pub fn dispatch(
    request: RemotingCommand,
    cx: std::rc::Rc<RequestContext>,
) -> LocalBoxFuture<'static, RemotingCommand> {
    async move {
        let Some(code) = RequestCode::from_code(request.code) else {
            return not_supported(&request);
        };
        use RequestCode::*;
        let result = match code {
            PUT_KV_CONFIG => kv::put(&request, &cx).await,
            GET_KV_CONFIG => kv::get(&request, &cx).await,
            DELETE_KV_CONFIG => kv::delete(&request, &cx).await,
            GET_KVLIST_BY_NAMESPACE => kv::list(&request, &cx).await,
            REGISTER_BROKER => broker::register(&request, &cx).await,
            UNREGISTER_BROKER => broker::unregister(&request, &cx).await,
            QUERY_DATA_VERSION => broker::query_data_version(&request, &cx).await,
            BROKER_HEARTBEAT => broker::heartbeat(&request, &cx).await,
            GET_BROKER_MEMBER_GROUP => broker::member_group(&request, &cx).await,
            GET_ROUTEINFO_BY_TOPIC => route::topic_route(&request, &cx).await,
            GET_BROKER_CLUSTER_INFO => route::cluster_info(&request, &cx).await,
            WIPE_WRITE_PERM_OF_BROKER => topic::change_write_perm(&request, &cx, false).await,
            ADD_WRITE_PERM_OF_BROKER => topic::change_write_perm(&request, &cx, true).await,
            GET_ALL_TOPIC_LIST_FROM_NAMESERVER
            | GET_TOPICS_BY_CLUSTER
            | GET_SYSTEM_TOPIC_LIST_FROM_NS
            | GET_UNIT_TOPIC_LIST
            | GET_HAS_UNIT_SUB_TOPIC_LIST
            | GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST => topic::list(code, &request, &cx).await,
            DELETE_TOPIC_IN_NAMESRV => topic::delete(&request, &cx).await,
            REGISTER_TOPIC_IN_NAMESRV => topic::register(&request, &cx).await,
            UPDATE_NAMESRV_CONFIG => config::update(&request, &cx).await,
            GET_NAMESRV_CONFIG => config::get(&request, &cx).await,
            // We send this one; a name server is never asked it.
            NOTIFY_MIN_BROKER_ID_CHANGE => return not_supported(&request),
        };
        result.unwrap_or_else(|e| {
            warn!(code = request.code, error = %e, "request failed");
            RemotingCommand::response_to(&request, ResponseCode::SYSTEM_ERROR)
                .with_remark(e.to_string())
        })
    }
    .boxed_local()
}

fn not_supported(request: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(request, ResponseCode::REQUEST_CODE_NOT_SUPPORTED)
        .with_remark(format!(" request type {} not supported", request.code))
}
