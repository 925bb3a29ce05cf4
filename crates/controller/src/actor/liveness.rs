//! The owner of broker liveness towards the controller.
//!
//! Brokers heartbeat (BROKER_HEARTBEAT, one-way) to the controller leader with their epoch,
//! offsets and election priority; elections read those. A replica stops being alive when its
//! heartbeat connection closes (the fast path: a killed broker's socket is closed by its
//! kernel) or when its own `heartbeatTimeoutMills` passes without a heartbeat (a frozen or
//! cut-off broker). Java scans for timeouts every `scanNotActiveBrokerInterval` (5 s), so its
//! detection lags the timeout by up to that; here the table is checked every 100 ms.
//!
//! Liveness is not replicated, as in Java's DLedger controller: a new leader learns it from
//! the next heartbeats, and a replica it has not heard from is not a candidate, never a reason
//! to elect.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::messages::*;
use super::replicas::ReplicasOwner;
use crate::metrics::ControllerMetrics;
use crate::state::{BrokerLiveTable, ReplicaKey};

const CHECK_EVERY: Duration = Duration::from_millis(100);

pub struct LivenessOwner {
    table: BrokerLiveTable,
    /// When each replica was last heard from, for the heartbeat-age metric.
    heard: HashMap<ReplicaKey, Instant>,
    /// Every replica ever heard from (a few per broker group).
    ever_heard: HashSet<ReplicaKey>,
    replicas: Option<Addr<ReplicasOwner>>,
    metrics: Arc<ControllerMetrics>,
}

impl LivenessOwner {
    pub fn new(metrics: Arc<ControllerMetrics>) -> Self {
        Self {
            table: BrokerLiveTable::default(),
            heard: HashMap::new(),
            ever_heard: HashSet::new(),
            replicas: None,
            metrics,
        }
    }

    fn report(&mut self, inactive: Vec<ReplicaKey>) {
        if inactive.is_empty() {
            return;
        }
        for key in &inactive {
            self.heard.remove(key);
        }
        if let Some(replicas) = &self.replicas {
            replicas.do_send(ReplicasInactive(inactive));
        }
    }
}

impl Actor for LivenessOwner {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(CHECK_EVERY, |act, _| {
            let expired = act.table.expired(Instant::now());
            act.report(expired.into_iter().map(|e| e.key).collect());
            act.metrics.observe_liveness(&act.heard, Instant::now());
        });
    }
}

/// Tells the liveness owner where to report inactive replicas (the two owners are started
/// one after the other, each needing the other's address).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReportTo(pub Addr<ReplicasOwner>);

impl Handler<ReportTo> for LivenessOwner {
    type Result = ();

    fn handle(&mut self, msg: ReportTo, _: &mut Self::Context) {
        self.replicas = Some(msg.0);
    }
}

impl Handler<Heartbeat> for LivenessOwner {
    type Result = ();

    fn handle(&mut self, msg: Heartbeat, _: &mut Self::Context) {
        let now = Instant::now();
        if self
            .table
            .on_heartbeat(&msg.header, msg.connection, now)
            .is_ok()
        {
            if let Some(broker_id) = msg.header.broker_id {
                let key = ReplicaKey {
                    cluster_name: msg.header.cluster_name,
                    broker_name: msg.header.broker_name,
                    broker_id,
                };
                self.ever_heard.insert(key.clone());
                self.heard.insert(key, now);
            }
        }
    }
}

impl Handler<ConnectionClosed> for LivenessOwner {
    type Result = ();

    fn handle(&mut self, msg: ConnectionClosed, _: &mut Self::Context) {
        let inactive = self.table.on_connection_closed(msg.0);
        self.report(inactive);
    }
}

impl Handler<GetLiveness> for LivenessOwner {
    type Result = MessageResult<GetLiveness>;

    fn handle(&mut self, _: GetLiveness, _: &mut Self::Context) -> Self::Result {
        MessageResult(LivenessView {
            alive: self.table.snapshot(Instant::now()),
            ever_heard: self.ever_heard.clone(),
        })
    }
}
