//! Draining: retiring a replica without stranding clients.
//!
//! A draining name server keeps serving brokers (so its routes stay current, should the
//! operator change their mind) but turns clients away: route queries are answered with
//! GO_AWAY (clients newer than V5_3_1 reconnect elsewhere on it) or, for older clients, with
//! SYSTEM_ERROR, and the connection is then closed so the client's next poll picks another
//! replica from its list. `/readyz` reports not-ready, so load balancers and the address
//! server stop handing this replica out.
//!
//! It is process-wide state set by an operator (SIGUSR1/SIGUSR2, or the HTTP endpoint), so a
//! plain atomic flag is enough.

use std::sync::atomic::{AtomicBool, Ordering};

static DRAINING: AtomicBool = AtomicBool::new(false);

pub fn set_draining(on: bool) {
    DRAINING.store(on, Ordering::Relaxed);
}

pub fn is_draining() -> bool {
    DRAINING.load(Ordering::Relaxed)
}
