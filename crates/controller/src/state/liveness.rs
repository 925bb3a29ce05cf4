//! Which replicas are alive, and what they last said about themselves: the broker live
//! table (Java's `DefaultBrokerHeartbeatManager`).
//!
//! It is not replicated. Brokers heartbeat (BROKER_HEARTBEAT, 904) to the controller leader
//! only, so a new leader starts with an empty table and learns the replicas within one
//! heartbeat period; Java's DLedger controller does the same. Decisions read it through
//! [`ReplicaLiveness`], so the replicated state never depends on it except through the
//! events a decision produced.
//!
//! Time is passed in (`now`), never read, so the table is plain data the liveness actor owns
//! and tests drive.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::BrokerHeartbeatRequestHeader;
use thiserror::Error;

/// Java's default when a heartbeat has no `heartbeatTimeoutMills` (the controller's, not the
/// name server's 120 s).
pub const DEFAULT_HEARTBEAT_TIMEOUT_MILLIS: i64 = 10_000;

/// What a replica last reported, as the election policy ranks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaHeartbeat {
    /// The replica's last master epoch; -1 when not sent.
    pub epoch: i32,
    /// The end of its commit log; -1 when not sent.
    pub max_offset: i64,
    pub confirm_offset: i64,
    /// Lower wins; `i32::MAX` when not sent.
    pub election_priority: i32,
    /// The address it heartbeats from (`brokerAddr`).
    pub address: String,
}

/// How decisions ask about replicas: alive (heard from within its timeout) and its last
/// report. A replica that is not alive may still have a report.
pub trait ReplicaLiveness {
    fn is_alive(&self, cluster_name: &str, broker_name: &str, broker_id: i64) -> bool;
    fn heartbeat(
        &self,
        cluster_name: &str,
        broker_name: &str,
        broker_id: i64,
    ) -> Option<ReplicaHeartbeat>;
}

/// One replica: Java's `BrokerIdentityInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplicaKey {
    pub cluster_name: String,
    pub broker_name: String,
    pub broker_id: i64,
}

/// A heartbeat the table cannot take.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeartbeatError {
    /// A broker that has no id yet (still registering) heartbeats without one.
    #[error("heartbeat without brokerId")]
    MissingBrokerId,
}

impl HeartbeatError {
    /// The code Java answers with.
    pub fn response_code(&self) -> ResponseCode {
        match self {
            HeartbeatError::MissingBrokerId => ResponseCode::CONTROLLER_INVALID_REQUEST,
        }
    }
}

/// A replica the scan dropped, with the connection it heartbeated on (Java closes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredReplica {
    pub key: ReplicaKey,
    pub connection: u64,
}

#[derive(Debug, Clone)]
struct LiveEntry {
    report: ReplicaHeartbeat,
    last_heard: Instant,
    timeout_millis: i64,
    connection: u64,
}

impl LiveEntry {
    /// Java: alive while `last + timeout >= now`. A negative timeout is never alive.
    fn alive_at(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last_heard).as_millis();
        i128::try_from(elapsed).unwrap_or(i128::MAX) <= i128::from(self.timeout_millis)
    }
}

/// The heartbeats of every replica heard from, keyed by replica.
#[derive(Debug, Clone, Default)]
pub struct BrokerLiveTable {
    entries: HashMap<ReplicaKey, LiveEntry>,
}

