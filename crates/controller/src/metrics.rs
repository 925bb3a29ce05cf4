//! The controller's Prometheus series, in the process-wide registry the HTTP endpoint renders.
//!
//! Role, term and leader changes come from openraft's metrics channel; elections are counted
//! by cause (`broker`: a broker asked; `designated`: `mqadmin electMaster`; `master_inactive`:
//! the controller's own) and result; per-group master epochs and each replica's heartbeat age
//! are refreshed by their owners as they change.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use namesrv_actors::metrics::metrics;
use prometheus::{GaugeVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts};

use crate::actor::messages::Reply;
use crate::raft::Raft;
use crate::state::{ReplicaKey, ReplicasInfo};

pub struct ControllerMetrics {
    pub is_leader: IntGauge,
    pub term: IntGauge,
    pub leader_changes: IntCounter,
    pub elections: IntCounterVec,
    pub master_epoch: IntGaugeVec,
    pub heartbeat_age: GaugeVec,
}

fn register<C: prometheus::core::Collector + Clone + 'static>(c: C) -> C {
    // A second controller in one process (tests) shares the first one's series.
    let _ = metrics().registry().register(Box::new(c.clone()));
    c
}

impl ControllerMetrics {
    /// The process's controller series (one set, however many controllers a test starts).
    pub fn get() -> Arc<Self> {
        static METRICS: LazyLock<Arc<ControllerMetrics>> = LazyLock::new(|| {
            Arc::new(ControllerMetrics {
                is_leader: register(
                    IntGauge::new(
                        "namesrv_controller_is_leader",
                        "1 while this node leads the controller group",
                    )
                    .expect("valid"),
                ),
                term: register(
                    IntGauge::new(
                        "namesrv_controller_term",
                        "The controller group's current Raft term",
                    )
                    .expect("valid"),
                ),
                leader_changes: register(
                    IntCounter::new(
                        "namesrv_controller_leader_changes_total",
                        "Times this node saw the controller leader change",
                    )
                    .expect("valid"),
                ),
                elections: register(
                    IntCounterVec::new(
                        Opts::new(
                            "namesrv_controller_elections_total",
                            "Master elections by cause and result code",
                        ),
                        &["cause", "result"],
                    )
                    .expect("valid"),
                ),
                master_epoch: register(
                    IntGaugeVec::new(
                        Opts::new(
                            "namesrv_controller_master_epoch",
                            "Master epoch of each broker group",
                        ),
                        &["broker_name"],
                    )
                    .expect("valid"),
                ),
                heartbeat_age: register(
                    GaugeVec::new(
                        Opts::new(
                            "namesrv_controller_heartbeat_age_seconds",
                            "Seconds since each replica's last heartbeat to this controller",
                        ),
                        &["cluster", "broker_name", "broker_id"],
                    )
                    .expect("valid"),
                ),
            })
        });
        METRICS.clone()
    }

    pub fn elections(&self, cause: &str, reply: &Reply) {
        let result = namesrv_protocol::code::ResponseCode::from_code(reply.code)
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| reply.code.to_string());
        self.elections.with_label_values(&[cause, &result]).inc();
    }

    pub fn observe_liveness(&self, heard: &HashMap<ReplicaKey, Instant>, now: Instant) {
        self.heartbeat_age.reset();
        for (key, at) in heard {
            self.heartbeat_age
                .with_label_values(&[
                    &key.cluster_name,
                    &key.broker_name,
                    &key.broker_id.to_string(),
                ])
                .set(now.saturating_duration_since(*at).as_secs_f64());
        }
    }

    pub fn observe_groups(&self, state: &ReplicasInfo) {
        for name in state.broker_names() {
            if let Some(sync) = state.sync_state_info(name) {
                self.master_epoch
                    .with_label_values(&[name])
                    .set(sync.master_epoch().into());
            }
        }
    }

    /// Follows the engine's role and term until it shuts down.
    pub async fn watch_raft(self: Arc<Self>, raft: Raft) {
        let mut rx = raft.metrics();
        let mut leader = None;
        loop {
            {
                let m = rx.borrow_and_update();
                self.is_leader
                    .set((m.state == openraft::ServerState::Leader) as i64);
                self.term.set(m.current_term as i64);
                if m.current_leader != leader {
                    if m.current_leader.is_some() {
                        self.leader_changes.inc();
                    }
                    leader = m.current_leader;
                }
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    }
}
