//! The route version, published for sessions.
//!
//! Route queries outnumber route changes by orders of magnitude, and a hop to the
//! [`RouteActor`](super::RouteActor)'s thread for each one costs more than the answer itself
//! (a cached, pre-encoded `Bytes`). So the route table publishes its generation here on
//! every visible change, and each worker thread keeps the answers it was given tagged with
//! the generation they were read at (`session::route_answers`). An answer is reused only
//! while the published generation still equals its tag; the tables themselves stay owned by
//! the route actor alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A shared, monotonically increasing route generation.
#[derive(Debug, Clone, Default)]
pub struct RouteVersion(Arc<AtomicU64>);

impl RouteVersion {
    /// The generation of the routes as last published.
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub(crate) fn publish(&self, generation: u64) {
        self.0.store(generation, Ordering::Release);
    }
}
