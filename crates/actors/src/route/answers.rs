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
//! Memory is bounded twice over. Routes hold no topic name, so topics served by the same
//! groups with the same queue data have byte-identical answers (every cluster-wide topic
//! `mqadmin updateTopic -c` created alike): the actor keeps one body for all of them, shared
//! by reference count. At 1,000 brokers × 1,000 topics that is one 215 KB body instead of
//! 215 MB. And a cache keeps at most [`ANSWER_BUDGET_BYTES`] of distinct bodies and topic
//! entries: past it, it starts over empty, and answers are re-encoded on demand. That is crude next to an LRU,
//! but needs no bookkeeping on the hit path, and the budget is far above what a fleet's
//! distinct routes take (a 2-group route is ~500 bytes).
//!
//! The publication also says whether routes may be served from a worker at all: while the
//! server waits for brokers at start (`needWaitForService`) or drains, it reads as not
//! serving, so every query goes to the actor (or the drain check), which decides the answer.

use std::collections::{HashMap, HashSet};
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

/// Bytes one cache keeps at most: distinct route answers, plus each topic's entry (see the
/// module docs).
pub const ANSWER_BUDGET_BYTES: usize = 64 << 20;

/// What a topic's entry costs besides its name and its answers: the map slot, about.
const ENTRY_BYTES: usize = std::mem::size_of::<(String, TopicAnswers)>() + 8;

/// Encoded answers of one route generation.
pub struct AnswerCache {
    generation: u64,
    routes: HashMap<String, TopicAnswers>,
    cluster_info: Option<Bytes>,
    /// The distinct bodies `routes` holds, by where their bytes are (address, length).
    held: HashSet<(usize, usize)>,
    held_bytes: usize,
    /// The same bodies by content, to share a fresh answer equal to a kept one.
    by_content: HashSet<Bytes>,
    budget: usize,
}

impl Default for AnswerCache {
    fn default() -> Self {
        Self::with_budget(ANSWER_BUDGET_BYTES)
    }
}

impl AnswerCache {
    /// A cache keeping at most `budget` bytes of distinct route answers.
    pub fn with_budget(budget: usize) -> Self {
        Self {
            generation: 0,
            routes: HashMap::new(),
            cluster_info: None,
            held: HashSet::new(),
            held_bytes: 0,
            by_content: HashSet::new(),
            budget,
        }
    }

    /// The answers of `generation`: everything older is dropped first. `None` if the cache
    /// has already seen a newer generation (the caller's answer is stale).
    fn at(&mut self, generation: u64) -> Option<&mut Self> {
        if generation < self.generation {
            return None;
        }
        if generation > self.generation {
            self.generation = generation;
            self.clear_routes();
            self.cluster_info = None;
        }
        Some(self)
    }

    fn clear_routes(&mut self) {
        self.routes.clear();
        self.held.clear();
        self.held_bytes = 0;
        self.by_content.clear();
    }

    /// Counts `body`, kept for `topic`, against the budget, starting over if it does not
    /// fit; false if it could not fit even in an empty cache.
    fn admit(&mut self, topic: &str, body: &Bytes) -> bool {
        let at = (body.as_ptr() as usize, body.len());
        let cost = |this: &Self| {
            let body_cost = if this.held.contains(&at) {
                0
            } else {
                body.len()
            };
            let entry_cost = if this.routes.contains_key(topic) {
                0
            } else {
                topic.len() + ENTRY_BYTES
            };
            body_cost + entry_cost
        };
        if body.len() + topic.len() + ENTRY_BYTES > self.budget {
            return false;
        }
        let mut need = cost(self);
        if self.held_bytes + need > self.budget {
            self.clear_routes();
            need = cost(self);
        }
        self.held.insert(at);
        self.held_bytes += need;
        true
    }

    /// A kept body equal to `body`, or `body` itself; true if it is `body`.
    fn shared(&self, body: Bytes) -> (Bytes, bool) {
        match self.by_content.get(&body) {
            Some(kept) => (kept.clone(), false),
            None => (body, true),
        }
    }

    /// Bytes counted against the budget: distinct route answers and topic entries.
    pub fn kept_bytes(&self) -> usize {
        self.held_bytes
    }

    /// The kept answer for `topic`, if it is of `generation`.
    pub fn route(&mut self, generation: u64, topic: &str, dialect: JsonDialect) -> Option<Bytes> {
        self.at(generation)?
            .routes
            .get_mut(topic)
            .and_then(|t| t.slot(dialect).clone())
    }

