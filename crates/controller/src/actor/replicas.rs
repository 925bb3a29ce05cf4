//! The owner of the replicated controller state.
//!
//! Only the Raft leader decides. A decision reads the applied state and the liveness view,
//! yields events, and the events are committed through Raft before the request is answered;
//! decisions are taken one at a time (the `turn` lock), so each sees every earlier decision's
//! events applied, as Java's single event-scheduler thread guarantees. Before deciding, the
//! leader confirms it still leads and has applied everything committed (openraft's
//! linearizable check), so a leader that was just elected never answers from a stale state.
//!
//! Elections the controller starts itself (a master became inactive) come through here too:
//! the liveness owner reports inactive replicas (an election follows where one was its group's
//! master), and a periodic scan (Java's `scanInactiveMasterInterval`, first run one interval
//! into a leadership, so brokers have heartbeated to the new leader) catches a group whose
//! master was already gone when this node became leader. After every successful election the live members of the group are told
//! (NOTIFY_BROKER_ROLE_CHANGED) when `notifyBrokerRoleChanged` is on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use namesrv_protocol::body::write_properties;
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::CommandHeader;
use openraft::ServerState;
use tokio::sync::Mutex;
use tracing::{info, warn};

use super::liveness::LivenessOwner;
use super::messages::*;
use super::notify::notify_role_changed;
use crate::config::ControllerConfig;
use crate::metrics::ControllerMetrics;
use crate::raft::{Command, ControllerNode};
use crate::state::{ElectPolicy, LivenessSnapshot, ReplicaKey, ReplicaLiveness, ReplicasInfo};

pub struct ReplicasOwner {
    node: ControllerNode,
    liveness: Addr<LivenessOwner>,
    config: ControllerConfig,
    /// Held for the whole of a decision and its commit.
    turn: Arc<Mutex<()>>,
    /// Whether this node was already leader at the previous inactive-master scan.
    leading_since_scan: bool,
    /// When this node's current leadership was first noticed (by the 100 ms tick).
    leader_since: Arc<std::sync::Mutex<Option<Instant>>>,
    metrics: Arc<ControllerMetrics>,
}

impl ReplicasOwner {
    pub fn new(
        node: ControllerNode,
        liveness: Addr<LivenessOwner>,
        config: ControllerConfig,
        metrics: Arc<ControllerMetrics>,
    ) -> Self {
        Self {
            node,
            liveness,
            config,
            turn: Arc::default(),
            leading_since_scan: false,
            leader_since: Arc::default(),
            metrics,
        }
    }

    fn is_leader(&self) -> bool {
        let metrics = self.node.raft.metrics();
        let m = metrics.borrow();
        m.state == ServerState::Leader
    }

    /// The context a decision runs in, cloned out of the actor so the future owns it.
    fn decider(&self) -> Decider {
        Decider {
            node: self.node.clone(),
            liveness: self.liveness.clone(),
            turn: self.turn.clone(),
            leader_since: self.leader_since.clone(),
            grace: Duration::from_millis(self.config.scan_inactive_master_interval_ms),
            policy: ElectPolicy {
                enable_elect_unclean_master: self.config.enable_elect_unclean_master,
            },
            notify: self.config.notify_broker_role_changed,
            metrics: self.metrics.clone(),
        }
    }
}

impl Actor for ReplicasOwner {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let interval = Duration::from_millis(self.config.scan_inactive_master_interval_ms.max(100));
        ctx.run_interval(Duration::from_millis(100), |act, _| {
            let leading = act.is_leader();
            let mut since = act.leader_since.lock().unwrap_or_else(|p| p.into_inner());
            match (leading, *since) {
                (true, None) => *since = Some(Instant::now()),
                (false, Some(_)) => *since = None,
                _ => {}
            }
        });
        ctx.run_interval(Duration::from_secs(1), |act, _| {
            let state = act.node.replicas.read().unwrap_or_else(|p| p.into_inner());
            act.metrics.observe_groups(&state);
        });
        ctx.run_interval(interval, |act, ctx| {
            // As Java's first scan, this waits one interval into a leadership: a new leader
            // has heard no heartbeats yet, and a master it has not heard from is not dead.
            if !act.is_leader() {
                act.leading_since_scan = false;
                return;
            }
            if !std::mem::replace(&mut act.leading_since_scan, true) {
                return;
            }
            ctx.spawn(
                act.decider()
                    .elect_where_master_is_gone(None, act.config.elect_master_max_retry_count)
                    .into_actor(act),
            );
        });
    }
}

/// Everything a decision needs, owned by its future.
#[derive(Clone)]
struct Decider {
    node: ControllerNode,
    liveness: Addr<LivenessOwner>,
    turn: Arc<Mutex<()>>,
    leader_since: Arc<std::sync::Mutex<Option<Instant>>>,
    grace: Duration,
    policy: ElectPolicy,
    notify: bool,
    metrics: Arc<ControllerMetrics>,
}

