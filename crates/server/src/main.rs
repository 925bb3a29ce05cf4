//! `namesrv`: a drop-in replacement for the Apache RocketMQ name server.
//!
//! Startup mirrors `mqnamesrv`: `-c FILE` loads a Java `namesrv.properties`, `-p` prints the
//! effective configuration and exits. Then the state owners start, each on its own thread
//! where that matters (routes; KV and config, whose file writes must not stall routes),
//! the listener spreads connections over worker threads, and SIGTERM/SIGINT shut down
//! gracefully.

mod config;
mod http;
mod listener;
mod tls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use actix::prelude::*;
use clap::Parser;
use namesrv_actors::auth::AuthPolicy;
use namesrv_actors::config::{ConfigActor, NamesrvConfig};
use namesrv_actors::durable_file::{DurableFile, FileWriter};
use namesrv_actors::kv::KvActor;
use namesrv_actors::liveness::LivenessActor;
use namesrv_actors::messages::{FlushKv, TakeRouteSnapshot};
use namesrv_actors::route::table::RouteSnapshot;
use namesrv_actors::route::{RouteActor, RouteVersion, SnapshotSettings};
use namesrv_actors::session::{ReplyEncoding, SessionSettings};
use namesrv_actors::Services;
use namesrv_protocol::SerializeType;
use tracing::{error, info, warn};

#[derive(Parser, Debug)]
#[command(
    name = "namesrv",
    version,
    about = "RocketMQ name server (drop-in replacement)"
)]
struct Cli {
    /// Java namesrv.properties file to load.
    #[arg(short = 'c', long = "configFile")]
    config_file: Option<PathBuf>,
    /// Print the effective configuration and exit.
    #[arg(short = 'p', long = "printConfigItem")]
    print_config: bool,
    /// Accepted for compatibility with RocketMQ tools; a name server ignores it.
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv_addr: Option<String>,
    /// Port to listen on (listenPort).
    #[arg(long)]
    listen_port: Option<u16>,
    /// Address to bind (bindAddress).
    #[arg(long)]
    bind_address: Option<String>,
    /// KV config file (kvConfigPath).
    #[arg(long)]
    kv_config_path: Option<PathBuf>,
    /// Log format: human or json (logFormat).
    #[arg(long)]
    log_format: Option<String>,
    /// Any configuration key, as key=value (repeatable).
    #[arg(short = 'o', long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

impl Cli {
    /// The named flags are `-o` under another name: in command-line order, the later wins.
    fn overrides(
        &self,
        matches: &clap::ArgMatches,
    ) -> Result<Vec<(String, String)>, config::LoadError> {
        let named = [
            (
                "listen_port",
                "listenPort",
                self.listen_port.map(|p| p.to_string()),
            ),
            ("bind_address", "bindAddress", self.bind_address.clone()),
            (
                "kv_config_path",
                "kvConfigPath",
                self.kv_config_path
                    .as_ref()
                    .map(|p| p.display().to_string()),
            ),
            ("log_format", "logFormat", self.log_format.clone()),
        ];
        config::flags_in_order(matches, "set", &self.set, &named)
    }
}

/// `RUST_LOG` selects the level; unset or empty means `info`, and a filter that does not
/// parse is named on stderr rather than silently replaced.
fn init_logging(format: &str) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => tracing_subscriber::EnvFilter::try_new(&spec)
            .unwrap_or_else(|e| {
                eprintln!(
                    "namesrv: RUST_LOG='{spec}' is not a valid log filter ({e}); logging at info"
                );
                tracing_subscriber::EnvFilter::new("info")
            }),
        Err(std::env::VarError::NotUnicode(spec)) => {
            eprintln!("namesrv: RUST_LOG={spec:?} is not UTF-8; logging at info");
            tracing_subscriber::EnvFilter::new("info")
        }
        _ => tracing_subscriber::EnvFilter::new("info"),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format.eq_ignore_ascii_case("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let loaded = match cli
        .overrides(&matches)
        .and_then(|o| config::load(cli.config_file.as_deref(), std::env::vars(), &o))
    {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("namesrv: {e}");
            return ExitCode::from(1);
        }
    };
    if cli.print_config {
        let mut all = loaded.unknown.clone();
        all.extend(loaded.config.to_properties());
        print!("{}", namesrv_protocol::body::write_properties(&all));
        return ExitCode::SUCCESS;
    }
    init_logging(&loaded.config.log_format);
    if let Some(file) = &loaded.file {
        info!("load config properties file OK, {}", file.display());
    }
    for key in loaded.unknown.keys() {
        warn!(%key, "unknown configuration key (kept, not used)");
    }
    if loaded.config.enable_controller_in_namesrv {
        warn!("enableControllerInNamesrv is set, but this name server has no embedded controller; run the controller separately");
    }
    if loaded.config.cluster_test {
        warn!("clusterTest mode is not supported; serving as a normal name server");
    }
    match config::check_writable_paths(&loaded.config)
        .map_err(|e| e.to_string())
        .and_then(|()| run(loaded))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            eprintln!("namesrv: {e}");
            ExitCode::from(2)
        }
    }
}

