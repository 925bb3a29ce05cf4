//! Every message between actors, in one place: the map of who can ask whom for what.
//!
//! Sessions ask the state owners; owners tell each other about changes. Each message names
//! its result type, so a handler's answer is checked by the compiler, and each owner's
//! section below is the complete list of what it can be asked.

use std::collections::BTreeMap;
use std::time::Duration;

use actix::{Message, Recipient};
use bytes::Bytes;
use namesrv_protocol::body::{
    BodyFingerprint, DataVersion, JsonDialect, QueueData, TopicConfigSerializeWrapper,
};

use crate::config::RuntimeFlags;

// ---------------------------------------------------------------------------------------
// Values that travel in messages: who a broker is, what it registered, and over which
// connection. They are plain data, so sessions and owners share them without either
// reaching into the other's module.
// ---------------------------------------------------------------------------------------

/// Identifies one connection of the server, so a closed connection can be traced back to
/// the brokers that registered over it.
pub type ConnectionId = u64;

/// A registered broker process. 5.x keys brokers by cluster *and* address, so the same
/// address may be registered in two clusters at once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BrokerAddrKey {
    pub cluster_name: String,
    pub broker_addr: String,
}

impl BrokerAddrKey {
    pub fn new(cluster_name: impl Into<String>, broker_addr: impl Into<String>) -> Self {
        Self {
            cluster_name: cluster_name.into(),
            broker_addr: broker_addr.into(),
        }
    }
}

/// One REGISTER_BROKER, decoded.
#[derive(Clone, Debug)]
pub struct BrokerRegistration {
    pub cluster_name: String,
    pub broker_addr: String,
    pub broker_name: String,
    pub broker_id: i64,
    pub ha_server_addr: String,
    pub zone_name: Option<String>,
    pub heartbeat_timeout_millis: Option<i64>,
    /// Absent only from 4.x brokers, which is how they are recognised.
    pub enable_acting_master: Option<bool>,
    pub topic_config_wrapper: Option<TopicConfigSerializeWrapper>,
    /// `None` leaves the stored list alone; an empty list removes it.
    pub filter_server_list: Option<Vec<String>>,
    pub connection: ConnectionId,
    /// The fingerprint of the body outside its data version, when the session could read
    /// it cheaply (restored registrations have none): the next registration with the same
    /// one need not be decoded.
    pub body_fingerprint: Option<BodyFingerprint>,
}

/// One UNREGISTER_BROKER, or the same request made on a broker's behalf when its connection
/// closed or it expired.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BrokerUnregistration {
    pub cluster_name: String,
    pub broker_addr: String,
    pub broker_name: String,
    pub broker_id: i64,
}

// ---------------------------------------------------------------------------------------
// Asked of the RouteActor.
// ---------------------------------------------------------------------------------------

/// REGISTER_BROKER, with the body already decoded by the session.
#[derive(Message)]
#[rtype(result = "RegisterBrokerReply")]
pub struct RegisterBroker {
    pub registration: BrokerRegistration,
    /// Closes the broker's connection when it expires.
    pub session: Option<Recipient<CloseSession>>,
}