impl BrokerLiveTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a heartbeat received on `connection`; returns whether the replica is new to
    /// the table.
    ///
    /// As Java: the timeout and priority always take the latest value, while epoch, max
    /// offset and confirm offset move only forward (a higher epoch, or the same epoch and a
    /// higher max offset), so a late heartbeat cannot make a replica look less up to date.
    /// Unlike Java, the address and connection follow the latest heartbeat (Java keeps the
    /// first ones until the entry is dropped).
    pub fn on_heartbeat(
        &mut self,
        header: &BrokerHeartbeatRequestHeader,
        connection: u64,
        now: Instant,
    ) -> Result<bool, HeartbeatError> {
        let broker_id = header.broker_id.ok_or(HeartbeatError::MissingBrokerId)?;
        let key = ReplicaKey {
            cluster_name: header.cluster_name.clone(),
            broker_name: header.broker_name.clone(),
            broker_id,
        };
        let epoch = header.epoch.unwrap_or(-1);
        let max_offset = header.max_offset.unwrap_or(-1);
        let confirm_offset = header.confirm_offset.unwrap_or(-1);
        let timeout_millis = header
            .heartbeat_timeout_mills
            .unwrap_or(DEFAULT_HEARTBEAT_TIMEOUT_MILLIS);
        let election_priority = header.election_priority.unwrap_or(i32::MAX);
        match self.entries.get_mut(&key) {
            Some(entry) => {
                entry.last_heard = now;
                entry.timeout_millis = timeout_millis;
                entry.connection = connection;
                entry.report.election_priority = election_priority;
                entry.report.address.clone_from(&header.broker_addr);
                let report = &mut entry.report;
                if epoch > report.epoch || (epoch == report.epoch && max_offset > report.max_offset)
                {
                    report.epoch = epoch;
                    report.max_offset = max_offset;
                    report.confirm_offset = confirm_offset;
                }
                Ok(false)
            }
            None => {
                self.entries.insert(
                    key,
                    LiveEntry {
                        report: ReplicaHeartbeat {
                            epoch,
                            max_offset,
                            confirm_offset,
                            election_priority,
                            address: header.broker_addr.clone(),
                        },
                        last_heard: now,
                        timeout_millis,
                        connection,
                    },
                );
                Ok(true)
            }
        }
    }

    /// Drops every replica that heartbeated on `connection` and returns them: a closed
    /// connection makes its broker inactive at once, not after its timeout.
    pub fn on_connection_closed(&mut self, connection: u64) -> Vec<ReplicaKey> {
        let gone: Vec<ReplicaKey> = self
            .entries
            .iter()
            .filter(|(_, entry)| entry.connection == connection)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &gone {
            self.entries.remove(key);
        }
        sorted(gone)
    }

    /// Drops the replicas silent for longer than their timeout (Java: `now - last >
    /// timeout`) and returns them, in key order.
    pub fn expired(&mut self, now: Instant) -> Vec<ExpiredReplica> {
        let mut gone: Vec<ExpiredReplica> = self
            .entries
            .iter()
            .filter(|(_, entry)| !entry.alive_at(now))
            .map(|(key, entry)| ExpiredReplica {
                key: key.clone(),
                connection: entry.connection,
            })
            .collect();
        for expired in &gone {
            self.entries.remove(&expired.key);
        }
        gone.sort_by(|a, b| a.key.cmp(&b.key));
        gone
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The connections of the replicas in the table, for the owner to keep track of.
    pub fn connections(&self) -> HashSet<u64> {
        self.entries
            .values()
            .map(|entry| entry.connection)
            .collect()
    }

    /// Answers liveness questions as of `now`, borrowing the table.
    pub fn at(&self, now: Instant) -> LiveView<'_> {
        LiveView { table: self, now }
    }

    /// An owned copy of what is alive at `now`, for a decision made away from the table's
    /// owner.
    pub fn snapshot(&self, now: Instant) -> LivenessSnapshot {
        LivenessSnapshot {
            alive: self
                .entries
                .iter()
                .filter(|(_, entry)| entry.alive_at(now))
                .map(|(key, entry)| (key.clone(), entry.report.clone()))
                .collect(),
        }
    }

    fn entry(&self, cluster_name: &str, broker_name: &str, broker_id: i64) -> Option<&LiveEntry> {
        // Keys are few (replicas of all groups); building one per question is cheap.
        self.entries.get(&ReplicaKey {
            cluster_name: cluster_name.to_owned(),
            broker_name: broker_name.to_owned(),
            broker_id,
        })
    }
}

fn sorted(mut keys: Vec<ReplicaKey>) -> Vec<ReplicaKey> {
    keys.sort();
    keys
}

/// [`BrokerLiveTable`] as of one instant.
#[derive(Debug, Clone, Copy)]
pub struct LiveView<'a> {
    table: &'a BrokerLiveTable,
    now: Instant,
}

impl ReplicaLiveness for LiveView<'_> {
    fn is_alive(&self, cluster_name: &str, broker_name: &str, broker_id: i64) -> bool {
        self.table
            .entry(cluster_name, broker_name, broker_id)
            .is_some_and(|entry| entry.alive_at(self.now))
    }

    fn heartbeat(
        &self,
        cluster_name: &str,
        broker_name: &str,
        broker_id: i64,
    ) -> Option<ReplicaHeartbeat> {
        self.table
            .entry(cluster_name, broker_name, broker_id)
            .map(|entry| entry.report.clone())
    }
}

/// The replicas alive at one instant and their reports; also handy in tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LivenessSnapshot {
    pub alive: HashMap<ReplicaKey, ReplicaHeartbeat>,
}

impl LivenessSnapshot {
    fn get(
        &self,
        cluster_name: &str,
        broker_name: &str,
        broker_id: i64,
    ) -> Option<&ReplicaHeartbeat> {
        self.alive.get(&ReplicaKey {
            cluster_name: cluster_name.to_owned(),
            broker_name: broker_name.to_owned(),
            broker_id,
        })
    }
}

impl ReplicaLiveness for LivenessSnapshot {
    fn is_alive(&self, cluster_name: &str, broker_name: &str, broker_id: i64) -> bool {
        self.get(cluster_name, broker_name, broker_id).is_some()
    }

