//! Starting the state owners and wiring them to each other.
//!
//! Routes get a thread of their own (every route query that misses a worker's answers and
//! every registration goes through it); KV and config share a storage thread, so a slow disk
//! never delays routes. The liveness owner starts inside the route owner's context because
//! each needs the other's address.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use namesrv_actors::auth::AuthPolicy;
use namesrv_actors::config::{ConfigActor, NamesrvConfig};
use namesrv_actors::durable_file::{DurableFile, FileWriter};
use namesrv_actors::kv::KvActor;
use namesrv_actors::liveness::LivenessActor;
use namesrv_actors::route::table::RouteSnapshot;
use namesrv_actors::route::{RouteActor, RoutePublication, SnapshotSettings, WorkerAnswers};
use namesrv_actors::stopping::Stopping;
use namesrv_actors::Services;

/// The running owners, their threads, and the services handed to sessions.
pub struct Owners {
    pub route: Addr<RouteActor>,
    pub kv: Addr<KvActor>,
    pub services: Services,
    route_arbiter: Arbiter,
    storage_arbiter: Arbiter,
}

/// What the owners start from, read before the actor system exists.
pub struct Initial {
    pub kv: KvActor,
    pub snapshot_file: Option<DurableFile>,
    pub restore: Option<RouteSnapshot>,
    pub auth: AuthPolicy,
    /// Configuration keys no field has, kept for GET_NAMESRV_CONFIG.
    pub unknown: BTreeMap<String, String>,
}

impl Owners {
    pub async fn start(cfg: &NamesrvConfig, initial: Initial) -> Result<Owners, String> {
        let route_arbiter = Arbiter::new();
        let storage_arbiter = Arbiter::new();
        let flags = cfg.runtime_flags();
        let snapshots = initial.snapshot_file.map(|file| SnapshotSettings {
            writer: FileWriter::start_in_arbiter(&storage_arbiter.handle(), move |_| {
                FileWriter::new(file)
            })
            .recipient(),
            interval: Duration::from_secs(cfg.route_snapshot_interval_seconds.max(1) as u64),
            restore: initial.restore,
        });
        let scan = Duration::from_millis(cfg.scan_not_active_broker_interval.max(100) as u64);
        let (liveness_tx, liveness_rx) = tokio::sync::oneshot::channel();
        let publication = RoutePublication::default();
        let route = {
            let publication = publication.clone();
            RouteActor::start_in_arbiter(&route_arbiter.handle(), move |ctx| {
                let liveness = LivenessActor::new(scan, ctx.address().recipient()).start();
                let _ = liveness_tx.send(liveness.clone());
                let route = RouteActor::new(flags, liveness, publication);
                match snapshots {
                    Some(settings) => route.with_snapshots(settings),
                    None => route,
                }
            })
        };
        let liveness = liveness_rx
            .await
            .map_err(|_| "liveness actor did not start".to_string())?;

        let route_for_kv = route.clone().recipient();
        let kv = initial.kv;
        let kv = KvActor::start_in_arbiter(&storage_arbiter.handle(), move |_| {
            kv.with_order_topic_subscriber(route_for_kv)
        });
        let route_for_config = route.clone().recipient();
        let config = {
            let cfg = cfg.clone();
            let unknown = initial.unknown;
            ConfigActor::start_in_arbiter(&storage_arbiter.handle(), move |_| {
                ConfigActor::new(cfg, unknown, route_for_config)
            })
        };
        let services = Services {
            auth: Arc::new(initial.auth),
            route: route.clone(),
            route_answers: WorkerAnswers::new(publication),
            kv: kv.clone(),
            liveness,
            config,
            stopping: Stopping::new(cfg.go_away_on_shutdown),
        };
        Ok(Owners {
            route,
            kv,
            services,
            route_arbiter,
            storage_arbiter,
        })
    }

    pub fn stop(&self) {
        self.route_arbiter.stop();
        self.storage_arbiter.stop();
    }
}
