//! Liveness: when each broker was last heard from, and expiring the silent ones.
//!
//! Time lives here and nowhere else. The route table knows *what* a broker published; this
//! module knows *when* it last spoke. Keeping the clock out of the route table keeps the
//! table's logic deterministic and its tests free of sleeps, and lets heartbeats (the most
//! frequent broker request) be handled without touching the route tables at all.

pub mod actor;
pub mod table;

pub use actor::LivenessActor;
pub use table::LivenessTable;
