//! Route answers kept on each worker thread, so a route query is answered where it was
//! decoded instead of crossing to the route actor's thread.
//!
//! Every entry is an answer the [`RouteActor`](crate::route::RouteActor) gave (the same
//! shared `Bytes`, so no copy), tagged with the route generation read *before* asking. The
//! route table publishes its generation on every visible change
//! ([`RouteVersion`](crate::route::RouteVersion)); when it moves, the whole set is dropped
//! and refilled from the actor on demand. An answer fetched while a change was landing
//! carries the older tag and is simply fetched again next time. Only successful answers are
//! kept, so asking for random topic names cannot grow this.

use std::cell::RefCell;
use std::collections::HashMap;

use bytes::Bytes;
use namesrv_protocol::body::JsonDialect;

#[derive(Default)]
struct Answers {
    generation: u64,
    fastjson: HashMap<String, Bytes>,
    standard: HashMap<String, Bytes>,
    cluster_info: Option<Bytes>,
}

impl Answers {
    fn at(&mut self, generation: u64) -> &mut Self {
        if self.generation != generation {
            self.generation = generation;
            self.fastjson.clear();
            self.standard.clear();
            self.cluster_info = None;
        }
        self
    }

    fn routes(&mut self, dialect: JsonDialect) -> &mut HashMap<String, Bytes> {
        match dialect {
            JsonDialect::Fastjson => &mut self.fastjson,
            JsonDialect::Standard => &mut self.standard,
        }
    }
}

thread_local! {
    static ANSWERS: RefCell<Answers> = RefCell::new(Answers::default());
}

/// This thread's answer for `topic`, if it is still current at `generation`.
pub fn route(generation: u64, topic: &str, dialect: JsonDialect) -> Option<Bytes> {
    ANSWERS.with(|a| {
        a.borrow_mut()
            .at(generation)
            .routes(dialect)
            .get(topic)
            .cloned()
    })
}

/// Keeps an answer read at `generation` (ignored if a newer generation was seen since).
pub fn keep_route(generation: u64, topic: &str, dialect: JsonDialect, body: Bytes) {
    ANSWERS.with(|a| {
        let mut a = a.borrow_mut();
        if a.generation <= generation {
            a.at(generation)
                .routes(dialect)
                .insert(topic.to_owned(), body);
        }
    });
}

pub fn cluster_info(generation: u64) -> Option<Bytes> {
    ANSWERS.with(|a| a.borrow_mut().at(generation).cluster_info.clone())
}

pub fn keep_cluster_info(generation: u64, body: Bytes) {
    ANSWERS.with(|a| {
        let mut a = a.borrow_mut();
        if a.generation <= generation {
            a.at(generation).cluster_info = Some(body);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_live_until_the_generation_moves() {
        assert_eq!(route(1, "t", JsonDialect::Standard), None);
        keep_route(1, "t", JsonDialect::Standard, Bytes::from_static(b"r1"));
        assert_eq!(
            route(1, "t", JsonDialect::Standard).as_deref(),
            Some(&b"r1"[..])
        );
        assert_eq!(route(1, "t", JsonDialect::Fastjson), None, "per dialect");
        assert_eq!(
            route(2, "t", JsonDialect::Standard),
            None,
            "dropped on a change"
        );
        // An answer read at an older generation than one already seen is not kept.
        keep_route(1, "t", JsonDialect::Standard, Bytes::from_static(b"old"));
        assert_eq!(route(2, "t", JsonDialect::Standard), None);
        keep_cluster_info(2, Bytes::from_static(b"c"));
        assert_eq!(cluster_info(2).as_deref(), Some(&b"c"[..]));
        assert_eq!(cluster_info(3), None);
    }
}