/// REGISTER_BROKER whose body the session has not decoded: applied if, apart from its data
/// version, it is the body this broker registered last, with nothing in the table changed
/// since (and, for a new data version, nothing a new version would undo); otherwise `None`,
/// and the session decodes the body and sends [`RegisterBroker`].
#[derive(Message)]
#[rtype(result = "Option<RegisterBrokerReply>")]
pub struct RegisterUnchanged {
    /// Without topics or filter servers; `body_fingerprint` set.
    pub registration: BrokerRegistration,
    /// Read from the body without decoding it.
    pub data_version: DataVersion,
    pub session: Option<Recipient<CloseSession>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterBrokerReply {
    /// Registered: the master's addresses (for a slave) and the ORDER_TOPIC_CONFIG table,
    /// pre-encoded as a KVTable, when the broker should get it.
    Registered {
        master_addr: Option<String>,
        ha_server_addr: Option<String>,
        order_topic_config: Option<Bytes>,
    },
    /// Java's "stateVersion conflict" path: SUCCESS with an empty header, nothing stored.
    Conflict,
    /// Java's single-topic first registration rule: SYSTEM_ERROR "register broker failed".
    Refused,
}

/// UNREGISTER_BROKER.
#[derive(Message)]
#[rtype(result = "()")]
pub struct UnregisterBroker(pub BrokerUnregistration);

/// QUERY_DATA_VERSION: whether the broker's data changed, and the stored version (as JSON).
#[derive(Message)]
#[rtype(result = "DataVersionReply")]
pub struct QueryDataVersion {
    pub key: BrokerAddrKey,
    pub version: Option<DataVersion>,
    /// Asked by the broker itself (Java 5.x counts that as hearing from it), or only read
    /// by a tool, which must never change liveness.
    pub refreshes_liveness: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataVersionReply {
    pub changed: bool,
    pub stored: Option<Bytes>,
}

/// GET_ROUTEINFO_BY_TOPIC.
#[derive(Message)]
#[rtype(result = "Result<Bytes, RouteError>")]
pub struct GetTopicRoute {
    pub topic: String,
    pub dialect: JsonDialect,
    /// Set when the request asked for zone routing (`__ZONE_MODE` true, `__ZONE_NAME` set).
    pub zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("No topic route info in name server for the topic: {0}\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.")]
    TopicNotExist(String),
    #[error("name server not ready")]
    NotReady,
    #[error("disable")]
    Disabled,
}

/// GET_BROKER_CLUSTER_INFO: ClusterInfo JSON.
#[derive(Message)]
#[rtype(result = "Bytes")]
pub struct GetClusterInfo;

/// WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER: the number of topics touched.
#[derive(Message)]
#[rtype(result = "i32")]
pub struct ChangeWritePerm {
    pub broker_name: String,
    pub writable: bool,
}

/// The topic-list queries (206, 224, 304, 311, 312, 313): TopicList JSON.
#[derive(Message)]
#[rtype(result = "Result<Bytes, RouteError>")]
pub struct GetTopicList(pub TopicListQuery);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicListQuery {
    All,
    ByCluster(String),
    System,
    Unit,
    HasUnitSub,
    HasUnitSubUnUnit,
}

/// DELETE_TOPIC_IN_NAMESRV.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DeleteTopic {
    pub topic: String,
    pub cluster_name: Option<String>,
}

/// REGISTER_TOPIC_IN_NAMESRV.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RegisterTopic {
    pub topic: String,
    pub queue_datas: Vec<QueueData>,
}

/// GET_BROKER_MEMBER_GROUP: GetBrokerMemberGroupResponseBody JSON.
#[derive(Message)]
#[rtype(result = "Bytes")]
pub struct GetBrokerMemberGroup {
    pub cluster_name: String,
    pub broker_name: String,
}

/// A connection closed or failed: unregister every broker that registered over it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ConnectionClosed {
    pub connection: ConnectionId,
    /// Why it closed, for the log (idle, undecodable frame, closed by the peer, …).
    pub reason: &'static str,
}

/// From the LivenessActor: these brokers stopped heartbeating. Each key comes with the
/// registration number liveness last heard of, so an expiry that crossed a fresh
/// registration in the mailboxes is recognised as stale and ignored.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ExpireBrokers(pub Vec<(BrokerAddrKey, RegistrationNumber)>);

/// Numbers the RouteActor's successful registrations, in order.
pub type RegistrationNumber = u64;

/// From the KvActor: the ORDER_TOPIC_CONFIG namespace changed (or was loaded).
#[derive(Message)]
#[rtype(result = "()")]
pub struct OrderTopicConfigChanged(pub Option<BTreeMap<String, String>>);

/// From the ConfigActor: flags that change request handling at run time.
#[derive(Message)]
#[rtype(result = "()")]
pub struct UpdateRuntimeFlags(pub RuntimeFlags);

/// The route tables as a snapshot file's bytes (JSON); `None` when `only_if_changed` and
/// nothing changed since the last one taken.
#[derive(Message)]
#[rtype(result = "Option<Bytes>")]
pub struct TakeRouteSnapshot {
    pub only_if_changed: bool,
}

