//! RouteActor: the one owner of the route tables.
//!
//! Every read and write of routes goes through its mailbox, which gives the same
//! serialisation Java gets from its single read/write lock, without a lock. It answers
//! queries from its [`AnswerCache`], publishes every change for the workers (see
//! [`answers`](super::answers)), tells the liveness owner which brokers registered or left,
//! and sends NOTIFY_MIN_BROKER_ID_CHANGE to brokers when the table asks for it.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use actix::prelude::*;
use bytes::Bytes;
use namesrv_protocol::body::{GetBrokerMemberGroupResponseBody, JsonBody, JsonDialect, KvTable};
use tracing::{debug, info, warn};

use super::answers::{AnswerCache, RoutePublication};
use super::notify;
use super::publishing::PublishingTable;
use super::table::{
    filter_route_by_zone, BrokerAddrKey, BrokerRegistration, BrokerUnregistration,
    MinBrokerIdChange, RegisterOutcome, RouteConfig, RouteSnapshot, RouteTable,
    DEFAULT_HEARTBEAT_TIMEOUT_MILLIS,
};
use crate::config::RuntimeFlags;
use crate::liveness::LivenessActor;
use crate::messages::*;
use crate::metrics::metrics;

pub struct RouteActor {
    table: PublishingTable,
    cache: AnswerCache,
    flags: RuntimeFlags,
    started: Instant,
    order_topic_config: Option<BTreeMap<String, String>>,
    /// ORDER_TOPIC_CONFIG as the KVTable body of REGISTER_BROKER replies, encoded once.
    order_topic_config_body: Option<Bytes>,
    liveness: Addr<LivenessActor>,
    /// The number of each live broker's latest registration (see [`ExpireBrokers`]).
    registrations: HashMap<BrokerAddrKey, RegistrationNumber>,
    next_registration: RegistrationNumber,
    snapshots: Option<SnapshotSettings>,
    /// Table generation of the last snapshot taken.
    snapshot_generation: Option<u64>,
}

/// Warm-restart settings: where snapshots go, how often, and what to start from.
pub struct SnapshotSettings {
    pub writer: Recipient<WriteFile>,
    pub interval: Duration,
    pub restore: Option<RouteSnapshot>,
}

/// Restored brokers have no connection; ids of real ones start at 1.
const RESTORED_CONNECTION: u64 = 0;

impl RouteActor {
    /// A route owner whose changes are published to `publication` (see
    /// [`answers`](super::answers)).
    pub fn new(
        flags: RuntimeFlags,
        liveness: Addr<LivenessActor>,
        publication: RoutePublication,
    ) -> Self {
        let mut table = RouteTable::new();
        table.set_config(route_config(&flags));
        Self {
            table: PublishingTable::new(table, publication),
            cache: AnswerCache::default(),
            flags,
            started: Instant::now(),
            order_topic_config: None,
            order_topic_config_body: None,
            liveness,
            registrations: HashMap::new(),
            next_registration: 1,
            snapshots: None,
            snapshot_generation: None,
        }
    }

    /// Enables warm restarts: periodic snapshots and, if given, a restore at start.
    pub fn with_snapshots(mut self, settings: SnapshotSettings) -> Self {
        self.snapshots = Some(settings);
        self
    }

    fn restore(&mut self, snapshot: &RouteSnapshot) {
        let restored = self.table.change().restore(snapshot, RESTORED_CONNECTION);
        for why in &restored.skipped {
            warn!("route snapshot entry skipped: {why}");
        }
        info!(
            brokers = restored.brokers.len(),
            topics = self.table.topic_count(),
            skipped = restored.skipped.len(),
            "routes restored from snapshot; each broker must heartbeat within its timeout"
        );
        self.update_gauges();
        for (key, timeout_ms) in restored.brokers {
            let registration = self.next_registration;
            self.next_registration += 1;
            self.registrations.insert(key.clone(), registration);
            self.liveness.do_send(BrokerSeen {
                key,
                registration,
                timeout: Duration::from_millis(timeout_ms.max(0) as u64),
                session: None,
            });
        }
    }

    fn take_snapshot(&mut self, only_if_changed: bool) -> Option<Bytes> {
        let generation = self.table.generation();
        if only_if_changed && self.snapshot_generation == Some(generation) {
            return None;
        }
        self.snapshot_generation = Some(generation);
        serde_json::to_vec(&self.table.snapshot())
            .ok()
            .map(Bytes::from)
    }

