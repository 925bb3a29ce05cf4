//! KvActor: the one owner of the KV store and its file.
//!
//! It runs on an arbiter (thread) of its own, so a slow disk delays KV writes and nothing
//! else: route queries and registrations are served by other actors meanwhile. A write is
//! answered only after the file is durably replaced; if that fails, the in-memory change is
//! rolled back and the client gets an error, so memory and disk never disagree about an
//! acknowledged write.

use actix::prelude::*;
use bytes::Bytes;
use namesrv_protocol::body::{JsonBody, JsonDialect, KvTable};
use tracing::{error, info};

use super::store::KvStore;
use super::ORDER_TOPIC_CONFIG;
use crate::durable_file::DurableFile;
use crate::messages::{
    DeleteKvConfig, FlushKv, GetKvConfig, GetKvList, KvWriteError, OrderTopicConfigChanged,
    PutKvConfig,
};
use crate::metrics::metrics;

pub struct KvActor {
    store: KvStore,
    file: DurableFile,
    /// Told whenever ORDER_TOPIC_CONFIG changes (the route owner uses it in replies).
    order_topic_subscriber: Option<Recipient<OrderTopicConfigChanged>>,
}

impl KvActor {
    /// Loads the file (missing = empty). A file that exists but does not parse is an error:
    /// serving with an empty store would silently drop the operator's config on next write.
    pub fn load(file: DurableFile) -> Result<Self, String> {
        let store = match file.load() {
            Ok(Some(bytes)) => KvStore::from_file_bytes(&bytes)
                .map_err(|e| format!("KV config file {} is corrupt: {e}", file.path().display()))?,
            Ok(None) => KvStore::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", file.path().display())),
        };
        info!(path = %file.path().display(), namespaces = store.namespace_count(), "KV config loaded");
        Ok(Self {
            store,
            file,
            order_topic_subscriber: None,
        })
    }

    pub fn with_order_topic_subscriber(mut self, r: Recipient<OrderTopicConfigChanged>) -> Self {
        self.order_topic_subscriber = Some(r);
        self
    }

    fn publish_order_topic_config(&self) {
        if let Some(r) = &self.order_topic_subscriber {
            r.do_send(OrderTopicConfigChanged(
                self.store.namespace(ORDER_TOPIC_CONFIG).cloned(),
            ));
        }
    }

    /// The answer to a write: for ORDER_TOPIC_CONFIG, given only once the route owner holds
    /// the new values, so a client that saw the write acknowledged never gets a route
    /// without them afterwards (the route owner publishes the change before it replies).
    fn acknowledge(&self, namespace: &str) -> ResponseFuture<Result<(), KvWriteError>> {
        let Some(r) = self
            .order_topic_subscriber
            .as_ref()
            .filter(|_| namespace == ORDER_TOPIC_CONFIG)
        else {
            return Box::pin(async { Ok(()) });
        };
        let applied = r.send(OrderTopicConfigChanged(
            self.store.namespace(ORDER_TOPIC_CONFIG).cloned(),
        ));
        Box::pin(async move {
            // The write is durable either way; a route owner that is gone means the server
            // is stopping, and there are no routes left to be stale.
            let _ = applied.await;
            Ok(())
        })
    }

    /// Persists the store; on failure restores `previous` and reports the error.
    fn persist_or_roll_back(&mut self, previous: KvStore) -> Result<(), KvWriteError> {
        match self.file.save(&self.store.to_file_bytes()) {
            Ok(()) => {
                metrics().kv_writes.with_label_values(&["ok"]).inc();
                Ok(())
            }
            Err(e) => {
                metrics().kv_writes.with_label_values(&["failed"]).inc();
                self.store = previous;
                let err = KvWriteError {
                    path: self.file.path().display().to_string(),
                    reason: e.to_string(),
                };
                error!(%err, "KV write rolled back");
                Err(err)
            }
        }
    }
}

impl Actor for KvActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        self.publish_order_topic_config();
    }
}

impl Handler<PutKvConfig> for KvActor {
    type Result = ResponseFuture<Result<(), KvWriteError>>;

    fn handle(&mut self, msg: PutKvConfig, _: &mut Self::Context) -> Self::Result {
        let previous = self.store.clone();
        match &msg.value {
            Some(value) => self.store.put(&msg.namespace, &msg.key, value),
            None => self.store.put_null(&msg.namespace, &msg.key),
        }
        if let Err(e) = self.persist_or_roll_back(previous) {
            return Box::pin(async move { Err(e) });
        }
        let value = msg.value.as_deref().unwrap_or("(null)");
        info!(namespace = %msg.namespace, key = %msg.key, value, "KV put");
        self.acknowledge(&msg.namespace)
    }
}

impl Handler<DeleteKvConfig> for KvActor {
    type Result = ResponseFuture<Result<(), KvWriteError>>;

    fn handle(&mut self, msg: DeleteKvConfig, _: &mut Self::Context) -> Self::Result {
        let previous = self.store.clone();
        if !self.store.delete(&msg.namespace, &msg.key) {
            return Box::pin(async { Ok(()) });
        }
        if let Err(e) = self.persist_or_roll_back(previous) {
            return Box::pin(async move { Err(e) });
        }
        info!(namespace = %msg.namespace, key = %msg.key, "KV delete");
        self.acknowledge(&msg.namespace)
    }
}

impl Handler<GetKvConfig> for KvActor {
    type Result = Option<String>;

    fn handle(&mut self, msg: GetKvConfig, _: &mut Self::Context) -> Self::Result {
        self.store.get(&msg.namespace, &msg.key).map(str::to_owned)
    }
}

impl Handler<GetKvList> for KvActor {
    type Result = Option<Bytes>;

    fn handle(&mut self, msg: GetKvList, _: &mut Self::Context) -> Self::Result {
        let table = self.store.namespace(&msg.namespace)?;
        Some(Bytes::from(
            KvTable {
                table: table.clone(),
            }
            .to_json(JsonDialect::Fastjson),
        ))
    }
}

impl Handler<FlushKv> for KvActor {
    type Result = ();

    /// Every write is persisted before it is acknowledged, so by the time this message is
    /// handled (after all earlier ones) there is nothing left to flush.
    fn handle(&mut self, _: FlushKv, _: &mut Self::Context) {}
}
