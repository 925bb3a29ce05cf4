//! One topic's queue data, one entry per broker group, with every entry shared.
//!
//! The topic table holds one queue data per (topic, broker name) pair: a million of them
//! for 1,000 brokers × 1,000 topics. Kept as `HashMap<String, QueueData>` each pair cost two
//! copies of the broker name and a 64-byte slot, about 200 bytes. Yet a broker's topics
//! almost all carry one of a few queue shapes (read/write queue counts, perm, sys flag), so
//! the table keeps each distinct queue data once ([`QueuePool`]) and a topic holds only
//! pointers to them ([`TopicQueues`]), keyed by the broker name inside the pointee: an
//! 8-byte slot per pair. The values are the ones answers are built from, so answers do not
//! change.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use namesrv_protocol::body::QueueData;

/// A shared queue data, hashed and compared by its broker name only, so a topic's set of
/// them is a map from broker name to queue data.
#[derive(Clone, Debug)]
struct ByBroker(Arc<QueueData>);

impl PartialEq for ByBroker {
    fn eq(&self, other: &Self) -> bool {
        self.0.broker_name == other.0.broker_name
    }
}

impl Eq for ByBroker {}

impl Hash for ByBroker {
    // Must hash as the `str` it borrows as.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.broker_name.as_str().hash(state);
    }
}

impl Borrow<str> for ByBroker {
    fn borrow(&self) -> &str {
        &self.0.broker_name
    }
}

/// A topic's queue data by broker name. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct TopicQueues(HashSet<ByBroker>);

impl TopicQueues {
    pub fn get(&self, broker_name: &str) -> Option<&QueueData> {
        self.0.get(broker_name).map(|q| &*q.0)
    }

    /// Puts `queue` in place of the entry of its broker name; returns that entry.
    pub fn insert(&mut self, queue: Arc<QueueData>) -> Option<Arc<QueueData>> {
        self.0.replace(ByBroker(queue)).map(|old| old.0)
    }

    pub fn remove(&mut self, broker_name: &str) -> Option<Arc<QueueData>> {
        self.0.take(broker_name).map(|q| q.0)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&QueueData) -> bool) {
        self.0.retain(|q| keep(&q.0));
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &QueueData> {
        self.0.iter().map(|q| &*q.0)
    }

    /// The broker names, i.e. the groups serving this topic.
    pub fn broker_names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|q| q.0.broker_name.as_str())
    }
}

/// The pool is swept when it reaches this size at least.
const MIN_SWEEP_AT: usize = 1024;

/// Every distinct queue data the topic table holds, once.
#[derive(Debug, Default)]
pub struct QueuePool {
    shared: HashSet<Arc<QueueData>>,
    /// Size at which `share` sweeps: twice the size after the last sweep, so sweeping is
    /// amortised O(1) per new entry (a sweep per registration made 10,000 one-group
    /// registrations quadratic).
    sweep_at: usize,
}

impl QueuePool {
    /// The shared copy of `queue`, made if this is its first use.
    pub fn share(&mut self, queue: QueueData) -> Arc<QueueData> {
        if let Some(shared) = self.shared.get(&queue) {
            return shared.clone();
        }
        if self.shared.len() >= self.sweep_at.max(MIN_SWEEP_AT) {
            self.sweep();
        }
        let shared = Arc::new(queue);
        self.shared.insert(shared.clone());
        shared
    }

    /// Drops the entries no topic uses any more: one pass over the distinct queue data.
    /// Besides `share`'s own, callers sweep after changes that may drop many at once.
    pub fn sweep(&mut self) {
        self.shared.retain(|q| Arc::strong_count(q) > 1);
        self.sweep_at = 2 * self.shared.len();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shared.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(broker_name: &str, perm: i32) -> QueueData {
        QueueData {
            broker_name: broker_name.to_owned(),
            read_queue_nums: 8,
            write_queue_nums: 8,
            perm,
            topic_sys_flag: 0,
        }
    }

    #[test]
    fn equal_queue_data_is_stored_once_and_freed_when_unused() {
        let mut pool = QueuePool::default();
        let mut topics = vec![TopicQueues::default(), TopicQueues::default()];
        for t in &mut topics {
            t.insert(pool.share(queue("a", 6)));
            t.insert(pool.share(queue("b", 6)));
        }
        assert_eq!(pool.len(), 2);
        let a0 = topics[0].0.get("a").unwrap().0.clone();
        let a1 = topics[1].0.get("a").unwrap().0.clone();
        assert!(Arc::ptr_eq(&a0, &a1), "shared, not copied");
        drop((a0, a1));

        topics[0].insert(pool.share(queue("a", 4)));
        assert_eq!(pool.len(), 3);
        topics[1].remove("a");
        pool.sweep();
        assert_eq!(pool.len(), 2, "a/6 has no topic left");
        assert_eq!(topics[0].get("a").unwrap().perm, 4);
    }

    #[test]
    fn unused_entries_are_swept_as_the_pool_grows() {
        let mut pool = QueuePool::default();
        for i in 0..10 * MIN_SWEEP_AT {
            // Each used once and dropped at once, as by a broker that re-registers.
            drop(pool.share(queue(&format!("b{i}"), 6)));
        }
        assert!(pool.len() <= MIN_SWEEP_AT, "{}", pool.len());
    }

    #[test]
    fn a_topic_maps_each_broker_name_to_its_latest_queue_data() {
        let mut pool = QueuePool::default();
        let mut t = TopicQueues::default();
        assert!(t.insert(pool.share(queue("a", 6))).is_none());
        let old = t.insert(pool.share(queue("a", 4))).unwrap();
        assert_eq!(old.perm, 6);
        assert_eq!(t.len(), 1);
        assert_eq!(t.get("a").unwrap().perm, 4);
        assert!(t.get("b").is_none());
        t.insert(pool.share(queue("b", 6)));
        let mut names: Vec<_> = t.broker_names().collect();
        names.sort_unstable();
        assert_eq!(names, ["a", "b"]);
        t.retain(|q| q.broker_name != "a");
        assert_eq!(t.iter().map(|q| q.perm).collect::<Vec<_>>(), [6]);
        assert!(t.remove("b").is_some() && t.is_empty());
    }
}