    fn heartbeat(
        &self,
        cluster_name: &str,
        broker_name: &str,
        broker_id: i64,
    ) -> Option<ReplicaHeartbeat> {
        self.get(cluster_name, broker_name, broker_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn beat(
        id: Option<i64>,
        epoch: i32,
        offset: i64,
        timeout: Option<i64>,
    ) -> BrokerHeartbeatRequestHeader {
        BrokerHeartbeatRequestHeader {
            cluster_name: "c".into(),
            broker_addr: format!("127.0.0.1:{}", 30_000 + id.unwrap_or(0)),
            broker_name: "b".into(),
            broker_id: id,
            epoch: Some(epoch),
            max_offset: Some(offset),
            confirm_offset: Some(offset),
            heartbeat_timeout_mills: timeout,
            election_priority: None,
        }
    }

    #[test]
    fn a_heartbeat_without_broker_id_is_refused_with_invalid_request() {
        let mut table = BrokerLiveTable::new();
        let err = table
            .on_heartbeat(&beat(None, 1, 1, None), 1, Instant::now())
            .unwrap_err();
        assert_eq!(
            err.response_code(),
            ResponseCode::CONTROLLER_INVALID_REQUEST
        );
        assert!(table.is_empty());
    }

    #[test]
    fn alive_until_the_timeout_passes_then_expired() {
        let t0 = Instant::now();
        let mut table = BrokerLiveTable::new();
        assert_eq!(
            table.on_heartbeat(&beat(Some(1), 1, 1, Some(3000)), 7, t0),
            Ok(true)
        );
        assert_eq!(
            table.on_heartbeat(&beat(Some(2), 1, 1, None), 8, t0),
            Ok(true)
        );
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(table.at(at(3000)).is_alive("c", "b", 1));
        assert!(!table.at(at(3001)).is_alive("c", "b", 1));
        assert!(
            table.at(at(3001)).is_alive("c", "b", 2),
            "default timeout is 10 s"
        );
        assert!(!table.at(at(10_001)).is_alive("c", "b", 2));
        assert!(table.expired(at(3000)).is_empty());
        let gone = table.expired(at(3001));
        assert_eq!(gone.len(), 1);
        assert_eq!((gone[0].key.broker_id, gone[0].connection), (1, 7));
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn a_negative_timeout_is_never_alive() {
        let t0 = Instant::now();
        let mut table = BrokerLiveTable::new();
        table
            .on_heartbeat(&beat(Some(1), 1, 1, Some(-10_000)), 1, t0)
            .unwrap();
        assert!(!table.at(t0).is_alive("c", "b", 1));
        assert!(table.snapshot(t0).alive.is_empty());
    }

    #[test]
    fn epoch_and_offset_only_move_forward_but_priority_follows_the_latest() {
        let t0 = Instant::now();
        let mut table = BrokerLiveTable::new();
        table
            .on_heartbeat(&beat(Some(1), 2, 100, None), 1, t0)
            .unwrap();
        let mut older = beat(Some(1), 1, 500, None);
        older.election_priority = Some(3);
        assert_eq!(table.on_heartbeat(&older, 1, t0), Ok(false));
        let report = table.at(t0).heartbeat("c", "b", 1).unwrap();
        assert_eq!(
            (report.epoch, report.max_offset, report.election_priority),
            (2, 100, 3)
        );
        table
            .on_heartbeat(&beat(Some(1), 2, 50, None), 1, t0)
            .unwrap();
        assert_eq!(table.at(t0).heartbeat("c", "b", 1).unwrap().max_offset, 100);
        table
            .on_heartbeat(&beat(Some(1), 2, 150, None), 1, t0)
            .unwrap();
        let report = table.at(t0).heartbeat("c", "b", 1).unwrap();
        assert_eq!((report.epoch, report.max_offset), (2, 150));
        assert_eq!(
            report.election_priority,
            i32::MAX,
            "absent priority reads as the lowest"
        );
    }

    #[test]
    fn closing_a_connection_drops_its_replicas_at_once() {
        let t0 = Instant::now();
        let mut table = BrokerLiveTable::new();
        table
            .on_heartbeat(&beat(Some(1), 1, 1, None), 10, t0)
            .unwrap();
        table
            .on_heartbeat(&beat(Some(2), 1, 1, None), 11, t0)
            .unwrap();
        let gone = table.on_connection_closed(10);
        assert_eq!(gone.iter().map(|k| k.broker_id).collect::<Vec<_>>(), [1]);
        assert!(!table.at(t0).is_alive("c", "b", 1));
        assert!(table.at(t0).is_alive("c", "b", 2));
        assert!(table.on_connection_closed(10).is_empty());
        // The replica follows its latest connection.
        table
            .on_heartbeat(&beat(Some(2), 1, 1, None), 12, t0)
            .unwrap();
        assert!(table.on_connection_closed(11).is_empty());
        assert_eq!(table.on_connection_closed(12).len(), 1);
    }

    #[test]
    fn snapshot_keeps_only_the_living() {
        let t0 = Instant::now();
        let mut table = BrokerLiveTable::new();
        table
            .on_heartbeat(&beat(Some(1), 1, 1, Some(1000)), 1, t0)
            .unwrap();
        table
            .on_heartbeat(&beat(Some(2), 1, 1, Some(5000)), 2, t0)
            .unwrap();
        let snap = table.snapshot(t0 + Duration::from_millis(2000));
        assert!(!snap.is_alive("c", "b", 1));
        assert!(snap.is_alive("c", "b", 2));
        assert_eq!(
            snap.heartbeat("c", "b", 2).unwrap().address,
            "127.0.0.1:30002"
        );
        assert!(!snap.is_alive("other", "b", 2));
    }
}
