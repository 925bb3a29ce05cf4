//! The name server as a library: [`run`] serves a loaded configuration until its
//! [`Shutdown`] fires.
//!
//! The binary (`main.rs`) only parses flags, sets up logging and calls [`run`] with the
//! operating system's signals; tests and embedding programs call it with a trigger and learn
//! the bound addresses from [`Ready`]. The steps of a run each have a module:
//! - [`config`]: the layered configuration (defaults, properties file, environment, flags);
//! - `settings`: what can be wrong in it, checked before anything starts;
//! - `owners`: the state owners on their threads, wired together;
//! - `listener` (+ `proxy`, `tls`): the accept loop spreading connections over worker
//!   threads, each connection's PROXY preamble and TLS decided there;
//! - `http`: the optional metrics/health endpoint;
//! - `shutdown`: signals or a trigger; then the orderly stop below.

pub mod config;
mod http;
mod listener;
mod owners;
mod proxy;
mod settings;
mod shutdown;
mod snapshot;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use actix::prelude::*;
use namesrv_actors::durable_file::DurableFile;
use namesrv_actors::kv::KvActor;
use namesrv_actors::messages::{FlushKv, TakeRouteSnapshot};
use namesrv_controller::ControllerConfig;
use tracing::{info, warn};

pub use shutdown::Shutdown;

use owners::{Initial, Owners};
use settings::ServerSettings;

/// Where a started server listens.
#[derive(Debug, Clone, Copy)]
pub struct Ready {
    pub remoting: SocketAddr,
    pub http: Option<SocketAddr>,
    /// The embedded controller's listener, with `enableControllerInNamesrv=true`.
    pub controller: Option<SocketAddr>,
}

/// Runs a name server on the current thread until `shutdown` fires; `on_ready` is called
/// once it accepts connections. Errors are for the operator: they name what is wrong.
pub fn run(
    loaded: config::Loaded,
    shutdown: Shutdown,
    on_ready: impl FnOnce(Ready) + 'static,
) -> Result<(), String> {
    let cfg = loaded.config;
    config::check_writable_paths(&cfg).map_err(|e| e.to_string())?;
    let settings = ServerSettings::from_config(&cfg)?;
    let controller_config = cfg
        .enable_controller_in_namesrv
        .then(|| ControllerConfig::from_properties(&loaded.unknown))
        .transpose()
        .map_err(|e| format!("controller configuration: {e}"))?;
    let kv = KvActor::load(DurableFile::new(cfg.kv_config_path()))?;
    let snapshot_file = (!cfg.route_snapshot_path.is_empty())
        .then(|| DurableFile::new(PathBuf::from(&cfg.route_snapshot_path)));
    let restore = snapshot_file.as_ref().and_then(snapshot::load);
    let initial = Initial {
        kv,
        snapshot_file: snapshot_file.clone(),
        restore,
        auth: settings.auth.clone(),
        unknown: loaded.unknown,
    };

    System::new().block_on(async move {
        let started = Instant::now();
        let owners = Owners::start(&cfg, initial).await?;
        let controller = match controller_config {
            Some(config) => Some(namesrv_controller::start(config).await.map_err(|e| e.to_string())?),
            None => None,
        };
        let workers: Vec<Arbiter> = (0..settings.io_threads).map(|_| Arbiter::new()).collect();
        let per_worker = workers
            .iter()
            .map(|w| (w.handle(), owners.services.for_worker()))
            .collect();
        let listener = listener::bind(settings.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
        let remoting = listener.local_addr().map_err(|e| e.to_string())?;
        let (http_task, http) = match settings.http {
            Some(addr) => {
                let http_listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| format!("cannot listen for HTTP on {addr}: {e}"))?;
                let bound = http_listener.local_addr().map_err(|e| e.to_string())?;
                info!("HTTP endpoint (/metrics, /healthz, /readyz) at http://{bound}");
                if !settings.auth.is_enabled() {
                    warn!("HTTP writes are unprotected: anyone who reaches {bound} can POST /drain and /undrain; set authAdminAddresses or authCredentialsFile to restrict them");
                } else if !settings.auth.admits_http() {
                    warn!("HTTP writes are refused to everyone: only authTlsSubjects is set, and the HTTP endpoint has no TLS; drain with SIGUSR1/SIGUSR2, or set authAdminAddresses or authCredentialsFile");
                }
                let cx = http::HttpContext {
                    route: owners.route.clone(),
                    liveness: owners.services.liveness.clone(),
                    address_server_list: cfg.address_server_list.clone(),
                    auth: std::sync::Arc::new(settings.auth.clone()),
                    controller: controller.as_ref().map(|c| c.node.raft.clone()),
                };
                (Some(actix::spawn(http::serve(http_listener, cx))), Some(bound))
            }
            None => (None, None),
        };
        let mut shutdown = shutdown
            .install()
            .map_err(|e| format!("cannot watch signals: {e}"))?;
        let accept = actix::spawn(listener::serve(
            listener,
            per_worker,
            settings.session,
            settings.max_connections,
            settings.tls.clone(),
            settings.proxy_trust.clone(),
        ));
        info!(
            "The Name Server boot success. serializeType={}, address {remoting}, tls {:?}, version {}, started in {:?}",
            settings.encoding_name.to_ascii_uppercase(),
            settings.tls.mode,
            env!("CARGO_PKG_VERSION"),
            started.elapsed()
        );
        on_ready(Ready {
            remoting,
            http,
            controller: controller.as_ref().map(|c| c.address),
        });

        shutdown.recv().await;
        owners.services.stopping.begin();
        accept.abort();
        if owners.services.stopping.sends_away() {
            info!("shutting down: no new connections; clients newer than 5.3.1 are sent away");
        } else {
            info!("shutting down: no new connections; clients are served until the exit (goAwayOnShutdown=false)");
        }
        if let Some(task) = http_task {
            task.abort();
        }
        finish(&owners, snapshot_file.as_ref()).await;
        if let Some(controller) = controller {
            controller.stop().await;
        }
        for w in &workers {
            w.stop();
        }
        owners.stop();
        System::current().stop();
        Ok::<(), String>(())
    })
}

