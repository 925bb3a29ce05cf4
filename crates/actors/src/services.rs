//! What a session may use: the addresses of the state owners, and the route answers its
//! worker thread keeps.

use actix::Addr;

use crate::config::ConfigActor;
use crate::kv::KvActor;
use crate::liveness::LivenessActor;
use crate::route::{RouteActor, WorkerAnswers};

/// Who a session can ask. Cloning is cheap (reference-counted addresses).
#[derive(Clone)]
pub struct Services {
    pub route: Addr<RouteActor>,
    /// Route answers the route actor gave this worker thread, usable while the generation it
    /// publishes has not moved (`route::answers`): the one piece of route state a session
    /// reads without asking, and only ever answers the actor encoded. Each worker gets its
    /// own shelf through [`Services::for_worker`].
    pub route_answers: WorkerAnswers,
    pub kv: Addr<KvActor>,
    pub liveness: Addr<LivenessActor>,
    pub config: Addr<ConfigActor>,
    /// Set once the server was told to stop: newer clients are sent away unless
    /// `goAwayOnShutdown` is off (`stopping`).
    pub stopping: crate::stopping::Stopping,
    /// Who may call the mutating admin codes (fixed at start).
    pub auth: std::sync::Arc<crate::auth::AuthPolicy>,
}

impl Services {
    /// The same services with an empty answer shelf of their own, for one worker thread.
    pub fn for_worker(&self) -> Services {
        Services {
            route_answers: self.route_answers.fresh(),
            ..self.clone()
        }
    }
}
