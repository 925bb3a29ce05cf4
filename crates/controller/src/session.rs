//! A session: one actor per connection on the controller listener.
//!
//! It decodes frames, turns each request into a typed message to the owner that answers it
//! (the replicated state's owner, the liveness owner, or, for Raft traffic between controllers,
//! the Raft engine itself), and writes the answer back under the request's opaque. Requests of
//! one connection are handled concurrently: a Raft message must never wait behind a client
//! request that is itself waiting for Raft to commit.
//!
//! A frame that cannot be decoded closes the connection (the stream can no longer be trusted);
//! a request whose header is unreadable gets SYSTEM_ERROR naming the field, as Java's decoding
//! failure does; an unknown code gets REQUEST_CODE_NOT_SUPPORTED. When the connection ends, the
//! liveness owner is told, which makes any broker heartbeating over it inactive at once.

use std::collections::BTreeMap;

use actix::io::{FramedWrite, WriteHandler};
use actix::prelude::*;
use namesrv_protocol::body::try_parse_properties;
use namesrv_protocol::body::JsonBody;
use namesrv_protocol::body::{BrokerNames, SyncStateSet};
use namesrv_protocol::code::{ControllerRequestCode as Code, ResponseCode};
use namesrv_protocol::headers::CommandHeader;
use namesrv_protocol::{ProtocolError, RemotingCodec, RemotingCommand};
use std::future::Future;
use tokio::net::tcp::OwnedWriteHalf;
use tracing::debug;

use crate::actor::messages::*;
use crate::listener::ConnectionCount;
use crate::services::ControllerServices;

pub struct ControllerSession {
    id: ConnectionId,
    writer: FramedWrite<RemotingCommand, OwnedWriteHalf, RemotingCodec>,
    services: ControllerServices,
    _counted: ConnectionCount,
}

impl ControllerSession {
    pub fn new(
        id: ConnectionId,
        writer: FramedWrite<RemotingCommand, OwnedWriteHalf, RemotingCodec>,
        services: ControllerServices,
        counted: ConnectionCount,
    ) -> Self {
        Self {
            id,
            writer,
            services,
            _counted: counted,
        }
    }

    fn answer(&mut self, request: &RemotingCommand, reply: Reply) {
        if request.is_oneway() {
            return;
        }
        let mut response = RemotingCommand::response_to(request, reply.code);
        if let Some(remark) = reply.remark {
            response = response.with_remark(remark);
        }
        if let Some(ext) = reply.ext {
            response = response.with_ext_fields(ext);
        }
        if let Some(body) = reply.body {
            response = response.with_body(body);
        }
        self.writer.write(response);
    }

    /// Answers `request` with what `reply` resolves to, without holding up other requests.
    fn reply_later(
        &mut self,
        ctx: &mut Context<Self>,
        request: RemotingCommand,
        reply: impl Future<Output = Reply> + 'static,
    ) {
        ctx.spawn(
            reply
                .into_actor(self)
                .map(move |reply, act, _| act.answer(&request, reply)),
        );
    }

    fn handle_request(&mut self, request: RemotingCommand, ctx: &mut Context<Self>) {
        let Some(code) = Code::from_code(request.code) else {
            let reply = Reply::code(
                ResponseCode::REQUEST_CODE_NOT_SUPPORTED,
                format!(" request type {} not supported", request.code),
            );
            return self.answer(&request, reply);
        };
        match self.dispatch(code, &request) {
            Ok(Dispatched::Now(reply)) => self.answer(&request, reply),
            Ok(Dispatched::Later(future)) => self.reply_later(ctx, request, future),
            Err(reply) => self.answer(&request, reply),
        }
    }