impl Decider {
    /// Confirms leadership (and that every committed entry is applied), then reads liveness.
    async fn prepare(&self) -> Option<LivenessView> {
        self.node.raft.ensure_linearizable().await.ok()?;
        self.liveness.send(GetLiveness).await.ok()
    }

    /// A new leader has heard from no broker yet, since liveness is not replicated. For one
    /// `scanInactiveMasterInterval` into a leadership, a group's master this node never heard
    /// from is not deposed: brokers re-register with a new leader and, told of no living master,
    /// ask to be elected; deposing a master that is alive but has not heartbeated here yet
    /// flapped roles and lost an acknowledged message in the seeded fault test. A master that
    /// really died is replaced once the grace ends.
    fn refuse_in_grace(&self, broker_name: &str, view: &LivenessView) -> Option<Reply> {
        let in_grace = match *self.leader_since.lock().unwrap_or_else(|p| p.into_inner()) {
            None => true,
            Some(since) => since.elapsed() < self.grace,
        };
        if !in_grace {
            return None;
        }
        let state = self.node.replicas.read().unwrap_or_else(|p| p.into_inner());
        let (master, _) = state.master(broker_name)?;
        let cluster_name = state
            .sync_state_info(broker_name)?
            .cluster_name()
            .to_owned();
        let key = ReplicaKey {
            cluster_name,
            broker_name: broker_name.to_owned(),
            broker_id: master,
        };
        (!view.ever_heard.contains(&key)).then(|| {
            Reply::code(
                ResponseCode::CONTROLLER_ELECT_MASTER_FAILED,
                format!("new controller leader: master {master} of {broker_name} has not heartbeated to it yet"),
            )
        })
    }

    /// Commits a decision's events; the reply stands only if they are committed.
    async fn commit<H: CommandHeader>(&self, decision: crate::state::Decision<H>) -> Reply {
        if !decision.events.is_empty() {
            let command = Command {
                events: decision.events.clone(),
            };
            if let Err(e) = self.node.raft.client_write(command).await {
                warn!(error = %e, "controller events not committed");
                return Reply::not_leader();
            }
        }
        Reply::from_decision(decision)
    }

    async fn decide(&self, request: ControllerRequest) -> Reply {
        let _turn = self.turn.lock().await;
        let Some(view) = self.prepare().await else {
            return Reply::not_leader();
        };
        let live = &view.alive;
        // Decisions read the state under a short read lock, released before committing.
        macro_rules! decide {
            ($method:ident($($arg:expr),*)) => {{
                let decision = {
                    let state = self.node.replicas.read().unwrap_or_else(|p| p.into_inner());
                    state.$method($($arg),*)
                };
                self.commit(decision).await
            }};
        }
        match request {
            ControllerRequest::AlterSyncStateSet(header, set) => {
                decide!(alter_sync_state_set(&header, &set, live))
            }
            ControllerRequest::ElectMaster(header) => {
                if !header.designate_elect {
                    if let Some(refused) = self.refuse_in_grace(&header.broker_name, &view) {
                        return refused;
                    }
                }
                let reply = decide!(elect_master(&header, &self.policy, live));
                self.metrics.elections(
                    if header.designate_elect {
                        "designated"
                    } else {
                        "broker"
                    },
                    &reply,
                );
                self.after_election(&header.broker_name, &reply, live);
                reply
            }
            ControllerRequest::RegisterBroker(header) => decide!(register_broker(&header, live)),
            ControllerRequest::GetReplicaInfo(header) => decide!(get_replica_info(&header)),
            ControllerRequest::GetSyncStateData(names) => {
                decide!(get_sync_state_data(&names, live))
            }
            ControllerRequest::CleanBrokerData(header) => {
                decide!(clean_broker_data(&header, live))
            }
            ControllerRequest::GetNextBrokerId(header) => decide!(get_next_broker_id(&header)),
            ControllerRequest::ApplyBrokerId(header) => decide!(apply_broker_id(&header)),
        }
    }

    /// Tells the live members of a group about a new master (Java's notifyBrokerRoleChanged).
    fn after_election(&self, broker_name: &str, reply: &Reply, live: &LivenessSnapshot) {
        if !self.notify || reply.code != ResponseCode::SUCCESS.code() {
            return;
        }
        let notice = {
            let state = self.node.replicas.read().unwrap_or_else(|p| p.into_inner());
            state.role_change_notice(broker_name)
        };
        let Some(notice) = notice else { return };
        let targets: Vec<String> = notice
            .members
            .iter()
            .filter(|(id, _)| live.is_alive(&notice.cluster_name, &notice.broker_name, **id))
            .map(|(_, addr)| addr.clone())
            .collect();
        actix::spawn(notify_role_changed(targets, notice));
    }

