//! UPDATE_NAMESRV_CONFIG and GET_NAMESRV_CONFIG.

use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::RemotingCommand;

use crate::messages::{ConfigUpdateError, GetNamesrvConfig, UpdateNamesrvConfig};
use crate::session::context::{success, HandlerResult, RequestContext};

pub async fn update(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let Some(body) = request.body() else {
        return Ok(success(request));
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return Ok(
            RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
                .with_remark("string2Properties error"),
        );
    };
    Ok(
        match cx
            .services
            .config
            .send(UpdateNamesrvConfig(text.to_owned()))
            .await?
        {
            Ok(()) => success(request),
            Err(e @ (ConfigUpdateError::BlackListed(_) | ConfigUpdateError::NotUpdatable(_))) => {
                RemotingCommand::response_to(request, ResponseCode::NO_PERMISSION)
                    .with_remark(e.to_string())
            }
            Err(e) => RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR)
                .with_remark(e.to_string()),
        },
    )
}

pub async fn get(request: &RemotingCommand, cx: &RequestContext) -> HandlerResult {
    let text = cx.services.config.send(GetNamesrvConfig).await?;
    Ok(success(request).with_body(text.into_bytes()))
}