/// Lets what was asked before the stop complete, then saves what must survive it.
async fn finish(owners: &Owners, snapshot_file: Option<&DurableFile>) {
    // Mailboxes are FIFO: once these answer, every request queued before them is done.
    let snapshot = owners
        .route
        .send(TakeRouteSnapshot {
            only_if_changed: false,
        })
        .await;
    if let (Some(file), Ok(Some(bytes))) = (snapshot_file, snapshot) {
        match file.save(&bytes) {
            Ok(()) => info!(path = %file.path().display(), "route snapshot written"),
            Err(e) => {
                warn!(path = %file.path().display(), error = %e, "cannot write route snapshot")
            }
        }
    }
    let _ = owners.kv.send(FlushKv).await;
    // The owners' answers are now on their way back to the sessions; give the worker
    // threads a moment to write them before the threads stop.
    tokio::time::sleep(Duration::from_millis(200)).await;
    info!("KV config flushed; stopped");
}

/// Runs the controller alone (Java's `mqcontroller`): no name-server port, no route tables;
/// `on_ready` gets the controller's address.
pub fn run_controller(
    loaded: config::Loaded,
    shutdown: Shutdown,
    on_ready: impl FnOnce(SocketAddr) + 'static,
) -> Result<(), String> {
    let mut properties = loaded.unknown.clone();
    properties.extend(loaded.config.to_properties());
    let config = ControllerConfig::from_properties(&properties)
        .map_err(|e| format!("controller configuration: {e}"))?;
    System::new().block_on(async move {
        let controller = namesrv_controller::start(config)
            .await
            .map_err(|e| e.to_string())?;
        let mut shutdown = shutdown
            .install()
            .map_err(|e| format!("cannot watch signals: {e}"))?;
        on_ready(controller.address);
        shutdown.recv().await;
        info!("controller shutting down");
        controller.stop().await;
        System::current().stop();
        Ok::<(), String>(())
    })
}
