//! Session: one actor per connection, owning its framed socket.
//!
//! The session is the codec side of the server. It decodes frames, hands each request to
//! [`dispatch`] (which turns it into a typed message to the right owner), and writes the
//! answer back with the request's opaque. It never reads a table itself. Requests of one
//! connection are handled concurrently, so answers may leave out of order, as with Java;
//! clients match them by opaque.
//!
//! A frame that cannot be decoded ends the connection (the stream can no longer be trusted);
//! that costs this peer only. When the connection ends for any reason, the route owner is
//! told, and unregisters whatever broker registered over it.

mod codec;
pub mod context;
pub mod dispatch;
mod handlers;
mod outbox;
mod peer;
mod slot;
pub mod transport;

pub use peer::Peer;
pub use slot::ConnectionSlot;

use std::time::{Duration, Instant};

use actix::prelude::*;
use namesrv_protocol::code::{RequestCode, ResponseCode};
use namesrv_protocol::version::V5_3_1;
use namesrv_protocol::{ProtocolError, RemotingCodec, RemotingCommand, SerializeType};
use tokio_util::codec::FramedRead;
use tracing::{debug, warn};

use crate::drain;
use crate::messages::ConnectionId;
use crate::messages::{CloseSession, ConnectionClosed};
use crate::metrics::metrics;
use crate::services::Services;

/// Which header encoding answers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyEncoding {
    /// Answer in the request's own encoding (our default; see docs/protocol.md).
    MirrorRequest,
    /// Always this encoding (Java's behaviour, with JSON).
    Fixed(SerializeType),
}

/// Per-connection settings from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    pub max_frame_length: usize,
    pub reply_encoding: ReplyEncoding,
    /// Close after this long with no reads and no writes (`serverChannelMaxIdleTimeSeconds`).
    pub idle_timeout: Option<Duration>,
    /// A frame must arrive whole within this long once its first byte came (slow-drip
    /// peers that never finish a frame would otherwise hold the connection forever, since
    /// each byte resets the idle timer).
    pub frame_deadline: Option<Duration>,
    /// Requests of one connection handled at once; beyond it, SYSTEM_BUSY (Java's overload
    /// answer), so one pipelining peer cannot queue unbounded work.
    pub max_in_flight: usize,
    /// Answers a peer has not read yet, in bytes, before its connection is closed.
    pub max_write_backlog: u64,
}

/// Java's remark for an overload answer; clients know to back off on it.
const OVERLOAD_REMARK: &str = "[OVERLOAD]system busy, start flow control for a while";

pub struct Session {
    id: ConnectionId,
    peer: Peer,
    outbox: outbox::Outbox<transport::Writer>,
    services: Services,
    /// The verified TLS client certificate's subject CN (for `authTlsSubjects`).
    tls_subject: Option<String>,
    /// What every request of this connection is handled with, built once.
    context: std::rc::Rc<context::RequestContext>,
    settings: SessionSettings,
    last_activity: Instant,
    in_flight: usize,
    partial_frame: codec::PartialFrameClock,
    /// Why the connection ends, for the log of brokers it takes with it.
    close_reason: &'static str,
    _slot: Option<ConnectionSlot>,
}

impl Session {
    /// Starts a session for `stream` on the current arbiter.
    pub fn start(
        stream: transport::Transport,
        peer: Peer,
        id: ConnectionId,
        services: Services,
        settings: SessionSettings,
        slot: Option<ConnectionSlot>,
    ) -> Addr<Session> {
        Session::create(move |ctx| {
            let (read, write, tls_subject) = stream.split();
            let codec = RemotingCodec::new(settings.max_frame_length);
            let partial_frame = codec::PartialFrameClock::default();
            ctx.add_stream(FramedRead::new(
                read,
                codec::TimedDecoder::new(codec.clone(), partial_frame.clone()),
            ));
            let outbox = outbox::Outbox::new(write, codec);
            let context = std::rc::Rc::new(context::RequestContext {
                services: services.clone(),
                connection: id,
                session: ctx.address().recipient(),
            });
            Session {
                id,
                peer,
                outbox,
                services,
                context,
                tls_subject,
                settings,
                last_activity: Instant::now(),
                in_flight: 0,
                partial_frame,
                close_reason: "closed",
                _slot: slot,
            }
        })
    }