    /// Elects in every group whose master is no longer alive (or, with `inactive`, only in
    /// the groups whose master is one of those replicas, as Java's onBrokerInactive), retrying
    /// as Java does.
    async fn elect_where_master_is_gone(self, inactive: Option<Vec<ReplicaKey>>, max_retries: u32) {
        let groups = {
            let _turn = self.turn.lock().await;
            let Some(view) = self.prepare().await else {
                return;
            };
            let state = self.node.replicas.read().unwrap_or_else(|p| p.into_inner());
            let mut groups = state.groups_needing_election(&view.alive);
            if let Some(inactive) = &inactive {
                groups.retain(|(_, broker_name)| {
                    let master = state.master(broker_name).map(|(id, _)| id);
                    inactive
                        .iter()
                        .any(|k| &k.broker_name == broker_name && Some(k.broker_id) == master)
                });
            }
            groups
        };
        for (cluster_name, broker_name) in groups {
            for attempt in 0..max_retries.max(1) {
                let header =
                    ReplicasInfo::controller_triggered_election(&cluster_name, &broker_name);
                let reply = {
                    let _turn = self.turn.lock().await;
                    let Some(view) = self.prepare().await else {
                        return;
                    };
                    if let Some(refused) = self.refuse_in_grace(&broker_name, &view) {
                        refused
                    } else {
                        let decision = {
                            let state =
                                self.node.replicas.read().unwrap_or_else(|p| p.into_inner());
                            state.elect_master(&header, &self.policy, &view.alive)
                        };
                        let reply = self.commit(decision).await;
                        self.after_election(&broker_name, &reply, &view.alive);
                        reply
                    }
                };
                self.metrics.elections("master_inactive", &reply);
                info!(
                    broker_name = %broker_name,
                    code = reply.code,
                    remark = reply.remark.as_deref().unwrap_or(""),
                    attempt,
                    "election after the master became inactive"
                );
                if reply.code == ResponseCode::SUCCESS.code() {
                    break;
                }
            }
        }
    }
}

impl Handler<ControllerRequest> for ReplicasOwner {
    type Result = ResponseFuture<Reply>;

    fn handle(&mut self, request: ControllerRequest, _: &mut Self::Context) -> Self::Result {
        if !self.is_leader() {
            return Box::pin(async { Reply::not_leader() });
        }
        let decider = self.decider();
        Box::pin(async move { decider.decide(request).await })
    }
}

impl Handler<ReplicasInactive> for ReplicasOwner {
    type Result = ();

    fn handle(&mut self, msg: ReplicasInactive, ctx: &mut Self::Context) {
        for key in &msg.0 {
            info!(cluster = %key.cluster_name, broker_name = %key.broker_name, broker_id = key.broker_id, "controller: broker inactive");
        }
        if self.is_leader() {
            ctx.spawn(
                self.decider()
                    .elect_where_master_is_gone(
                        Some(msg.0),
                        self.config.elect_master_max_retry_count,
                    )
                    .into_actor(self),
            );
        }
    }
}

impl Handler<GetMetadata> for ReplicasOwner {
    type Result = Reply;

    fn handle(&mut self, _: GetMetadata, _: &mut Self::Context) -> Reply {
        let metrics = self.node.raft.metrics();
        let m = metrics.borrow();
        let peers = &self.node.peers;
        let leader = m.current_leader;
        let header = namesrv_protocol::headers::GetMetaDataResponseHeader {
            group: Some(peers.group.clone()),
            controller_leader_id: leader
                .and_then(|id| peers.peer_name(id))
                .map(str::to_string),
            controller_leader_address: leader.and_then(|id| peers.address(id)).map(str::to_string),
            is_leader: m.state == ServerState::Leader,
            peers: Some(
                peers
                    .nodes
                    .values()
                    .map(|(name, addr)| format!("{name}:{addr};"))
                    .collect(),
            ),
        };
        Reply::success().with_header(&header)
    }
}

impl Handler<GetControllerConfig> for ReplicasOwner {
    type Result = Reply;

    fn handle(&mut self, _: GetControllerConfig, _: &mut Self::Context) -> Reply {
        Reply::success().with_body(write_properties(&self.config.to_properties()))
    }
}

impl Handler<UpdateControllerConfig> for ReplicasOwner {
    type Result = Reply;

    fn handle(&mut self, msg: UpdateControllerConfig, _: &mut Self::Context) -> Reply {
        match self.config.update(&msg.0) {
            Ok(()) => {
                info!(keys = ?msg.0.keys().collect::<Vec<_>>(), "controller config updated");
                Reply::success()
            }
            Err(e) => Reply::code(
                ResponseCode::NO_PERMISSION,
                format!("Can not update config: {e}"),
            ),
        }
    }
}
