//! Route answers: encoded once per change, and served where the query was decoded.
//!
//! Producers and consumers poll every topic's route every 30 s, while routes change only
//! when a registration actually changes something. So an answer (a topic route in one JSON
//! dialect, or the cluster info) is encoded once per change and then served as shared
//! [`Bytes`]: a route query costs a hash lookup and a reference-count increment.
//!
//! Two sides keep answers, with one type, [`AnswerCache`]:
//! - the [`RouteActor`](super::RouteActor) encodes on the first query after a change;
//! - each worker thread keeps the answers the actor gave it ([`WorkerAnswers`], part of
//!   [`Services`](crate::Services)), so most queries never cross to the route thread. A hop
//!   per query cost more than the answer itself (189k vs 540k route q/s on 2 cores).
//!
//! Both are keyed by the route generation, which the route actor publishes
//! ([`RoutePublication`]) after every change, before it answers the request that caused the
//! change: a client that saw a registration acknowledged never gets an older route from any
//! worker afterwards. When the generation moves, a cache drops everything and refills on
//! demand; an answer fetched while a change was landing carries the older generation and is
//! not kept. Unknown topics are never cached, so asking for random names cannot grow either.
//!
//! The publication also says whether routes may be served from a worker at all: while the
//! server waits for brokers at start (`needWaitForService`) or drains, it reads as not
//! serving, so every query goes to the actor (or the drain check), which decides the answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use namesrv_protocol::body::JsonDialect;

use crate::drain;

/// One topic's answer in each dialect.
#[derive(Default)]
struct TopicAnswers {
    fastjson: Option<Bytes>,
    standard: Option<Bytes>,
}

impl TopicAnswers {
    fn slot(&mut self, dialect: JsonDialect) -> &mut Option<Bytes> {
        match dialect {
            JsonDialect::Fastjson => &mut self.fastjson,
            JsonDialect::Standard => &mut self.standard,
        }
    }
}

/// Encoded answers of one route generation.
#[derive(Default)]
pub struct AnswerCache {
    generation: u64,
    routes: HashMap<String, TopicAnswers>,
    cluster_info: Option<Bytes>,
}

impl AnswerCache {
    /// The answers of `generation`: everything older is dropped first. `None` if the cache
    /// has already seen a newer generation (the caller's answer is stale).
    fn at(&mut self, generation: u64) -> Option<&mut Self> {
        if generation < self.generation {
            return None;
        }
        if generation > self.generation {
            self.generation = generation;
            self.routes.clear();
            self.cluster_info = None;
        }
        Some(self)
    }

    /// The kept answer for `topic`, if it is of `generation`.
    pub fn route(&mut self, generation: u64, topic: &str, dialect: JsonDialect) -> Option<Bytes> {
        self.at(generation)?
            .routes
            .get_mut(topic)
            .and_then(|t| t.slot(dialect).clone())
    }

    /// Keeps an answer read at `generation` (ignored if a newer generation was seen since).
    pub fn keep_route(&mut self, generation: u64, topic: &str, dialect: JsonDialect, body: Bytes) {
        if let Some(this) = self.at(generation) {
            *this
                .routes
                .entry(topic.to_owned())
                .or_default()
                .slot(dialect) = Some(body);
        }
    }

    /// The answer for `topic`, or the one `encode` makes (kept if `Some`). The bool is true
    /// when it was encoded now.
    pub fn route_or_encode(
        &mut self,
        generation: u64,
        topic: &str,
        dialect: JsonDialect,
        encode: impl FnOnce() -> Option<Bytes>,
    ) -> Option<(Bytes, bool)> {
        if let Some(hit) = self.route(generation, topic, dialect) {
            return Some((hit, false));
        }
        let encoded = encode()?;
        self.keep_route(generation, topic, dialect, encoded.clone());
        Some((encoded, true))
    }

    pub fn cluster_info(&mut self, generation: u64) -> Option<Bytes> {
        self.at(generation)?.cluster_info.clone()
    }

    pub fn keep_cluster_info(&mut self, generation: u64, body: Bytes) {
        if let Some(this) = self.at(generation) {
            this.cluster_info = Some(body);
        }
    }

    pub fn cluster_info_or_encode(
        &mut self,
        generation: u64,
        encode: impl FnOnce() -> Bytes,
    ) -> Bytes {
        if let Some(hit) = self.cluster_info(generation) {
            return hit;
        }
        let encoded = encode();
        self.keep_cluster_info(generation, encoded.clone());
        encoded
    }

    /// Topics with at least one kept answer.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

#[derive(Debug, Default)]
struct Published {
    generation: AtomicU64,
    serving: AtomicBool,
}

/// The route generation and whether workers may serve kept answers, as the route actor last
/// published them. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct RoutePublication(Arc<Published>);

impl RoutePublication {
    /// The generation workers may serve kept answers of, or `None` while they may not (not
    /// ready yet, or draining).
    pub fn current(&self) -> Option<u64> {
        self.current_unless(drain::is_draining())
    }

    fn current_unless(&self, draining: bool) -> Option<u64> {
        if draining || !self.0.serving.load(Ordering::Acquire) {
            return None;
        }
        Some(self.0.generation.load(Ordering::Acquire))
    }

