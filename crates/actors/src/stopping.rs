//! Stopping: telling clients to go elsewhere before the connection drops.
//!
//! Once a server has been told to stop, a request from a client newer than V5_3_1 is
//! answered GO_AWAY ("please go away", as Java's remoting server answers while shutting
//! down) and its connection is closed after the answer, so the client moves to another
//! replica at once instead of failing its next call on a dead connection. Older clients do
//! not know GO_AWAY and are served as usual until the server is gone.
//!
//! Unlike draining, which an operator sets for the process, this belongs to one server: it
//! is part of [`Services`](crate::Services), so servers embedded side by side (the tests'
//! in-process servers) do not stop each other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Stopping(Arc<AtomicBool>);

impl Stopping {
    pub fn begin(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_stopping(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