/// Counts for health and metrics.
#[derive(Message)]
#[rtype(result = "RouteStats")]
pub struct GetRouteStats;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteStats {
    pub brokers: usize,
    pub topics: usize,
}

// ---------------------------------------------------------------------------------------
// Asked of the KvActor. Writes answer only once the file is durably replaced.
// ---------------------------------------------------------------------------------------

/// PUT_KV_CONFIG.
#[derive(Message)]
#[rtype(result = "Result<(), KvWriteError>")]
pub struct PutKvConfig {
    pub namespace: String,
    pub key: String,
    /// `None` when the request had no `value`: Java stores a null, which reads as "not
    /// found" and is left out of lists, but still creates the namespace.
    pub value: Option<String>,
}

/// DELETE_KV_CONFIG.
#[derive(Message)]
#[rtype(result = "Result<(), KvWriteError>")]
pub struct DeleteKvConfig {
    pub namespace: String,
    pub key: String,
}

/// The KV change was applied in memory but could not be persisted; it was rolled back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not persist the KV config to {path}: {reason}")]
pub struct KvWriteError {
    pub path: String,
    pub reason: String,
}

/// GET_KV_CONFIG.
#[derive(Message)]
#[rtype(result = "Option<String>")]
pub struct GetKvConfig {
    pub namespace: String,
    pub key: String,
}

/// GET_KVLIST_BY_NAMESPACE: KVTable JSON, or `None` if the namespace does not exist.
#[derive(Message)]
#[rtype(result = "Option<Bytes>")]
pub struct GetKvList {
    pub namespace: String,
}

/// Flush before shutdown; answers when no write is pending.
#[derive(Message)]
#[rtype(result = "()")]
pub struct FlushKv;

// ---------------------------------------------------------------------------------------
// Asked of the LivenessActor.
// ---------------------------------------------------------------------------------------

/// From the RouteActor after a registration: the broker is live now, for `timeout`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct BrokerSeen {
    pub key: BrokerAddrKey,
    pub registration: RegistrationNumber,
    pub timeout: Duration,
    pub session: Option<Recipient<CloseSession>>,
}

/// BROKER_HEARTBEAT, and the refresh part of QUERY_DATA_VERSION.
#[derive(Message)]
#[rtype(result = "()")]
pub struct BrokerHeartbeat(pub BrokerAddrKey);

/// For operators: every watched broker and how long ago it was last heard from.
#[derive(Message)]
#[rtype(result = "Vec<(BrokerAddrKey, Duration)>")]
pub struct GetBrokerSilences;

/// From the RouteActor after an unregistration: stop watching these brokers.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ForgetBrokers(pub Vec<BrokerAddrKey>);

// ---------------------------------------------------------------------------------------
// Asked of the ConfigActor.
// ---------------------------------------------------------------------------------------

/// GET_NAMESRV_CONFIG: the configuration as properties text.
#[derive(Message)]
#[rtype(result = "String")]
pub struct GetNamesrvConfig;

/// UPDATE_NAMESRV_CONFIG with the request's properties text.
#[derive(Message)]
#[rtype(result = "Result<(), ConfigUpdateError>")]
pub struct UpdateNamesrvConfig(pub String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigUpdateError {
    #[error("Can not update config in black list.")]
    BlackListed(String),
    #[error("Can not update config {0} at run time: only run-time flags can be updated remotely.")]
    NotUpdatable(String),
    #[error("invalid config value: {0}")]
    Invalid(#[from] crate::config::InvalidValue),
    #[error("string2Properties error: {0}")]
    Unparsable(String),
    #[error("could not persist the config: {0}")]
    Persist(String),
    #[error("the route owner did not take the update: {0}")]
    NotApplied(String),
}

// ---------------------------------------------------------------------------------------
// Asked of a FileWriter (off the route owner's thread).
// ---------------------------------------------------------------------------------------

/// Durably replace the writer's file with these bytes.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WriteFile(pub Bytes);

// ---------------------------------------------------------------------------------------
// Asked of a Session.
// ---------------------------------------------------------------------------------------

/// Close the connection (its broker expired, or the server is shutting down).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct CloseSession;