    fn dispatch(&mut self, code: Code, request: &RemotingCommand) -> Result<Dispatched, Reply> {
        let owner = self.services.replicas.clone();
        let ask = move |message: ControllerRequest| -> Dispatched {
            Dispatched::Later(Box::pin(async move {
                owner.send(message).await.unwrap_or_else(|_| {
                    Reply::code(ResponseCode::SYSTEM_ERROR, "controller stopping")
                })
            }))
        };
        let ext = request.ext_fields.as_ref();
        Ok(match code {
            Code::CONTROLLER_ALTER_SYNC_STATE_SET => {
                let body = request
                    .body()
                    .ok_or_else(|| bad("the SyncStateSet body is missing"))?;
                let set = SyncStateSet::from_json(body)
                    .map_err(|e| bad(format!("bad SyncStateSet body: {e}")))?;
                ask(ControllerRequest::AlterSyncStateSet(header(ext)?, set))
            }
            Code::CONTROLLER_ELECT_MASTER => ask(ControllerRequest::ElectMaster(header(ext)?)),
            Code::CONTROLLER_REGISTER_BROKER => {
                ask(ControllerRequest::RegisterBroker(header(ext)?))
            }
            Code::CONTROLLER_GET_REPLICA_INFO => {
                ask(ControllerRequest::GetReplicaInfo(header(ext)?))
            }
            Code::CONTROLLER_GET_SYNC_STATE_DATA => {
                let names = match request.body() {
                    Some(body) => {
                        BrokerNames::from_json(body)
                            .map_err(|e| bad(format!("bad broker name list: {e}")))?
                            .0
                    }
                    None => Vec::new(),
                };
                if names.is_empty() {
                    // Java falls through to its "no response code set" answer.
                    Dispatched::Now(Reply::code(
                        ResponseCode::SYSTEM_ERROR,
                        "not set any response code",
                    ))
                } else {
                    ask(ControllerRequest::GetSyncStateData(names))
                }
            }
            Code::CLEAN_BROKER_DATA => ask(ControllerRequest::CleanBrokerData(header(ext)?)),
            Code::CONTROLLER_GET_NEXT_BROKER_ID => {
                ask(ControllerRequest::GetNextBrokerId(header(ext)?))
            }
            Code::CONTROLLER_APPLY_BROKER_ID => ask(ControllerRequest::ApplyBrokerId(header(ext)?)),
            Code::CONTROLLER_GET_METADATA_INFO => self.later(GetMetadata),
            Code::GET_CONTROLLER_CONFIG => self.later(GetControllerConfig),
            Code::UPDATE_CONTROLLER_CONFIG => {
                let text = request
                    .body()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                let pairs = try_parse_properties(&text)
                    .map_err(|e| bad(format!("bad properties body: {e}")))?;
                self.later(UpdateControllerConfig(
                    pairs.into_iter().collect::<BTreeMap<_, _>>(),
                ))
            }
            Code::BROKER_HEARTBEAT => {
                let header: namesrv_protocol::headers::BrokerHeartbeatRequestHeader = header(ext)?;
                if header.broker_id.is_none() {
                    return Err(Reply::code(
                        ResponseCode::CONTROLLER_INVALID_REQUEST,
                        "Heart beat with empty brokerId",
                    ));
                }
                self.services.liveness.do_send(Heartbeat {
                    header,
                    connection: self.id,
                });
                Dispatched::Now(Reply {
                    remark: Some("Heart beat success".into()),
                    ..Reply::success()
                })
            }
            Code::CONTROLLER_RAFT_RPC => {
                let raft = self.services.raft.clone();
                let body = request.body().cloned().unwrap_or_default();
                Dispatched::Later(Box::pin(async move {
                    match crate::raft::network::serve(&raft, &body).await {
                        Some(reply) => Reply::success().with_body(reply),
                        None => Reply::code(ResponseCode::SYSTEM_ERROR, "not a Raft message"),
                    }
                }))
            }
            Code::NOTIFY_BROKER_ROLE_CHANGED => {
                return Err(Reply::code(
                    ResponseCode::REQUEST_CODE_NOT_SUPPORTED,
                    "NOTIFY_BROKER_ROLE_CHANGED is sent by the controller, not to it",
                ))
            }
        })
    }

    fn later<M>(&self, message: M) -> Dispatched
    where
        M: Message<Result = Reply> + Send + 'static,
        crate::actor::replicas::ReplicasOwner: Handler<M>,
    {
        let owner = self.services.replicas.clone();
        Dispatched::Later(Box::pin(async move {
            owner
                .send(message)
                .await
                .unwrap_or_else(|_| Reply::code(ResponseCode::SYSTEM_ERROR, "controller stopping"))
        }))
    }
}

enum Dispatched {
    Now(Reply),
    Later(std::pin::Pin<Box<dyn Future<Output = Reply>>>),
}

fn bad(remark: impl Into<String>) -> Reply {
    Reply::code(ResponseCode::SYSTEM_ERROR, remark)
}

fn header<H: CommandHeader>(ext: Option<&namesrv_protocol::ExtFields>) -> Result<H, Reply> {
    H::from_ext(ext).map_err(|e| bad(e.to_string()))
}

impl Actor for ControllerSession {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        self.services.liveness.do_send(ConnectionClosed(self.id));
    }
}

impl WriteHandler<ProtocolError> for ControllerSession {}

impl StreamHandler<Result<RemotingCommand, ProtocolError>> for ControllerSession {
    fn handle(&mut self, item: Result<RemotingCommand, ProtocolError>, ctx: &mut Self::Context) {
        match item {
            Ok(request) if request.is_response() => {
                debug!(
                    connection = self.id,
                    "ignoring a response frame on the controller listener"
                )
            }
            Ok(request) => self.handle_request(request, ctx),
            Err(e) => {
                debug!(connection = self.id, error = %e, "closing controller connection: bad frame");
                ctx.stop();
            }
        }
    }
}
