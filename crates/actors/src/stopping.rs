//! Stopping: telling clients to go elsewhere before the connection drops.
//!
//! With `goAwayOnShutdown=true`, once a server has been told to stop, a request from a
//! client newer than V5_3_1 is answered GO_AWAY ("please go away", as Java's remoting server answers while shutting
//! down with `enableShutdownGracefully=true`) and its connection is closed after the
//! answer, meant to move the client to another replica before the connection drops. Older
//! clients do not know GO_AWAY and are served as usual until the server is gone.
//!
//! It is off by default: the stopping server then serves every client as usual until it
//! exits. Measured, that is what serves the Java 5.5.0 client better: it answers GO_AWAY by reconnecting to the same address, which a stopping server
//! refuses, so the call fails (docs/operations.md, `tests/acceptance/rolling_restart.sh`).
//!
//! Unlike draining, which an operator sets for the process, this belongs to one server: it
//! is part of [`Services`](crate::Services), so servers embedded side by side (the tests'
//! in-process servers) do not stop each other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Stopping {
    stopping: Arc<AtomicBool>,
    /// `goAwayOnShutdown`: whether a stopping server sends newer clients away.
    go_away: bool,
}

impl Default for Stopping {
    fn default() -> Self {
        Stopping::new(false)
    }
}

impl Stopping {
    /// A server that is not stopping yet; once it is, it sends newer clients away only if
    /// `go_away`.
    pub fn new(go_away: bool) -> Self {
        Stopping {
            stopping: Arc::new(AtomicBool::new(false)),
            go_away,
        }
    }

    pub fn begin(&self) {
        self.stopping.store(true, Ordering::Release);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Whether requests from clients newer than V5_3_1 are answered GO_AWAY now.
    pub fn sends_away(&self) -> bool {
        self.go_away && self.is_stopping()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopping_server_sends_away_unless_told_not_to() {
        let on = Stopping::new(true);
        let seen_by_a_worker = on.clone();
        assert!(!seen_by_a_worker.sends_away(), "not before the stop");
        on.begin();
        assert!(seen_by_a_worker.is_stopping() && seen_by_a_worker.sends_away());

        let off = Stopping::new(false);
        off.begin();
        assert!(off.is_stopping());
        assert!(!off.sends_away(), "goAwayOnShutdown=false: served as usual");
        assert!(!Stopping::default().go_away, "off by default");
    }
}