fn reply_encoding(name: &str) -> Result<ReplyEncoding, String> {
    if name.eq_ignore_ascii_case("REQUEST") {
        return Ok(ReplyEncoding::MirrorRequest);
    }
    SerializeType::from_name(name)
        .map(ReplyEncoding::Fixed)
        .ok_or_else(|| format!("serializeType must be REQUEST, JSON or ROCKETMQ, not '{name}'"))
}

fn run(loaded: config::Loaded) -> Result<(), String> {
    let cfg: NamesrvConfig = loaded.config;
    let ip: IpAddr = cfg
        .bind_address
        .parse()
        .map_err(|_| format!("bindAddress '{}' is not an IP address", cfg.bind_address))?;
    let port = u16::try_from(cfg.listen_port)
        .map_err(|_| format!("listenPort {} is out of range", cfg.listen_port))?;
    let encoding = cfg.serialize_type.clone();
    let settings = SessionSettings {
        max_frame_length: usize::try_from(cfg.frame_max_length)
            .ok()
            .filter(|n| *n >= 1024)
            .ok_or_else(|| format!("frameMaxLength {} is too small", cfg.frame_max_length))?,
        reply_encoding: reply_encoding(&encoding)?,
        idle_timeout: (cfg.server_channel_max_idle_time_seconds > 0)
            .then(|| Duration::from_secs(cfg.server_channel_max_idle_time_seconds as u64)),
        max_in_flight: cfg.max_in_flight_per_connection.max(1) as usize,
        max_write_backlog: cfg.max_write_backlog_bytes.max(0) as u64,
        frame_deadline: (cfg.frame_read_timeout_millis > 0)
            .then(|| Duration::from_millis(cfg.frame_read_timeout_millis as u64)),
    };
    let auth = AuthPolicy::from_config(
        &cfg.auth_admin_addresses,
        &cfg.auth_credentials_file,
        &cfg.auth_tls_subjects,
        cfg.auth_reads,
    )
    .map_err(|e| e.to_string())?;
    if auth.is_enabled() {
        info!("admin requests restricted (authAdminAddresses / authCredentialsFile / authTlsSubjects)");
    }
    let tls = tls::Tls::from_config(&cfg).map_err(|e| e.to_string())?;
    let max_connections = cfg.max_connections.max(1) as usize;
    // Auto: half the CPUs. Measured on 2 cores with the load on the same machine: one
    // connection thread served 540k route queries/s, two only 404k (they and the kernel's
    // network work contend for the same cores); the route and storage actors have threads
    // of their own anyway.
    let io_threads = match cfg.io_threads {
        n if n > 0 => n as usize,
        _ => std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
    };
    let kv = KvActor::load(DurableFile::new(cfg.kv_config_path()))?;
    let snapshot_file = (!cfg.route_snapshot_path.is_empty())
        .then(|| DurableFile::new(PathBuf::from(&cfg.route_snapshot_path)));
    let restore = snapshot_file.as_ref().and_then(load_snapshot);

    let system = System::new();
    system.block_on(async move {
        let started = std::time::Instant::now();
        let route_arbiter = Arbiter::new();
        let storage_arbiter = Arbiter::new();
        let flags = cfg.runtime_flags();
        let snapshots = snapshot_file.clone().map(|file| SnapshotSettings {
            writer: FileWriter::start_in_arbiter(&storage_arbiter.handle(), move |_| {
                FileWriter::new(file)
            })
            .recipient(),
            interval: Duration::from_secs(cfg.route_snapshot_interval_seconds.max(1) as u64),
            restore,
        });
        let scan = Duration::from_millis(cfg.scan_not_active_broker_interval.max(100) as u64);
        let (liveness_tx, liveness_rx) = tokio::sync::oneshot::channel();
        let route_version = RouteVersion::default();
        let published = route_version.clone();
        let route = RouteActor::start_in_arbiter(&route_arbiter.handle(), move |ctx| {
            let liveness = LivenessActor::new(scan, ctx.address().recipient()).start();
            let _ = liveness_tx.send(liveness.clone());
            let route = RouteActor::new(flags, liveness).publishing(published);
            match snapshots {
                Some(settings) => route.with_snapshots(settings),
                None => route,
            }
        });
        let liveness = liveness_rx.await.map_err(|_| "liveness actor did not start".to_string())?;

        let route_for_kv = route.clone().recipient();
        let kv = KvActor::start_in_arbiter(&storage_arbiter.handle(), move |_| {
            kv.with_order_topic_subscriber(route_for_kv)
        });
        let route_for_config = route.clone().recipient();
        let config_actor = {
            let cfg = cfg.clone();
            let extra = loaded.unknown.clone();
            ConfigActor::start_in_arbiter(&storage_arbiter.handle(), move |_| {
                ConfigActor::new(cfg, extra, route_for_config)
            })
        };
        let services = Services {
            auth: std::sync::Arc::new(auth),
            route: route.clone(),
            route_version,
            kv: kv.clone(),
            liveness,
            config: config_actor,
        };

        let workers: Vec<Arbiter> = (0..io_threads).map(|_| Arbiter::new()).collect();
        let handles = workers.iter().map(Arbiter::handle).collect();
        let addr = SocketAddr::new(ip, port);
        let listener = listener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        let http_task = match u16::try_from(cfg.http_port) {
            Ok(http_port) => {
                let http_addr = SocketAddr::new(ip, http_port);
                let http_listener = tokio::net::TcpListener::bind(http_addr)
                    .await
                    .map_err(|e| format!("cannot listen for HTTP on {http_addr}: {e}"))?;
                let bound = http_listener.local_addr().map_err(|e| e.to_string())?;
                info!("HTTP endpoint (/metrics, /healthz, /readyz) at http://{bound}");
                let cx = http::HttpContext {
                    route: route.clone(),
                    liveness: services.liveness.clone(),
                    address_server_list: cfg.address_server_list.clone(),
                };
                Some(actix::spawn(http::serve(http_listener, cx)))
            }
            Err(_) => None,
        };
        let mut signals =
            ShutdownSignals::install().map_err(|e| format!("cannot watch signals: {e}"))?;
        let accept = actix::spawn(listener::serve(
            listener,
            handles,
            services,
            settings,
            max_connections,
            tls.clone(),
        ));
        info!(
            "The Name Server boot success. serializeType={}, address {bound}, tls {:?}, version {}, started in {:?}",
            encoding.to_ascii_uppercase(),
            tls.mode,
            env!("CARGO_PKG_VERSION"),
            started.elapsed()
        );

        signals.recv().await;
        info!("shutting down: no new connections");
        accept.abort();
        if let Some(task) = http_task {
            task.abort();
        }
        // Mailboxes are FIFO: once these answer, every request queued before them is done.
        let snapshot = route
            .send(TakeRouteSnapshot {
                only_if_changed: false,
            })
            .await;
        if let (Some(file), Ok(Some(bytes))) = (&snapshot_file, snapshot) {
            match file.save(&bytes) {
                Ok(()) => info!(path = %file.path().display(), "route snapshot written"),
                Err(e) => warn!(path = %file.path().display(), error = %e, "cannot write route snapshot"),
            }
        }
        let _ = kv.send(FlushKv).await;
        // Let sessions write the answers of requests that just completed.
        tokio::time::sleep(Duration::from_millis(200)).await;
        info!("KV config flushed; stopped");
        for w in &workers {
            w.stop();
        }
        route_arbiter.stop();
        storage_arbiter.stop();
        System::current().stop();
        Ok::<(), String>(())
    })
}