    fn version(&self) -> u64 {
        self.table.generation()
    }

    /// How long route queries must still be refused (`needWaitForService`), if at all.
    fn not_ready_for(&self) -> Option<Duration> {
        if !self.flags.need_wait_for_service {
            return None;
        }
        let wait = Duration::from_secs(self.flags.wait_seconds_for_service.max(0) as u64);
        wait.checked_sub(self.started.elapsed())
            .filter(|left| !left.is_zero())
    }

    /// Publishes whether workers may serve kept answers, and looks again when the wait ends.
    fn update_readiness(&mut self, ctx: &mut Context<Self>) {
        let left = self.not_ready_for();
        self.table.set_serving(left.is_none());
        if let Some(left) = left {
            ctx.run_later(left, |act, ctx| act.update_readiness(ctx));
        }
    }

    /// Applies a batch of unregistrations; `cause` labels the metric and the log, `reason`
    /// says more where there is more to say (why a connection closed). Only brokers the
    /// table held are logged and counted: one broker leaving is one line and one count.
    fn unregister(&mut self, batch: Vec<BrokerUnregistration>, cause: &str, reason: &str) {
        if batch.is_empty() {
            return;
        }
        // The rest of the batch still goes to the table, which treats it as Java does.
        let mut seen = std::collections::HashSet::new();
        let held: Vec<&BrokerUnregistration> = batch
            .iter()
            .filter(|u| seen.insert(*u) && self.table.holds(u))
            .collect();
        metrics()
            .unregistrations
            .with_label_values(&[cause])
            .inc_by(held.len() as u64);
        for u in &held {
            info!(cluster = %u.cluster_name, broker = %u.broker_name, addr = %u.broker_addr, id = u.broker_id, cause, reason, "broker unregistered");
        }
        let keys: Vec<BrokerAddrKey> = batch
            .iter()
            .map(|u| BrokerAddrKey {
                cluster_name: u.cluster_name.clone(),
                broker_addr: u.broker_addr.clone(),
            })
            .collect();
        for key in &keys {
            self.registrations.remove(key);
        }
        let changes = self.table.change().unregister_brokers(&batch);
        self.liveness.do_send(ForgetBrokers(keys));
        self.notify(changes);
        self.update_gauges();
    }

    fn update_gauges(&self) {
        metrics().live_brokers.set(self.table.broker_count() as i64);
        metrics().topics.set(self.table.topic_count() as i64);
    }

    fn notify(&self, changes: Vec<MinBrokerIdChange>) {
        for change in changes {
            notify::send_min_broker_id_change(change);
        }
    }
}

fn route_config(flags: &RuntimeFlags) -> RouteConfig {
    RouteConfig {
        support_acting_master: flags.support_acting_master,
        delete_topic_with_broker_registration: flags.delete_topic_with_broker_registration,
        notify_min_broker_id_changed: flags.notify_min_broker_id_changed,
    }
}

impl Actor for RouteActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Registration storms queue here; a larger mailbox than actix's default 16 keeps
        // senders from parking on a full one.
        ctx.set_mailbox_capacity(4096);
        self.update_readiness(ctx);
        let Some(settings) = &mut self.snapshots else {
            return;
        };
        let interval = settings.interval;
        if let Some(snapshot) = settings.restore.take() {
            self.restore(&snapshot);
        }
        ctx.run_interval(interval, |act, _| {
            if let Some(bytes) = act.take_snapshot(true) {
                if let Some(s) = &act.snapshots {
                    s.writer.do_send(WriteFile(bytes));
                }
            }
        });
    }
}

/// Who is registering, taken before the registration is consumed by the table.
struct Registrant {
    key: BrokerAddrKey,
    timeout: Duration,
    broker_name: String,
    broker_id: i64,
    /// Not registered before (or expired, unregistered, refused since).
    first: bool,
}

impl RouteActor {
    fn registrant(&self, reg: &BrokerRegistration) -> Registrant {
        let key = BrokerAddrKey {
            cluster_name: reg.cluster_name.clone(),
            broker_addr: reg.broker_addr.clone(),
        };
        let timeout = Duration::from_millis(
            reg.heartbeat_timeout_millis
                .filter(|t| *t > 0)
                .unwrap_or(DEFAULT_HEARTBEAT_TIMEOUT_MILLIS) as u64,
        );
        Registrant {
            first: !self.registrations.contains_key(&key),
            key,
            timeout,
            broker_name: reg.broker_name.clone(),
            broker_id: reg.broker_id,
        }
    }

