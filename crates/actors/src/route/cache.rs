//! Encoded route answers, kept until the routes change.
//!
//! Producers and consumers poll every topic's route every 30 s, while routes change only
//! when a broker's registration actually changes something. So each answer is encoded once
//! per change (lazily, on the first query after it) and then served as shared [`Bytes`]:
//! a route query costs a hash lookup and a reference-count increment.
//!
//! The cache is keyed by the route table's generation, which also moves for inputs outside
//! the table that shape answers (the ORDER_TOPIC_CONFIG values, run-time flags); when it
//! moves, everything is dropped and re-encoded on demand. Unknown topics are never cached, so a
//! client asking for random names cannot grow it.

use std::collections::HashMap;

use bytes::Bytes;
use namesrv_protocol::body::JsonDialect;

use crate::metrics::metrics;

#[derive(Default)]
struct Entry {
    fastjson: Option<Bytes>,
    standard: Option<Bytes>,
}

impl Entry {
    fn slot(&mut self, dialect: JsonDialect) -> &mut Option<Bytes> {
        match dialect {
            JsonDialect::Fastjson => &mut self.fastjson,
            JsonDialect::Standard => &mut self.standard,
        }
    }
}

#[derive(Default)]
pub struct RouteCache {
    version: u64,
    routes: HashMap<String, Entry>,
    cluster_info: Option<Bytes>,
}

impl RouteCache {
    /// Drops everything if the table generation moved.
    fn sync(&mut self, version: u64) {
        if self.version != version {
            self.version = version;
            self.routes.clear();
            self.cluster_info = None;
        }
    }

    /// The cached answer for `topic`, or the one `encode` makes (cached if `Some`).
    pub fn route(
        &mut self,
        version: u64,
        topic: &str,
        dialect: JsonDialect,
        encode: impl FnOnce() -> Option<Bytes>,
    ) -> Option<Bytes> {
        self.sync(version);
        if let Some(hit) = self
            .routes
            .get_mut(topic)
            .and_then(|e| e.slot(dialect).clone())
        {
            metrics().route_cache_hit.inc();
            return Some(hit);
        }
        let encoded = encode()?;
        metrics().route_cache_miss.inc();
        *self
            .routes
            .entry(topic.to_owned())
            .or_default()
            .slot(dialect) = Some(encoded.clone());
        Some(encoded)
    }

    pub fn cluster_info(&mut self, version: u64, encode: impl FnOnce() -> Bytes) -> Bytes {
        self.sync(version);
        self.cluster_info.get_or_insert_with(encode).clone()
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_once_per_version_and_dialect() {
        let mut cache = RouteCache::default();
        let mut calls = 0;
        for _ in 0..3 {
            let got = cache.route(1, "t", JsonDialect::Standard, || {
                calls += 1;
                Some(Bytes::from_static(b"s"))
            });
            assert_eq!(got.as_deref(), Some(&b"s"[..]));
        }
        assert_eq!(calls, 1);
        cache.route(1, "t", JsonDialect::Fastjson, || {
            calls += 1;
            Some(Bytes::from_static(b"f"))
        });
        assert_eq!(calls, 2);
        cache.route(2, "t", JsonDialect::Standard, || {
            calls += 1;
            Some(Bytes::from_static(b"s2"))
        });
        assert_eq!(calls, 3, "a new generation re-encodes");
        cache.route(3, "t", JsonDialect::Standard, || {
            calls += 1;
            Some(Bytes::from_static(b"s3"))
        });
        assert_eq!(calls, 4, "every new generation re-encodes");
    }

    #[test]
    fn unknown_topics_are_not_cached() {
        let mut cache = RouteCache::default();
        for i in 0..100 {
            assert!(cache
                .route(0, &format!("nope{i}"), JsonDialect::Standard, || None)
                .is_none());
        }
        assert!(cache.is_empty());
    }

    #[test]
    fn cluster_info_is_cached_until_the_version_moves() {
        let mut cache = RouteCache::default();
        assert_eq!(
            &cache.cluster_info(0, || Bytes::from_static(b"a"))[..],
            b"a"
        );
        assert_eq!(
            &cache.cluster_info(0, || Bytes::from_static(b"b"))[..],
            b"a"
        );
        assert_eq!(
            &cache.cluster_info(1, || Bytes::from_static(b"c"))[..],
            b"c"
        );
    }
}