    /// Ends the connection, remembering why (the first reason wins).
    fn close(&mut self, ctx: &mut Context<Self>, reason: &'static str) {
        if self.close_reason == "closed" {
            self.close_reason = reason;
        }
        ctx.stop();
    }

    fn write(
        &mut self,
        mut response: RemotingCommand,
        request_encoding: SerializeType,
        ctx: &mut Context<Self>,
    ) {
        if self.outbox.pending() > self.settings.max_write_backlog {
            warn!(
                peer = %self.peer,
                unread_bytes = self.outbox.pending(),
                "closing connection: the peer does not read its answers"
            );
            metrics().connections_closed_slow_reader.inc();
            self.close(ctx, "the peer does not read its answers");
            return;
        }
        response.serialize_type = match self.settings.reply_encoding {
            ReplyEncoding::MirrorRequest => request_encoding,
            ReplyEncoding::Fixed(t) => t,
        };
        match self.outbox.push(response) {
            Ok(true) => {
                ctx.spawn(FlushOutbox);
            }
            Ok(false) => {}
            Err(e) => {
                warn!(peer = %self.peer, error = %e, "answer could not be encoded; closing connection");
                self.close(ctx, "write failed");
            }
        }
    }

    /// Ends the connection once the answers queued so far are written.
    fn close_when_flushed(&mut self, ctx: &mut Context<Self>) {
        if self.outbox.close_when_flushed() {
            ctx.spawn(FlushOutbox);
        }
    }
}

/// Writes the outbox; spawned by the first answer of a burst, so it runs after every request
/// that completed in the same pass has queued its answer (see [`outbox`]).
struct FlushOutbox;

impl ActorFuture<Session> for FlushOutbox {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        act: &mut Session,
        ctx: &mut Context<Session>,
        task: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        match act.outbox.poll_flush(task) {
            std::task::Poll::Pending => return std::task::Poll::Pending,
            std::task::Poll::Ready(Ok(outbox::Flushed::KeepOpen)) => {}
            std::task::Poll::Ready(Ok(outbox::Flushed::Close)) => ctx.stop(),
            std::task::Poll::Ready(Err(e)) => {
                warn!(peer = %act.peer, error = %e, "write failed; closing connection");
                act.close(ctx, "write failed");
            }
        }
        std::task::Poll::Ready(())
    }
}

impl Actor for Session {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        debug!(peer = %self.peer, id = self.id, "connection opened");
        metrics().connections.inc();
        let (idle, deadline) = (self.settings.idle_timeout, self.settings.frame_deadline);
        if idle.is_some() || deadline.is_some() {
            ctx.run_interval(Duration::from_secs(1), move |act, ctx| {
                if idle.is_some_and(|idle| act.last_activity.elapsed() > idle) {
                    debug!(peer = %act.peer, "closing idle connection");
                    metrics().connections_closed_idle.inc();
                    act.close(ctx, "idle");
                } else if deadline.is_some_and(|d| act.partial_frame.waiting_longer_than(d)) {
                    warn!(peer = %act.peer, "closing connection: a frame arrives too slowly");
                    metrics().connections_closed_bad_frame.inc();
                    act.close(ctx, "a frame arrived too slowly");
                }
            });
        }
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        debug!(peer = %self.peer, id = self.id, "connection closed");
        metrics().connections.dec();
        self.services.route.do_send(ConnectionClosed {
            connection: self.id,
            reason: self.close_reason,
        });
    }
}

