//! The addresses of the state owners, handed to every session.

use actix::Addr;

use crate::config::ConfigActor;
use crate::kv::KvActor;
use crate::liveness::LivenessActor;
use crate::route::{RouteActor, RouteVersion};

/// Who a session can ask. Cloning is cheap (reference-counted addresses).
#[derive(Clone)]
pub struct Services {
    pub route: Addr<RouteActor>,
    /// The route generation the route actor publishes (for answers kept per thread).
    pub route_version: RouteVersion,
    pub kv: Addr<KvActor>,
    pub liveness: Addr<LivenessActor>,
    pub config: Addr<ConfigActor>,
    /// Who may call the mutating admin codes (fixed at start).
    pub auth: std::sync::Arc<crate::auth::AuthPolicy>,
}
