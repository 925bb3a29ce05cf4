//! The route tables: which topics live on which broker groups, which addresses make up
//! each group, which clusters hold which groups, and what each registered broker last
//! reported.
//!
//! This is the state Java's `RouteInfoManager` keeps behind one read/write lock. Here it is
//! plain data with no clock, no I/O and no concurrency, owned by exactly one actor, so
//! every operation is a deterministic function of the table and its input and can be
//! tested directly. Liveness (when a broker was last heard from) is deliberately absent:
//! the liveness owner keeps the clock, and tells the route owner whom to unregister.
//!
//! Operations are split by concern:
//! - `register`: REGISTER_BROKER (protocol §5.2), and where we part from Java;
//! - `unregister`: batched unregistration (§5.3) and the look-ups the connection and
//!   expiry paths need (§6.3);
//! - `query`: route assembly (§5.4), zone filtering (§5.6), cluster info, member groups,
//!   topic lists (§5.7) and data-version queries;
//! - `topic`: operator actions on topics (write perm, delete, register);
//! - `snapshot`: the tables as a file for warm restarts, and back.
//!
//! Every mutation keeps [`RouteTable::generation`] honest: it moves exactly when an answer
//! built from the table (a topic route or the cluster info) could differ, which is what lets
//! the route owner cache encoded answers across the periodic re-registrations that change
//! nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

pub use crate::messages::{BrokerAddrKey, BrokerRegistration, BrokerUnregistration, ConnectionId};

use namesrv_protocol::body::{
    BodyFingerprint, BrokerData, DataVersion, QueueData, TopicQueueMappingInfo,
};

mod query;
mod queues;
mod register;
mod snapshot;
mod topic;
mod unchanged;
mod unregister;

#[cfg(test)]
mod fixture;

pub use query::filter_route_by_zone;
use queues::{QueuePool, TopicQueues};
pub use snapshot::{
    Restored, RouteSnapshot, SnapshotBroker, SnapshotGroup, SnapshotTopic, SNAPSHOT_FORMAT,
};

/// Heartbeat timeout of a broker whose registration names none (all 4.x brokers, and 5.x
/// brokers without slave-acting-master).
pub const DEFAULT_HEARTBEAT_TIMEOUT_MILLIS: i64 = 120_000;

/// Broker id of a replica group's master.
pub const MASTER_ID: i64 = 0;

/// Route queries for topics with this prefix never get the acting-master rewrite: brokers
/// use them to learn their own group's real membership.
pub const SYNC_BROKER_MEMBER_TOPIC_PREFIX: &str = "rmq_sys_SYNC_BROKER_MEMBER_";

/// Permission bits of a queue (`PermName` in Java).
pub mod perm {
    pub const PRIORITY: i32 = 8;
    pub const READ: i32 = 4;
    pub const WRITE: i32 = 2;
    pub const INHERIT: i32 = 1;

    pub fn is_writable(perm: i32) -> bool {
        perm & WRITE == WRITE
    }
}

/// `topicSysFlag` bits used by the unit topic lists.
pub mod sys_flag {
    pub const UNIT: i32 = 1;
    pub const UNIT_SUB: i32 = 2;
}

/// What the last registration of a broker process told us, minus the time it arrived
/// (that belongs to the liveness owner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerLiveInfo {
    pub data_version: DataVersion,
    pub ha_server_addr: String,
    pub connection: ConnectionId,
    pub heartbeat_timeout_millis: i64,
}

/// The name server options the tables obey; all of them may change at run time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouteConfig {
    /// Rewrite routes of master-less groups so their lowest slave appears as id 0.
    pub support_acting_master: bool,
    /// A registration removes this broker's queue data of topics its body no longer lists.
    pub delete_topic_with_broker_registration: bool,
    /// Produce [`MinBrokerIdChange`]s for NOTIFY_MIN_BROKER_ID_CHANGE.
    pub notify_min_broker_id_changed: bool,
}

/// The result of a registration, one variant per reply the broker gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// SUCCESS. For a slave whose master is registered, the master's main and HA addresses.
    Registered {
        master_addr: Option<String>,
        ha_server_addr: Option<String>,
        notify: Option<MinBrokerIdChange>,
    },
    /// Another address holds this broker id with a newer state version: nothing was
    /// registered and this address is no longer live. Replied to as SUCCESS with an empty
    /// header, as Java does.
    Conflict,
    /// A single-topic registration from a broker id the group does not know yet: SYSTEM_ERROR
    /// "register broker failed".
    Refused,
}

/// A NOTIFY_MIN_BROKER_ID_CHANGE to send (protocol §5.8): the group's lowest broker id moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinBrokerIdChange {
    pub broker_name: String,
    pub min_broker_id: i64,
    pub min_broker_addr: String,
    /// The address that left, when the change comes from an unregistration.
    pub offline_broker_addr: Option<String>,
    /// The registering broker's HA address, when the change comes from a registration.
    pub ha_broker_addr: Option<String>,
    /// Main addresses to send the notification to.
    pub recipients: Vec<String>,
}

impl MinBrokerIdChange {
    /// Builds the notification for a group whose current members are `addrs` (not empty).
    /// On an unregistration everyone left is told; on a registration everyone but the new
    /// minimum, unless it is alone.
    fn new(
        broker_name: &str,
        addrs: &BTreeMap<i64, String>,
        offline_broker_addr: Option<String>,
        ha_broker_addr: Option<String>,
    ) -> Option<Self> {
        let (&min_broker_id, min_broker_addr) = addrs.iter().next()?;
        let recipients = if offline_broker_addr.is_some() || addrs.len() == 1 {
            addrs.values().cloned().collect()
        } else {
            addrs
                .iter()
                .filter(|(id, _)| **id != min_broker_id)
                .map(|(_, addr)| addr.clone())
                .collect()
        };
        Some(Self {
            broker_name: broker_name.to_owned(),
            min_broker_id,
            min_broker_addr: min_broker_addr.clone(),
            offline_broker_addr,
            ha_broker_addr,
            recipients,
        })
    }
}