impl StreamHandler<Result<RemotingCommand, ProtocolError>> for Session {
    fn handle(&mut self, item: Result<RemotingCommand, ProtocolError>, ctx: &mut Self::Context) {
        let started = Instant::now();
        self.last_activity = started;
        let request = match item {
            Ok(request) => request,
            Err(ProtocolError::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::UnexpectedEof
                ) =>
            {
                // A reset is how load balancers end their health checks; no frame was bad.
                debug!(peer = %self.peer, error = %e, "connection reset by the peer");
                self.close(ctx, "reset by the peer");
                return;
            }
            Err(e) => {
                warn!(peer = %self.peer, error = %e, "closing connection: undecodable frame");
                metrics().connections_closed_bad_frame.inc();
                self.close(ctx, "undecodable frame");
                return;
            }
        };
        if request.is_response() {
            // We have no outstanding requests on accepted connections.
            debug!(peer = %self.peer, opaque = request.opaque, "dropping unexpected response frame");
            return;
        }
        let encoding = request.serialize_type;
        let oneway = request.is_oneway();
        let code = request.code;
        let m = metrics();
        m.code(code).requests.inc();
        match encoding {
            SerializeType::Json => m.requests_json_header.inc(),
            SerializeType::RocketMq => m.requests_rocketmq_header.inc(),
        }
        if request.version > V5_3_1 && self.services.stopping.sends_away() {
            let answer = RemotingCommand::response_to(&request, ResponseCode::GO_AWAY)
                .with_remark("please go away");
            metrics().observe(code, answer.code, started.elapsed());
            if !oneway {
                self.write(answer, encoding, ctx);
            }
            self.close_when_flushed(ctx);
            return;
        }
        if code == RequestCode::GET_ROUTEINFO_BY_TOPIC.code() && drain::is_draining() {
            let answer = if request.version > V5_3_1 {
                RemotingCommand::response_to(&request, ResponseCode::GO_AWAY)
                    .with_remark("please go away")
            } else {
                RemotingCommand::response_to(&request, ResponseCode::SYSTEM_ERROR)
                    .with_remark("name server is draining; use another replica")
            };
            metrics().observe(code, answer.code, started.elapsed());
            if !oneway {
                self.write(answer, encoding, ctx);
            }
            // Closing (after the answer is flushed) makes the client pick another replica.
            self.close_when_flushed(ctx);
            return;
        }
        if self.in_flight >= self.settings.max_in_flight {
            metrics().requests_busy.inc();
            metrics().observe(code, ResponseCode::SYSTEM_BUSY.code(), started.elapsed());
            if !oneway {
                let busy = RemotingCommand::response_to(&request, ResponseCode::SYSTEM_BUSY)
                    .with_remark(OVERLOAD_REMARK);
                self.write(busy, encoding, ctx);
            }
            return;
        }
        if let Err(denied) = self.services.auth.check(
            &request,
            self.peer.auth_address(),
            self.tls_subject.as_deref(),
        ) {
            if self.peer.has_untrusted_claim() {
                warn!(peer = %self.peer, code, reason = %denied, "admin request refused; the PROXY preamble's client address was not used: {} is not in proxyProtocolTrustedAddresses", self.peer.socket().ip());
            } else {
                warn!(peer = %self.peer, code, reason = %denied, "admin request refused");
            }
            metrics()
                .auth_rejections
                .with_label_values(&[denied.label()])
                .inc();
            metrics().observe(code, ResponseCode::NO_PERMISSION.code(), started.elapsed());
            if !oneway {
                let refused = RemotingCommand::response_to(&request, ResponseCode::NO_PERMISSION)
                    .with_remark(format!("[AUTH] {denied}"));
                self.write(refused, encoding, ctx);
            }
            return;
        }
        let mut fut = dispatch::dispatch(request, self.context.clone());
        // Most requests (route answers kept on this worker, heartbeats) complete without
        // waiting for an owner: answer them here instead of spawning a task for them. A
        // future still pending is spawned and polled again, with the real waker, before this
        // context's poll returns (actix polls newly spawned items in the same pass).
        if let Some(response) = futures_util::FutureExt::now_or_never(&mut fut) {
            // `last_activity` is this request's arrival: the answer leaves in the same pass.
            metrics().observe(code, response.code, started.elapsed());
            if !oneway {
                self.write(response, encoding, ctx);
            }
            return;
        }
        self.in_flight += 1;
        ctx.spawn(fut.into_actor(self).map(move |response, act, ctx| {
            act.in_flight -= 1;
            let now = Instant::now();
            act.last_activity = now;
            metrics().observe(code, response.code, now - started);
            if !oneway {
                act.write(response, encoding, ctx);
            }
        }));
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        self.close(ctx, "closed by the peer");
    }
}

impl Handler<CloseSession> for Session {
    type Result = ();

    fn handle(&mut self, _: CloseSession, ctx: &mut Self::Context) {
        self.close(ctx, "its broker expired");
    }
}
