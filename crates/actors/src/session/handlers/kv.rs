//! PUT/GET/DELETE_KV_CONFIG and GET_KVLIST_BY_NAMESPACE.

use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::{
    CommandHeader, DeleteKvConfigRequestHeader, GetKvConfigRequestHeader,
    GetKvConfigResponseHeader, GetKvListByNamespaceRequestHeader, PutKvConfigRequestHeader,
};
use namesrv_protocol::RemotingCommand;

use crate::messages::{DeleteKvConfig, GetKvConfig, GetKvList, PutKvConfig};
use crate::session::context::{success, HandlerResult, RequestContext};

fn namespace_or_key_is_null(request: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
        .with_remark("namespace or key is null")
}

pub async fn put(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = PutKvConfigRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let (Some(namespace), Some(key)) = (header.namespace, header.key) else {
        return Ok(namespace_or_key_is_null(request));
    };
    let written = cx
        .services
        .kv
        .send(PutKvConfig {
            namespace,
            key,
            value: header.value,
        })
        .await?;
    Ok(match written {
        Ok(()) => success(request),
        Err(e) => RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
            .with_remark(e.to_string()),
    })
}

pub async fn get(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = GetKvConfigRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let (Some(namespace), Some(key)) = (header.namespace, header.key) else {
        return Ok(namespace_or_key_is_null(request));
    };
    let found = cx
        .services
        .kv
        .send(GetKvConfig {
            namespace: namespace.clone(),
            key: key.clone(),
        })
        .await?;
    Ok(match found {
        Some(value) => success(request)
            .with_ext_fields(GetKvConfigResponseHeader { value: Some(value) }.to_ext()),
        None => RemotingCommand::response_to(request, ResponseCode::QUERY_NOT_FOUND)
            .with_remark(format!("No config item, Namespace: {namespace} Key: {key}"))
            .with_ext_fields(GetKvConfigResponseHeader { value: None }.to_ext()),
    })
}

pub async fn delete(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = DeleteKvConfigRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let (Some(namespace), Some(key)) = (header.namespace, header.key) else {
        return Ok(namespace_or_key_is_null(request));
    };
    let written = cx
        .services
        .kv
        .send(DeleteKvConfig { namespace, key })
        .await?;
    Ok(match written {
        Ok(()) => success(request),
        Err(e) => RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
            .with_remark(e.to_string()),
    })
}

pub async fn list(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let header = GetKvListByNamespaceRequestHeader::from_ext(request.ext_fields.as_ref())?;
    let table = cx
        .services
        .kv
        .send(GetKvList {
            namespace: header.namespace.clone(),
        })
        .await?;
    Ok(match table {
        Some(body) => success(request).with_body(body),
        None => RemotingCommand::response_to(request, ResponseCode::QUERY_NOT_FOUND)
            .with_remark(format!("No config item, Namespace: {}", header.namespace)),
    })
}