    /// What follows a registration the table took, full or unchanged: the log line, the
    /// liveness owner's clock, notifications, and the reply.
    fn conclude(
        &mut self,
        who: Registrant,
        outcome: RegisterOutcome,
        changed: bool,
        session: Option<Recipient<CloseSession>>,
    ) -> RegisterBrokerReply {
        let Registrant {
            key,
            timeout,
            broker_name: name,
            broker_id: id,
            first,
        } = who;
        let (cluster, addr) = (&key.cluster_name, &key.broker_addr);
        match &outcome {
            RegisterOutcome::Registered { .. } if first || changed => {
                info!(%cluster, broker = %name, %addr, id, first, "broker registered")
            }
            RegisterOutcome::Registered { .. } => {
                debug!(%cluster, broker = %name, %addr, id, "broker registration refreshed, nothing changed")
            }
            RegisterOutcome::Conflict => {
                warn!(%cluster, broker = %name, %addr, id, "registration refused: another address holds this broker id with a newer state version")
            }
            RegisterOutcome::Refused => {
                warn!(%cluster, broker = %name, %addr, id, "registration refused: a broker's first registration must not carry exactly one topic")
            }
        }
        match outcome {
            RegisterOutcome::Registered {
                master_addr,
                ha_server_addr,
                notify,
            } => {
                let registration = self.next_registration;
                self.next_registration += 1;
                self.registrations.insert(key.clone(), registration);
                metrics().registrations.inc();
                self.update_gauges();
                self.liveness.do_send(BrokerSeen {
                    key,
                    registration,
                    timeout,
                    session,
                });
                self.notify(notify.into_iter().collect());
                RegisterBrokerReply::Registered {
                    master_addr,
                    ha_server_addr,
                    order_topic_config: if self.flags.return_order_topic_config_to_broker {
                        self.order_topic_config_body.clone()
                    } else {
                        None
                    },
                }
            }
            RegisterOutcome::Conflict => {
                self.registrations.remove(&key);
                self.liveness.do_send(ForgetBrokers(vec![key]));
                RegisterBrokerReply::Conflict
            }
            RegisterOutcome::Refused => RegisterBrokerReply::Refused,
        }
    }
}

impl Handler<RegisterBroker> for RouteActor {
    type Result = MessageResult<RegisterBroker>;

    fn handle(&mut self, msg: RegisterBroker, _: &mut Self::Context) -> Self::Result {
        let who = self.registrant(&msg.registration);
        let generation = self.table.generation();
        let outcome = self.table.change().register_broker(msg.registration);
        let changed = self.table.generation() != generation;
        MessageResult(self.conclude(who, outcome, changed, msg.session))
    }
}

impl Handler<RegisterUnchanged> for RouteActor {
    type Result = MessageResult<RegisterUnchanged>;

    fn handle(&mut self, msg: RegisterUnchanged, _: &mut Self::Context) -> Self::Result {
        let who = self.registrant(&msg.registration);
        if who.first {
            return MessageResult(None);
        }
        let outcome = self
            .table
            .change()
            .register_unchanged(msg.registration, msg.data_version);
        MessageResult(outcome.map(|outcome| {
            metrics().registrations_unchanged.inc();
            self.conclude(who, outcome, false, msg.session)
        }))
    }
}

impl Handler<UnregisterBroker> for RouteActor {
    type Result = ();

    fn handle(&mut self, msg: UnregisterBroker, _: &mut Self::Context) {
        self.unregister(vec![msg.0], "request", "UNREGISTER_BROKER");
    }
}

impl Handler<ConnectionClosed> for RouteActor {
    type Result = ();

    fn handle(&mut self, msg: ConnectionClosed, _: &mut Self::Context) {
        let batch = self.table.broker_on_connection(msg.connection);
        self.unregister(batch, "connection_closed", msg.reason);
    }
}

impl Handler<ExpireBrokers> for RouteActor {
    type Result = ();