/// A live broker as stored: what callers see, plus the broker name it last registered
/// under, which makes the expiry and connection paths' look-up a hash probe.
#[derive(Clone, Debug)]
struct LiveEntry {
    info: BrokerLiveInfo,
    broker_name: String,
    /// The body this broker registered last, if it came with a fingerprint.
    applied: Option<AppliedBody>,
}

/// A register body the table applied: its fingerprint and the generation right after.
/// Applying the same bytes again while the generation has not moved changes nothing, which
/// is what lets `register_unchanged` skip them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct AppliedBody {
    fingerprint: BodyFingerprint,
    generation: u64,
    /// Applying it removed the broker's queues from every topic the body does not list
    /// (`delete_topic_with_broker_registration` on a new data version), so a new data
    /// version with the same body has nothing left to remove.
    unlisted_removed: bool,
}

/// All route state. See the module docs.
#[derive(Debug, Default)]
pub struct RouteTable {
    config: RouteConfig,
    /// topic → broker name → queue data. A topic exists iff it has at least one entry.
    /// Equal queue data are one shared value from `queue_pool` (see `queues`).
    topic_queue_table: HashMap<String, TopicQueues>,
    queue_pool: QueuePool,
    /// broker name → the replica group.
    broker_addr_table: HashMap<String, BrokerData>,
    /// cluster → broker names.
    cluster_addr_table: HashMap<String, HashSet<String>>,
    broker_live_table: HashMap<BrokerAddrKey, LiveEntry>,
    filter_server_table: HashMap<BrokerAddrKey, Vec<String>>,
    /// topic → broker name → static-topic mapping. Like Java, never cleaned.
    topic_queue_mapping_info_table: HashMap<String, HashMap<String, TopicQueueMappingInfo>>,
    /// Broker names whose queue perms an operator changed (WIPE/ADD_WRITE_PERM) since the
    /// group last reported a new DataVersion. See `register` for why this is tracked.
    operator_perm_brokers: HashSet<String>,
    generation: u64,
}

impl RouteTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn config(&self) -> RouteConfig {
        self.config
    }

    pub fn set_config(&mut self, config: RouteConfig) {
        if self.config != config {
            self.config = config;
            // support_acting_master reshapes route answers.
            self.touch();
        }
    }

    /// Moves whenever a topic route or the cluster info could have changed, and only then.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn touch(&mut self) {
        self.generation += 1;
    }

    /// Moves the generation for a change outside the table that shapes answers (the
    /// ORDER_TOPIC_CONFIG values, run-time flags), so cached answers are re-encoded.
    pub fn invalidate_answers(&mut self) {
        self.touch();
    }

    /// Registered broker processes.
    pub fn broker_count(&self) -> usize {
        self.broker_live_table.len()
    }

    pub fn topic_count(&self) -> usize {
        self.topic_queue_table.len()
    }

    pub fn is_live(&self, key: &BrokerAddrKey) -> bool {
        self.broker_live_table.contains_key(key)
    }

    pub fn live_info(&self, key: &BrokerAddrKey) -> Option<&BrokerLiveInfo> {
        self.broker_live_table.get(key).map(|e| &e.info)
    }

    /// Stores `queue` as `topic`'s queue data on its broker name, replacing any there.
    fn put_queue_data(&mut self, topic: &str, queue: QueueData) {
        let shared = self.queue_pool.share(queue);
        match self.topic_queue_table.get_mut(topic) {
            Some(queues) => queues.insert(shared),
            None => self
                .topic_queue_table
                .entry(topic.to_owned())
                .or_default()
                .insert(shared),
        };
    }

    /// Removes the live and filter-server entries of a broker process. True if the filter
    /// servers, which appear in routes, changed.
    fn forget_live(&mut self, key: &BrokerAddrKey) -> bool {
        self.broker_live_table.remove(key);
        self.filter_server_table.remove(key).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;

    #[test]
    fn changing_the_config_moves_the_generation_only_when_it_differs() {
        let mut table = RouteTable::new();
        let generation = table.generation();
        table.set_config(RouteConfig::default());
        assert_eq!(table.generation(), generation);
        table.set_config(RouteConfig {
            support_acting_master: true,
            ..RouteConfig::default()
        });
        assert!(table.generation() > generation);
        assert!(table.config().support_acting_master);
    }

    #[test]
    fn unregistering_and_topic_actions_move_the_generation() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        let mut last = table.generation();
        let mut moved = |table: &RouteTable, what: &str| {
            assert!(table.generation() > last, "{what}");
            last = table.generation();
        };
        table.wipe_write_perm(BROKER);
        moved(&table, "wipe");
        table.add_write_perm(BROKER);
        moved(&table, "add");
        table.register_topic("c", vec![queue(BROKER, 6)]);
        moved(&table, "register topic");
        table.delete_topic("c", None);
        moved(&table, "delete topic");
        table.unregister_brokers(&[master.unregistration()]);
        moved(&table, "unregister");
    }

    #[test]
    fn nothing_is_live_in_an_empty_table() {
        let table = RouteTable::new();
        let key = BrokerAddrKey::new(CLUSTER, MASTER_ADDR);
        assert!(!table.is_live(&key));
        assert!(table.live_info(&key).is_none());
        assert_eq!((table.broker_count(), table.topic_count()), (0, 0));
    }
}