    /// Keeps an answer read at `generation` (ignored if a newer generation was seen since,
    /// or if it is larger than the budget).
    pub fn keep_route(&mut self, generation: u64, topic: &str, dialect: JsonDialect, body: Bytes) {
        if let Some(this) = self.at(generation) {
            if this.admit(topic, &body) {
                *this
                    .routes
                    .entry(topic.to_owned())
                    .or_default()
                    .slot(dialect) = Some(body);
            }
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
        let (encoded, fresh) = self.shared(encode()?);
        self.keep_route(generation, topic, dialect, encoded.clone());
        if fresh
            && self
                .held
                .contains(&(encoded.as_ptr() as usize, encoded.len()))
        {
            self.by_content.insert(encoded.clone());
        }
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

    fn entry(topic: &str) -> usize {
        topic.len() + ENTRY_BYTES
    }

    fn encode_owned<'a>(calls: &'a mut u32, body: &'a [u8]) -> impl FnOnce() -> Option<Bytes> + 'a {
        move || {
            *calls += 1;
            Some(Bytes::copy_from_slice(body))
        }
    }

    #[test]
    fn equal_answers_of_different_topics_are_kept_once() {
        let mut cache = AnswerCache::default();
        let mut calls = 0;
        let route = b"{\"brokerDatas\":[]}";
        let (a, _) = cache
            .route_or_encode(
                1,
                "a",
                JsonDialect::Standard,
                encode_owned(&mut calls, route),
            )
            .unwrap();
        let (b, encoded) = cache
            .route_or_encode(
                1,
                "b",
                JsonDialect::Standard,
                encode_owned(&mut calls, route),
            )
            .unwrap();
        assert!(encoded, "each topic is still encoded once");
        assert_eq!(calls, 2);
        assert_eq!(a.as_ptr(), b.as_ptr(), "one body for both");
        assert_eq!(cache.kept_bytes(), route.len() + entry("a") + entry("b"));
        let (c, _) = cache
            .route_or_encode(
                1,
                "c",
                JsonDialect::Standard,
                encode_owned(&mut calls, b"{}"),
            )
            .unwrap();
        assert_ne!(a.as_ptr(), c.as_ptr());
        assert_eq!(
            cache.kept_bytes(),
            route.len() + 2 + entry("a") + entry("b") + entry("c")
        );
        assert_eq!(
            cache.route(1, "b", JsonDialect::Standard).unwrap().as_ptr(),
            a.as_ptr()
        );
    }

    #[test]
    fn past_the_budget_the_cache_starts_over_and_answers_are_re_encoded() {
        let budget = 2 * (4 + entry("a")) + 1;
        let mut cache = AnswerCache::with_budget(budget);
        let mut calls = 0;
        for (topic, body) in [("a", b"aaaa"), ("b", b"bbbb")] {
            cache.route_or_encode(
                1,
                topic,
                JsonDialect::Standard,
                encode_owned(&mut calls, body),
            );
        }
        assert_eq!((calls, cache.kept_bytes(), cache.len()), (2, budget - 1, 2));
        cache.route_or_encode(
            1,
            "c",
            JsonDialect::Standard,
            encode_owned(&mut calls, b"cccc"),
        );
        assert_eq!(
            (cache.kept_bytes(), cache.len()),
            (4 + entry("c"), 1),
            "started over"
        );
        let (again, encoded) = cache
            .route_or_encode(
                1,
                "a",
                JsonDialect::Standard,
                encode_owned(&mut calls, b"aaaa"),
            )
            .unwrap();
        assert!(
            encoded && &again[..] == b"aaaa",
            "an evicted answer is re-encoded"
        );
        assert_eq!(calls, 4);
        assert!(cache.kept_bytes() <= budget);
    }

    #[test]
    fn an_answer_larger_than_the_budget_is_served_but_not_kept() {
        let mut cache = AnswerCache::with_budget(4 + entry("big"));
        let mut calls = 0;
        for _ in 0..2 {
            let (body, encoded) = cache
                .route_or_encode(
                    1,
                    "big",
                    JsonDialect::Standard,
                    encode_owned(&mut calls, b"12345"),
                )
                .unwrap();
            assert!(encoded && &body[..] == b"12345");
        }
        assert_eq!((calls, cache.kept_bytes()), (2, 0));
        assert!(cache.is_empty());
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