    fn handle(&mut self, msg: ExpireBrokers, _: &mut Self::Context) {
        let batch = msg
            .0
            .into_iter()
            // Re-registered after liveness expired it: that expiry is stale. Gone already
            // (its connection closed first): there is nothing left to expire.
            .filter(|(key, seen)| {
                self.table.is_live(key)
                    && self
                        .registrations
                        .get(key)
                        .is_none_or(|latest| latest == seen)
            })
            .map(|(key, _)| {
                self.table
                    .unregistration_for(&key)
                    .unwrap_or(BrokerUnregistration {
                        cluster_name: key.cluster_name,
                        broker_addr: key.broker_addr,
                        broker_name: String::new(),
                        broker_id: 0,
                    })
            })
            .collect();
        self.unregister(batch, "expired", "no heartbeat within its timeout");
    }
}

impl Handler<QueryDataVersion> for RouteActor {
    type Result = MessageResult<QueryDataVersion>;

    fn handle(&mut self, msg: QueryDataVersion, _: &mut Self::Context) -> Self::Result {
        let (changed, stored) = self
            .table
            .query_data_version(&msg.key, msg.version.as_ref());
        if msg.refreshes_liveness {
            self.liveness.do_send(BrokerHeartbeat(msg.key));
        }
        MessageResult(DataVersionReply {
            changed,
            stored: stored.map(|v| Bytes::from(v.to_json(JsonDialect::Fastjson))),
        })
    }
}

impl Handler<GetTopicRoute> for RouteActor {
    type Result = Result<Bytes, RouteError>;

    fn handle(&mut self, msg: GetTopicRoute, _: &mut Self::Context) -> Self::Result {
        if self.not_ready_for().is_some() {
            return Err(RouteError::NotReady);
        }
        let not_found = || RouteError::TopicNotExist(msg.topic.clone());
        let with_order_conf = |table: &RouteTable,
                               order: &Option<BTreeMap<String, String>>,
                               flags: &RuntimeFlags| {
            let mut route = table.topic_route(&msg.topic)?;
            if flags.order_message_enable {
                route.order_topic_conf = order.as_ref().and_then(|o| o.get(&msg.topic).cloned());
            }
            Some(route)
        };
        if let Some(zone) = &msg.zone {
            // Zone answers differ per request; they are rare enough to encode each time.
            let route = with_order_conf(&self.table, &self.order_topic_config, &self.flags)
                .ok_or_else(not_found)?;
            let filtered = filter_route_by_zone(&route, zone);
            return Ok(Bytes::from(filtered.to_json(JsonDialect::Fastjson)));
        }
        let version = self.version();
        let (table, order, flags) = (&self.table, &self.order_topic_config, &self.flags);
        let (body, encoded) = self
            .cache
            .route_or_encode(version, &msg.topic, msg.dialect, || {
                with_order_conf(table, order, flags).map(|r| kept_body(r.to_json(msg.dialect)))
            })
            .ok_or_else(not_found)?;
        if encoded {
            metrics().route_cache_miss.inc();
        } else {
            metrics().route_cache_hit.inc();
        }
        Ok(body)
    }
}

/// An encoded answer to keep: without the writer's spare capacity (up to half of a grown
/// buffer), which a kept `Bytes` would otherwise hold for as long as it lives.
fn kept_body(mut json: Vec<u8>) -> Bytes {
    json.shrink_to_fit();
    Bytes::from(json)
}

impl Handler<GetClusterInfo> for RouteActor {
    type Result = MessageResult<GetClusterInfo>;

    fn handle(&mut self, _: GetClusterInfo, _: &mut Self::Context) -> Self::Result {
        let version = self.version();
        let table = &self.table;
        MessageResult(self.cache.cluster_info_or_encode(version, || {
            kept_body(table.cluster_info().to_json(JsonDialect::Fastjson))
        }))
    }
}

impl Handler<ChangeWritePerm> for RouteActor {
    type Result = i32;

    fn handle(&mut self, msg: ChangeWritePerm, _: &mut Self::Context) -> i32 {
        if msg.writable {
            self.table.change().add_write_perm(&msg.broker_name)
        } else {
            self.table.change().wipe_write_perm(&msg.broker_name)
        }
    }
}

impl Handler<GetTopicList> for RouteActor {
    type Result = Result<Bytes, RouteError>;

