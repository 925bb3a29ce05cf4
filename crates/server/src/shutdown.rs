//! What ends a running server: the operating system's signals for the binary, a trigger
//! for a server embedded in a test or another program.
//!
//! Signal handlers are installed before the startup line, so a signal sent as soon as the
//! server says it is up is handled gracefully rather than killing the process. SIGUSR1 and
//! SIGUSR2 start and stop draining without ending the wait.

use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::oneshot;
use tracing::info;

/// How [`run`](crate::run) learns that it should stop.
pub enum Shutdown {
    /// SIGTERM or SIGINT (and SIGUSR1/SIGUSR2 for draining).
    Signals,
    /// A message on this channel, or its sender being dropped.
    Trigger(oneshot::Receiver<()>),
}

impl Shutdown {
    /// A trigger and the handle that pulls it.
    pub fn trigger() -> (oneshot::Sender<()>, Shutdown) {
        let (tx, rx) = oneshot::channel();
        (tx, Shutdown::Trigger(rx))
    }

    pub(crate) fn install(self) -> std::io::Result<Waiting> {
        Ok(match self {
            Shutdown::Signals => Waiting::Signals(Box::new(Signals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
                usr1: signal(SignalKind::user_defined1())?,
                usr2: signal(SignalKind::user_defined2())?,
            })),
            Shutdown::Trigger(rx) => Waiting::Trigger(rx),
        })
    }
}

pub(crate) struct Signals {
    term: Signal,
    int: Signal,
    usr1: Signal,
    usr2: Signal,
}

/// An installed [`Shutdown`].
pub(crate) enum Waiting {
    Signals(Box<Signals>),
    Trigger(oneshot::Receiver<()>),
}

impl Waiting {
    /// Returns when the server should stop, handling drain signals meanwhile.
    pub(crate) async fn recv(&mut self) {
        let signals = match self {
            Waiting::Trigger(rx) => {
                let _ = rx.await;
                return info!("shutdown requested");
            }
            Waiting::Signals(signals) => signals,
        };
        loop {
            tokio::select! {
                _ = signals.term.recv() => return info!("SIGTERM received"),
                _ = signals.int.recv() => return info!("SIGINT received"),
                _ = signals.usr1.recv() => {
                    namesrv_actors::drain::set_draining(true);
                    info!("SIGUSR1: draining, route queries are turned away");
                }
                _ = signals.usr2.recv() => {
                    namesrv_actors::drain::set_draining(false);
                    info!("SIGUSR2: draining stopped");
                }
            }
        }
    }
}
