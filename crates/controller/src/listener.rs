//! The controller listener: accepts connections and starts a session for each.
//!
//! Controller traffic is light (a few requests per broker every few seconds, and Raft between
//! the nodes), so all sessions live on the controller's own thread. Connections beyond
//! [`MAX_CONNECTIONS`] are closed at once, so a flood cannot grow memory without bound.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use actix::io::FramedWrite;
use actix::prelude::*;
use namesrv_protocol::RemotingCodec;
use tokio::net::TcpListener;
use tokio_util::codec::FramedRead;
use tracing::warn;

use crate::actor::messages::ConnectionId;
use crate::services::ControllerServices;
use crate::session::ControllerSession;

/// Frames between controllers may carry a snapshot.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;
pub const MAX_CONNECTIONS: usize = 4096;

/// Accepts until the task is dropped.
pub async fn serve(listener: TcpListener, services: ControllerServices) {
    let next_id = AtomicU64::new(1);
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                warn!(error = %e, "controller listener: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
            warn!(%peer, "controller listener: too many connections; closing");
            continue;
        }
        let _ = stream.set_nodelay(true);
        let id: ConnectionId = next_id.fetch_add(1, Ordering::Relaxed);
        let services = services.clone();
        let guard = ConnectionCount::new(open.clone());
        let (read, write) = stream.into_split();
        ControllerSession::create(move |ctx| {
            ctx.add_stream(FramedRead::new(read, RemotingCodec::new(MAX_FRAME)));
            let writer = FramedWrite::new(write, RemotingCodec::new(MAX_FRAME), ctx);
            ControllerSession::new(id, writer, services, guard)
        });
    }
}

/// Counts an open connection for as long as its session lives.
pub struct ConnectionCount(Arc<AtomicUsize>);

impl ConnectionCount {
    fn new(open: Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self(open)
    }
}

impl Drop for ConnectionCount {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