    fn handle(&mut self, msg: GetTopicList, _: &mut Self::Context) -> Self::Result {
        let flags = &self.flags;
        let list = match msg.0 {
            TopicListQuery::All if !flags.enable_all_topic_list => {
                return Err(RouteError::Disabled)
            }
            TopicListQuery::All => self.table.all_topics(),
            TopicListQuery::System => self.table.system_topics(),
            _ if !flags.enable_topic_list => return Err(RouteError::Disabled),
            TopicListQuery::ByCluster(cluster) => self.table.topics_by_cluster(&cluster),
            TopicListQuery::Unit => self.table.unit_topics(),
            TopicListQuery::HasUnitSub => self.table.has_unit_sub_topics(),
            TopicListQuery::HasUnitSubUnUnit => self.table.has_unit_sub_ununit_topics(),
        };
        Ok(Bytes::from(list.to_json(JsonDialect::Fastjson)))
    }
}

impl Handler<DeleteTopic> for RouteActor {
    type Result = ();

    fn handle(&mut self, msg: DeleteTopic, _: &mut Self::Context) {
        self.table
            .change()
            .delete_topic(&msg.topic, msg.cluster_name.as_deref());
    }
}

impl Handler<RegisterTopic> for RouteActor {
    type Result = ();

    fn handle(&mut self, msg: RegisterTopic, _: &mut Self::Context) {
        self.table
            .change()
            .register_topic(&msg.topic, msg.queue_datas);
    }
}

impl Handler<GetBrokerMemberGroup> for RouteActor {
    type Result = MessageResult<GetBrokerMemberGroup>;

    fn handle(&mut self, msg: GetBrokerMemberGroup, _: &mut Self::Context) -> Self::Result {
        let group = self
            .table
            .broker_member_group(&msg.cluster_name, &msg.broker_name);
        MessageResult(Bytes::from(
            GetBrokerMemberGroupResponseBody {
                broker_member_group: group,
            }
            .to_json(JsonDialect::Fastjson),
        ))
    }
}

impl Handler<OrderTopicConfigChanged> for RouteActor {
    type Result = ();

    fn handle(&mut self, msg: OrderTopicConfigChanged, _: &mut Self::Context) {
        self.order_topic_config_body = msg.0.as_ref().map(|table| {
            Bytes::from(
                KvTable {
                    table: table.clone(),
                }
                .to_json(JsonDialect::Fastjson),
            )
        });
        self.order_topic_config = msg.0;
        self.table.change().invalidate_answers();
    }
}

impl Handler<UpdateRuntimeFlags> for RouteActor {
    type Result = ();

    fn handle(&mut self, msg: UpdateRuntimeFlags, ctx: &mut Self::Context) {
        self.flags = msg.0;
        let mut table = self.table.change();
        table.set_config(route_config(&self.flags));
        table.invalidate_answers();
        drop(table);
        self.update_readiness(ctx);
    }
}

impl Handler<TakeRouteSnapshot> for RouteActor {
    type Result = Option<Bytes>;

    fn handle(&mut self, msg: TakeRouteSnapshot, _: &mut Self::Context) -> Self::Result {
        self.take_snapshot(msg.only_if_changed)
    }
}

impl Handler<GetRouteStats> for RouteActor {
    type Result = MessageResult<GetRouteStats>;

