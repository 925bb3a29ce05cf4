//! Last-heard times per broker, on the monotonic clock.
//!
//! Times are [`Instant`]s, so a wall-clock jump (NTP step, operator `date -s`) never makes a
//! live broker look expired, a failure Java's `System.currentTimeMillis` based scan has.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Entry<H> {
    last_seen: Instant,
    timeout: Duration,
    handle: H,
}

/// Tracks brokers by key `K`; `H` is whatever the owner needs to act on expiry (for the
/// actor, a way to close the broker's connection).
#[derive(Debug)]
pub struct LivenessTable<K, H> {
    entries: HashMap<K, Entry<H>>,
}

impl<K: Hash + Eq + Clone, H> Default for LivenessTable<K, H> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Clone, H> LivenessTable<K, H> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a registration: the broker is live as of `now`, for `timeout`.
    pub fn seen(&mut self, key: K, now: Instant, timeout: Duration, handle: H) {
        self.entries.insert(
            key,
            Entry {
                last_seen: now,
                timeout,
                handle,
            },
        );
    }

    /// Refreshes a known broker; returns false (and records nothing) for an unknown one, as
    /// a heartbeat from a broker that never registered must not make it live.
    pub fn heartbeat(&mut self, key: &K, now: Instant) -> bool {
        match self.entries.get_mut(key) {
            Some(entry) => {
                entry.last_seen = entry.last_seen.max(now);
                true
            }
            None => false,
        }
    }

    pub fn forget(&mut self, key: &K) -> Option<H> {
        self.entries.remove(key).map(|e| e.handle)
    }

    /// Removes and returns every broker silent for longer than its timeout at `now`.
    pub fn expire(&mut self, now: Instant) -> Vec<(K, H)> {
        let expired: Vec<K> = self
            .entries
            .iter()
            .filter(|(_, e)| now.saturating_duration_since(e.last_seen) > e.timeout)
            .map(|(k, _)| k.clone())
            .collect();
        expired
            .into_iter()
            .filter_map(|k| self.entries.remove(&k).map(|e| (k, e.handle)))
            .collect()
    }

    /// How long ago `key` was last heard from.
    pub fn silence(&self, key: &K, now: Instant) -> Option<Duration> {
        self.entries
            .get(key)
            .map(|e| now.saturating_duration_since(e.last_seen))
    }

    /// Every watched broker with how long ago it was last heard from.
    pub fn silences(&self, now: Instant) -> Vec<(K, Duration)> {
        self.entries
            .iter()
            .map(|(k, e)| (k.clone(), now.saturating_duration_since(e.last_seen)))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn a_broker_expires_only_after_its_own_timeout() {
        let t0 = Instant::now();
        let mut table = LivenessTable::new();
        table.seen("a", t0, secs(120), ());
        table.seen("b", t0, secs(10), ());
        assert!(
            table.expire(t0 + secs(10)).is_empty(),
            "exactly at the timeout is still live"
        );
        let expired = table.expire(t0 + secs(11));
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].0, "b");
        assert_eq!(table.len(), 1);
        assert_eq!(table.expire(t0 + secs(121))[0].0, "a");
        assert!(table.is_empty());
    }

    #[test]
    fn heartbeats_keep_a_broker_alive_and_do_not_create_one() {
        let t0 = Instant::now();
        let mut table = LivenessTable::new();
        assert!(!table.heartbeat(&"ghost", t0));
        table.seen("a", t0, secs(10), ());
        assert!(table.heartbeat(&"a", t0 + secs(8)));
        assert!(table.expire(t0 + secs(15)).is_empty());
        assert_eq!(table.silence(&"a", t0 + secs(15)), Some(secs(7)));
        assert_eq!(table.expire(t0 + secs(19)).len(), 1);
        assert!(table.is_empty());
    }

    #[test]
    fn a_late_stale_heartbeat_never_moves_time_backwards() {
        let t0 = Instant::now();
        let mut table = LivenessTable::new();
        table.seen("a", t0 + secs(5), secs(10), ());
        table.heartbeat(&"a", t0);
        assert!(table.expire(t0 + secs(14)).is_empty());
    }

    #[test]
    fn silences_lists_every_broker() {
        let t0 = Instant::now();
        let mut table = LivenessTable::new();
        table.seen("a", t0, secs(10), ());
        table.seen("b", t0 + secs(2), secs(10), ());
        let mut s = table.silences(t0 + secs(5));
        s.sort();
        assert_eq!(s, vec![("a", secs(5)), ("b", secs(3))]);
    }

    #[test]
    fn forget_returns_the_handle() {
        let mut table = LivenessTable::new();
        table.seen("a", Instant::now(), secs(1), 7u32);
        assert_eq!(table.forget(&"a"), Some(7));
        assert_eq!(table.forget(&"a"), None);
    }

    #[test]
    fn ten_thousand_brokers_expire_in_one_scan() {
        let t0 = Instant::now();
        let mut table = LivenessTable::new();
        for i in 0..10_000u32 {
            table.seen(i, t0, secs(1), ());
        }
        table.seen(u32::MAX, t0 + secs(5), secs(1), ());
        assert_eq!(table.expire(t0 + secs(5)).len(), 10_000);
        assert_eq!(table.len(), 1);
    }
}