/// The snapshot to warm-start from. A snapshot is a cache, not the source of truth: one that
/// is missing or unreadable means starting empty, as without warm restarts.
fn load_snapshot(file: &DurableFile) -> Option<RouteSnapshot> {
    match file.load() {
        Ok(Some(bytes)) => match serde_json::from_slice::<RouteSnapshot>(&bytes) {
            Ok(s) if s.format == namesrv_actors::route::table::SNAPSHOT_FORMAT => Some(s),
            Ok(s) => {
                warn!(
                    format = s.format,
                    "route snapshot has an unknown format; starting empty"
                );
                None
            }
            Err(e) => {
                warn!(path = %file.path().display(), error = %e, "route snapshot unreadable; starting empty");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            warn!(path = %file.path().display(), error = %e, "cannot read route snapshot; starting empty");
            None
        }
    }
}

/// SIGTERM and SIGINT, installed before the startup line so that a signal sent as soon as
/// the server says it is up is handled gracefully rather than killing the process.
struct ShutdownSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    /// SIGUSR1 starts draining, SIGUSR2 stops it; neither ends the wait.
    usr1: tokio::signal::unix::Signal,
    usr2: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            usr1: signal(SignalKind::user_defined1())?,
            usr2: signal(SignalKind::user_defined2())?,
        })
    }

    /// Waits for SIGTERM or SIGINT, handling drain signals meanwhile.
    async fn recv(&mut self) {
        loop {
            tokio::select! {
                _ = self.term.recv() => return info!("SIGTERM received"),
                _ = self.int.recv() => return info!("SIGINT received"),
                _ = self.usr1.recv() => {
                    namesrv_actors::drain::set_draining(true);
                    info!("SIGUSR1: draining, route queries are turned away");
                }
                _ = self.usr2.recv() => {
                    namesrv_actors::drain::set_draining(false);
                    info!("SIGUSR2: draining stopped");
                }
            }
        }
    }
}