    fn handle(&mut self, _: GetRouteStats, _: &mut Self::Context) -> Self::Result {
        MessageResult(RouteStats {
            brokers: self.table.broker_count(),
            topics: self.table.topic_count(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use namesrv_protocol::body::{DataVersion, TopicConfig, TopicConfigSerializeWrapper};

    use super::*;
    use crate::route::table::BrokerRegistration;

    fn registration() -> BrokerRegistration {
        let topic = |name: &str| {
            (
                name.to_string(),
                TopicConfig {
                    topic_name: Some(name.into()),
                    ..TopicConfig::default()
                },
            )
        };
        BrokerRegistration {
            cluster_name: "c".into(),
            broker_addr: "127.0.0.1:10911".into(),
            broker_name: "b".into(),
            broker_id: 0,
            ha_server_addr: String::new(),
            zone_name: None,
            heartbeat_timeout_millis: None,
            enable_acting_master: Some(false),
            topic_config_wrapper: Some(TopicConfigSerializeWrapper {
                topic_config_table: vec![topic("T1"), topic("T2")],
                data_version: DataVersion::default(),
                topic_queue_mapping_info_map: Default::default(),
            }),
            filter_server_list: None,
            connection: 1,
            body_fingerprint: None,
        }
    }

    async fn routed(route: &Addr<RouteActor>) -> bool {
        route
            .send(GetTopicRoute {
                topic: "T1".into(),
                dialect: JsonDialect::Standard,
                zone: None,
            })
            .await
            .unwrap()
            .is_ok()
    }

    /// Log lines written on this thread while the guard lives (the actors of an
    /// `actix_rt::test` run on the test's thread).
    fn capture_logs() -> (
        std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
        tracing::subscriber::DefaultGuard,
    ) {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        (buffer, tracing::subscriber::set_default(subscriber))
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn removals(logs: &std::sync::Mutex<Vec<u8>>) -> Vec<String> {
        String::from_utf8_lossy(&logs.lock().unwrap())
            .lines()
            .filter(|l| l.contains("broker unregistered"))
            .map(str::to_owned)
            .collect()
    }

    async fn register(route: &Addr<RouteActor>) {
        let reply = route
            .send(RegisterBroker {
                registration: registration(),
                session: None,
            })
            .await
            .unwrap();
        assert!(matches!(reply, RegisterBrokerReply::Registered { .. }));
    }

    /// What liveness does to registration 1 of the broker: its connection is closed…
    async fn close_its_connection(route: &Addr<RouteActor>) {
        route
            .send(ConnectionClosed {
                connection: 1,
                reason: "its broker expired",
            })
            .await
            .unwrap();
    }

    /// …and the route owner is told it expired.
    async fn expire_it(route: &Addr<RouteActor>) {
        let key = BrokerAddrKey::new("c", "127.0.0.1:10911");
        route.send(ExpireBrokers(vec![(key, 1)])).await.unwrap();
    }

    fn start_route() -> Addr<RouteActor> {
        RouteActor::create(|ctx| {
            let liveness =
                LivenessActor::new(Duration::from_secs(3600), ctx.address().recipient()).start();
            RouteActor::new(
                RuntimeFlags::default(),
                liveness,
                RoutePublication::default(),
            )
        })
    }

    /// The race of issue 16: liveness expires a broker and closes its connection; the
    /// connection's close reaches the route owner first. One broker leaving is one removal.
    #[actix_rt::test]
    async fn an_expiry_after_the_connection_closed_removes_nothing_more() {
        let (logs, _guard) = capture_logs();
        let route = start_route();
        register(&route).await;
        close_its_connection(&route).await;
        expire_it(&route).await;
        let lines = removals(&logs);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("cause=\"connection_closed\""),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains("broker=b"), "{}", lines[0]);
    }

    /// And the other order: expired first, then the connection closes.
    #[actix_rt::test]
    async fn a_connection_closing_after_its_broker_expired_removes_nothing_more() {
        let (logs, _guard) = capture_logs();
        let route = start_route();
        register(&route).await;
        expire_it(&route).await;
        close_its_connection(&route).await;
        let lines = removals(&logs);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("cause=\"expired\""), "{}", lines[0]);
    }

    #[actix_rt::test]
    async fn unregistering_a_broker_that_was_never_there_is_not_a_removal() {
        let (logs, _guard) = capture_logs();
        let route = start_route();
        route
            .send(UnregisterBroker(BrokerUnregistration {
                cluster_name: "c".into(),
                broker_addr: "127.0.0.1:1".into(),
                broker_name: "nobody".into(),
                broker_id: 0,
            }))
            .await
            .unwrap();
        assert!(removals(&logs).is_empty());
    }

    #[actix_rt::test]
    async fn an_expiry_that_crossed_a_fresh_registration_is_ignored() {
        let route = RouteActor::create(|ctx| {
            let liveness =
                LivenessActor::new(Duration::from_secs(3600), ctx.address().recipient()).start();
            RouteActor::new(
                RuntimeFlags::default(),
                liveness,
                RoutePublication::default(),
            )
        });
        let key = BrokerAddrKey::new("c", "127.0.0.1:10911");
        for _ in 0..2 {
            register(&route).await;
        }
        // Liveness expired registration 1, but registration 2 has arrived since.
        route
            .send(ExpireBrokers(vec![(key.clone(), 1)]))
            .await
            .unwrap();
        assert!(routed(&route).await, "a stale expiry leaves the broker");
        route.send(ExpireBrokers(vec![(key, 2)])).await.unwrap();
        assert!(!routed(&route).await, "the current one removes it");
    }
}
