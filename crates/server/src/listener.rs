//! The accept loop: binds the remoting port and spreads connections over worker arbiters.
//!
//! Each accepted socket is handed, as a std socket, to the next worker arbiter in turn and
//! registered with that thread's reactor there, with that worker's [`Services`] (each
//! worker keeps the route answers its sessions were given), so a connection's reads, decoding and writes
//! all happen on one thread and the work of many connections is spread over the cores.
//!
//! On the worker, a new connection goes through two steps before its session starts: a
//! PROXY protocol preamble is taken off if it starts with one (`proxy`), then TLS is decided
//! (`tls`). The preamble's client becomes the session's [`Peer`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use actix::prelude::*;
use namesrv_actors::auth::ProxyTrust;
use namesrv_actors::metrics::metrics;
use namesrv_actors::session::transport::Transport;
use namesrv_actors::session::{ConnectionSlot, Peer, Session, SessionSettings};
use namesrv_actors::Services;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tracing::{debug, warn};

use crate::proxy::{take_preamble, PreambleError, PREAMBLE_DEADLINE};
use crate::tls::{AcceptError, Tls, TlsMode, HANDSHAKE_DEADLINE};

/// Binds with SO_REUSEADDR and the Java accept backlog (1024).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

static NEXT_CONNECTION_ID: AtomicU64 = AtomicU64::new(1);

/// Accepts until the task is dropped. Past `max_connections` open connections, a new one is
/// closed at once (and logged), so a connection flood cannot exhaust memory or descriptors.
pub async fn serve(
    listener: TcpListener,
    workers: Vec<(ArbiterHandle, Services)>,
    settings: SessionSettings,
    max_connections: usize,
    tls: Tls,
    trust: ProxyTrust,
) {
    let open = Arc::new(AtomicUsize::new(0));
    let mut next = 0usize;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Typically EMFILE: back off briefly instead of spinning.
                warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = ConnectionSlot::try_take(&open, max_connections) else {
            warn!(%peer, max_connections, "connection refused: too many open connections");
            namesrv_actors::metrics::metrics().connections_refused.inc();
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let std_stream = match stream.into_std() {
            Ok(s) => s,
            Err(e) => {
                warn!(%peer, error = %e, "cannot hand over connection");
                continue;
            }
        };
        let id = NEXT_CONNECTION_ID.fetch_add(1, Ordering::Relaxed);
        let tls = tls.clone();
        let trust = trust.clone();
        let (worker, services) = &workers[next % workers.len()];
        let services = services.clone();
        next = next.wrapping_add(1);
        worker.spawn(async move {
            let stream = match TcpStream::from_std(std_stream) {
                Ok(stream) => stream,
                Err(e) => {
                    debug!(%peer, error = %e, "connection lost during hand-over");
                    return;
                }
            };
            // The preamble and the handshake run on the worker, so a slow one never delays
            // the accept loop.
            if let Some((transport, peer)) = prepare(stream, peer, &tls, &trust, &settings).await {
                Session::start(transport, peer, id, services, settings, Some(slot));
            }
        });
    }
}

/// The transport and peer of a new connection, or `None` (logged and counted) when it is
/// closed before its session.
async fn prepare(
    mut stream: TcpStream,
    socket: SocketAddr,
    tls: &Tls,
    trust: &ProxyTrust,
    settings: &SessionSettings,
) -> Option<(Transport, Peer)> {
    // Without TLS nothing but the idle limit bounds the wait for a first byte, as in a
    // session; with it, the handshake deadline always did.
    let first_byte = match tls.mode {
        TlsMode::Disabled => settings.idle_timeout,
        TlsMode::Permissive | TlsMode::Enforcing => Some(HANDSHAKE_DEADLINE),
    };
    let (peer, proxied) = match take_preamble(&mut stream, first_byte, PREAMBLE_DEADLINE).await {
        Ok(None) => (Peer::direct(socket), false),
        Ok(Some(header)) => {
            let peer = Peer::proxied(socket, &header, trust);
            let trusted = trust.trusts(socket.ip());
            debug!(%peer, kind = header.kind(), trusted, "PROXY preamble");
            metrics()
                .proxy_preambles
                .with_label_values(&[header.kind()])
                .inc();
            (peer, true)
        }
        Err(PreambleError::Silent(_)) if tls.mode == TlsMode::Disabled => {
            debug!(peer = %socket, "closing idle connection");
            metrics().connections_closed_idle.inc();
            return None;
        }
        Err(PreambleError::Silent(_)) => {
            warn!(peer = %socket, why = %AcceptError::Silent, "connection closed before its session started");
            return None;
        }
        Err(why) => {
            warn!(peer = %socket, %why, "connection closed: bad PROXY protocol preamble");
            metrics()
                .proxy_preambles_rejected
                .with_label_values(&[why.label()])
                .inc();
            return None;
        }
    };
    match tls.accept(stream).await {
        Ok(transport) => Some((transport, peer)),
        // A balancer's health check: its preamble, then nothing.
        Err(AcceptError::Closed) if proxied => {
            debug!(%peer, "closed after its PROXY preamble");
            None
        }
        Err(why) => {
            warn!(%peer, %why, "connection closed before its session started");
            None
        }
    }
}
