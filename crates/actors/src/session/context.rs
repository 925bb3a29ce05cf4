//! What every request handler works with: the context of its connection, its error type,
//! and the plain SUCCESS answer. Kept apart from `dispatch` so handlers depend on this and
//! `dispatch` on the handlers, never the other way round.

use actix::{MailboxError, Recipient};
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::error::BodyError;
use namesrv_protocol::{HeaderError, RemotingCommand};

use crate::messages::{CloseSession, ConnectionId};
use crate::services::Services;

/// What a handler knows besides the request.
#[derive(Clone)]
pub struct RequestContext {
    pub services: Services,
    pub connection: ConnectionId,
    pub session: Recipient<CloseSession>,
}

/// Why a handler could not produce its normal answer.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("{0}")]
    Header(#[from] HeaderError),
    #[error("{0}")]
    Body(#[from] BodyError),
    #[error("internal error: {0}")]
    Mailbox(#[from] MailboxError),
    /// A body decoded on the blocking pool did not come back (a panic, or shutdown).
    #[error("internal error: {0}")]
    DecodeTask(#[from] tokio::task::JoinError),
}

pub type HandlerResult = Result<RemotingCommand, HandlerError>;

/// A plain SUCCESS response.
pub fn success(request: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(request, ResponseCode::SUCCESS)
}