    /// Only the route actor publishes.
    pub(crate) fn publish(&self, generation: u64, serving: bool) {
        self.0.generation.store(generation, Ordering::Release);
        self.0.serving.store(serving, Ordering::Release);
    }
}

/// A worker thread's answers, with the publication that says when they are current. Each
/// worker gets its own (see [`Services::for_worker`](crate::Services::for_worker)); the lock
/// is never contended, it only makes the shelf shareable among that worker's sessions.
#[derive(Clone, Default)]
pub struct WorkerAnswers {
    publication: RoutePublication,
    shelf: Arc<Mutex<AnswerCache>>,
}

impl WorkerAnswers {
    pub fn new(publication: RoutePublication) -> Self {
        Self {
            publication,
            shelf: Arc::default(),
        }
    }

    /// A new, empty shelf on the same publication.
    pub fn fresh(&self) -> Self {
        Self::new(self.publication.clone())
    }

    /// The generation to tag a query with, or `None` if kept answers must not be used.
    pub fn current(&self) -> Option<u64> {
        self.publication.current()
    }

    fn with<R>(&self, f: impl FnOnce(&mut AnswerCache) -> R) -> R {
        let mut shelf = self
            .shelf
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut shelf)
    }

    pub fn route(&self, generation: u64, topic: &str, dialect: JsonDialect) -> Option<Bytes> {
        self.with(|c| c.route(generation, topic, dialect))
    }

    pub fn keep_route(&self, generation: u64, topic: &str, dialect: JsonDialect, body: Bytes) {
        self.with(|c| c.keep_route(generation, topic, dialect, body))
    }

    pub fn cluster_info(&self, generation: u64) -> Option<Bytes> {
        self.with(|c| c.cluster_info(generation))
    }

    pub fn keep_cluster_info(&self, generation: u64, body: Bytes) {
        self.with(|c| c.keep_cluster_info(generation, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_counting<'a>(
        calls: &'a mut u32,
        body: &'static [u8],
    ) -> impl FnOnce() -> Option<Bytes> + 'a {
        move || {
            *calls += 1;
            Some(Bytes::from_static(body))
        }
    }

    #[test]
    fn encodes_once_per_generation_and_dialect() {
        let mut cache = AnswerCache::default();
        let mut calls = 0;
        for _ in 0..3 {
            let (got, _) = cache
                .route_or_encode(
                    1,
                    "t",
                    JsonDialect::Standard,
                    encode_counting(&mut calls, b"s"),
                )
                .unwrap();
            assert_eq!(&got[..], b"s");
        }
        assert_eq!(calls, 1);
        cache.route_or_encode(
            1,
            "t",
            JsonDialect::Fastjson,
            encode_counting(&mut calls, b"f"),
        );
        assert_eq!(calls, 2, "per dialect");
        cache.route_or_encode(
            2,
            "t",
            JsonDialect::Standard,
            encode_counting(&mut calls, b"s2"),
        );
        assert_eq!(calls, 3, "a new generation re-encodes");
    }

    #[test]
    fn unknown_topics_are_not_kept() {
        let mut cache = AnswerCache::default();
        for i in 0..100 {
            assert!(cache
                .route_or_encode(0, &format!("nope{i}"), JsonDialect::Standard, || None)
                .is_none());
        }
        assert!(cache.is_empty());
    }

    #[test]
    fn answers_live_until_the_generation_moves_and_stale_ones_are_not_kept() {
        let mut cache = AnswerCache::default();
        cache.keep_route(1, "t", JsonDialect::Standard, Bytes::from_static(b"r1"));
        assert_eq!(
            cache.route(1, "t", JsonDialect::Standard).as_deref(),
            Some(&b"r1"[..])
        );
        assert_eq!(
            cache.route(2, "t", JsonDialect::Standard),
            None,
            "dropped on a change"
        );
        cache.keep_route(1, "t", JsonDialect::Standard, Bytes::from_static(b"old"));
        assert_eq!(
            cache.route(2, "t", JsonDialect::Standard),
            None,
            "older answer refused"
        );
        assert_eq!(
            cache.route(1, "t", JsonDialect::Standard),
            None,
            "older query misses"
        );
        cache.keep_cluster_info(2, Bytes::from_static(b"c"));
        assert_eq!(cache.cluster_info(2).as_deref(), Some(&b"c"[..]));
        assert_eq!(cache.cluster_info(3), None);
        assert_eq!(
            &cache.cluster_info_or_encode(3, || Bytes::from_static(b"d"))[..],
            b"d"
        );
        assert_eq!(
            &cache.cluster_info_or_encode(3, || Bytes::from_static(b"e"))[..],
            b"d"
        );
    }

    #[test]
    fn nothing_is_served_before_the_actor_says_so_or_while_draining() {
        let publication = RoutePublication::default();
        let worker = WorkerAnswers::new(publication.clone());
        assert_eq!(worker.current(), None, "not serving until published");
        publication.publish(7, true);
        assert_eq!(worker.current(), Some(7));
        publication.publish(8, false);
        assert_eq!(worker.current(), None, "not ready");
        publication.publish(8, true);
        assert_eq!(publication.current_unless(true), None, "draining");
        assert_eq!(worker.current(), Some(8));
    }
}
