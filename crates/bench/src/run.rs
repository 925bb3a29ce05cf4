//! A load run: populate, warm up, then measure for a bounded time and request count.
//!
//! Closed loop keeps `inflight` requests outstanding on each connection (throughput).
//! Open loop sends at a fixed total rate whatever the answers do, and measures latency from
//! when each request was *due*, so a stalling server cannot hide its stall by slowing the
//! generator down (coordinated omission).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use hdrhistogram::Histogram;

use crate::connection::Connection;
use crate::populate::populate;
use crate::proc_stats;
use crate::report::{cdf, Latency, Report};
use crate::workload::{Cluster, Generator, Header, Kind, TopicPicker};
use crate::BenchError;

#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Server address.
    #[arg(long, default_value = "127.0.0.1:9876")]
    pub addr: String,
    /// A name for this run in the report (e.g. the server under test).
    #[arg(long, default_value = "run")]
    pub label: String,
    #[arg(long, value_enum, default_value = "route")]
    pub workload: Kind,
    #[arg(long, value_enum, default_value = "json")]
    pub header: Header,
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Requests outstanding per connection (closed loop).
    #[arg(long, default_value_t = 4)]
    pub inflight: usize,
    /// Open loop: total requests per second, spread over the connections.
    #[arg(long)]
    pub rate: Option<u64>,
    /// Measured seconds (after warm-up).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    #[arg(long, default_value_t = 1.0)]
    pub warmup: f64,
    /// Stop after this many measured requests, whichever comes first.
    #[arg(long, default_value_t = 50_000_000)]
    pub requests: u64,
    /// Brokers to register before the run (each on its own held connection).
    #[arg(long, default_value_t = 2)]
    pub brokers: usize,
    /// Topics each broker registers (the same topics on every broker).
    #[arg(long, default_value_t = 100)]
    pub topics: usize,
    #[arg(long, default_value_t = 8)]
    pub queues: i32,
    /// Zipf exponent for topic choice; 0 = uniform.
    #[arg(long, default_value_t = 0.0)]
    pub skew: f64,
    /// Register with zlib-compressed bodies (5.x form).
    #[arg(long)]
    pub compressed: bool,
    /// Skip the populate step (the server already holds the routes).
    #[arg(long)]
    pub no_populate: bool,
    /// The server's pid, for CPU time and RSS from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Client worker threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Append the JSON report to this file (one object per line).
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Shared between connection tasks and the progress printer.
struct Shared {
    measuring: AtomicBool,
    stop: AtomicBool,
    requests: AtomicU64,
    errors: AtomicU64,
}

struct ConnResult {
    histogram: Histogram<u64>,
    codes: BTreeMap<i32, u64>,
}

pub async fn load(args: LoadArgs) -> Result<(), BenchError> {
    let cluster = Cluster {
        brokers: args.brokers,
        topics: args.topics,
        queues: args.queues,
    };
    let populated = if args.no_populate {
        None
    } else {
        Some(populate(&args.addr, &cluster, args.compressed).await?)
    };
    let server_after_populate = populated
        .as_ref()
        .and(args.server_pid)
        .and_then(proc_stats::sample);
    let registrations = Arc::new(if matches!(args.workload, Kind::Register | Kind::Mixed) {
        (0..cluster.brokers.max(1))
            .map(|i| cluster.register(i, 1, args.compressed))
            .collect()
    } else {
        Vec::new()
    });
    let picker = Arc::new(TopicPicker::new(cluster.topics.max(1), args.skew));
    let topic_names: Arc<Vec<String>> =
        Arc::new((0..cluster.topics.max(1)).map(Cluster::topic).collect());
    let shared = Arc::new(Shared {
        measuring: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        requests: AtomicU64::new(0),
        errors: AtomicU64::new(0),
    });

    let per_conn_rate = args
        .rate
        .map(|r| (r as f64 / args.connections.max(1) as f64).max(1.0));
    let mut tasks = Vec::new();
    for c in 0..args.connections.max(1) {
        let conn = Connection::connect(&args.addr).await?;
        let generator = Generator::new(
            args.workload,
            args.header,
            cluster.clone(),
            picker.clone(),
            registrations.clone(),
            topic_names.clone(),
            args.seed.wrapping_mul(1000).wrapping_add(c as u64),
        );
        let shared = shared.clone();
        let inflight = args.inflight.max(1);
        tasks.push(tokio::spawn(async move {
            match per_conn_rate {
                None => closed_loop(conn, generator, inflight, shared).await,
                Some(rate) => open_loop(conn, generator, rate, shared).await,
            }
        }));
    }

    let before_warmup = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(args.warmup)).await;
    let server_before = args.server_pid.and_then(proc_stats::sample);
    shared.measuring.store(true, Ordering::SeqCst);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.duration);
    let mut last = (0u64, started);
    while Instant::now() < deadline && shared.requests.load(Ordering::Relaxed) < args.requests {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if last.1.elapsed() >= Duration::from_secs(1) {
            let now = shared.requests.load(Ordering::Relaxed);
            eprint!(
                "\r{}: {:>5.1}s {:>10} req {:>9.0} req/s errors {}   ",
                args.label,
                started.elapsed().as_secs_f64(),
                now,
                (now - last.0) as f64 / last.1.elapsed().as_secs_f64(),
                shared.errors.load(Ordering::Relaxed)
            );
            last = (now, Instant::now());
        }
    }
    shared.measuring.store(false, Ordering::SeqCst);
    let seconds = started.elapsed().as_secs_f64();
    let server_after = args.server_pid.and_then(proc_stats::sample);
    shared.stop.store(true, Ordering::SeqCst);
    eprintln!();

    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
    let mut codes = BTreeMap::new();
    let mut failed_connections = 0;
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(10), t).await {
            Ok(Ok(Ok(r))) => {
                histogram.add(&r.histogram).expect("same bounds");
                for (code, n) in r.codes {
                    *codes.entry(code).or_insert(0) += n;
                }
            }
            Ok(Ok(Err(e))) => {
                failed_connections += 1;
                eprintln!("a connection failed: {e}");
            }
            _ => {
                failed_connections += 1;
                eprintln!("a connection did not finish");
            }
        }
    }
    let requests = shared.requests.load(Ordering::SeqCst);
    let report = Report {
        label: args.label.clone(),
        workload: args.workload,
        header: args.header,
        connections: args.connections,
        inflight: args.inflight,
        offered_rate: args.rate,
        brokers: args.brokers,
        topics: args.topics,
        compressed: args.compressed,
        seconds,
        requests,
        errors: shared.errors.load(Ordering::SeqCst),
        failed_connections,
        codes,
        qps: requests as f64 / seconds,
        latency_us: Latency::of(&histogram),
        cdf_us: cdf(&histogram),
        populate_registration_ms: populated
            .as_ref()
            .map(|p| p.registration_millis.clone())
            .unwrap_or_default(),
        server_after_populate,
        rss_kb_per_1k_pairs: per_1k_pairs(&cluster, server_after_populate, server_after),
        server_before,
        server_after,
        server_cpu_ms_per_1k: match (server_before, server_after) {
            (Some(b), Some(a)) if requests > 0 => {
                Some((a.cpu_seconds - b.cpu_seconds) * 1000.0 / (requests as f64 / 1000.0))
            }
            _ => None,
        },
    };
    let _ = before_warmup;
    report.print_human();
    let line = serde_json::to_string(&report).expect("report serialises");
    match &args.json {
        Some(path) => {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            writeln!(f, "{line}")?;
        }
        None => println!("{line}"),
    }
    drop(populated);
    Ok(())
}

/// RSS per 1,000 registered (topic, broker) pairs, after registration and after the run.
fn per_1k_pairs(
    cluster: &Cluster,
    populated: Option<proc_stats::ProcSample>,
    after: Option<proc_stats::ProcSample>,
) -> Option<(f64, f64)> {
    let pairs = (cluster.brokers * cluster.topics) as f64 / 1000.0;
    match (populated, after) {
        (Some(p), Some(a)) if pairs > 0.0 => {
            Some((p.rss_kb as f64 / pairs, a.rss_kb as f64 / pairs))
        }
        _ => None,
    }
}

/// Which codes count as errors: anything but SUCCESS and TOPIC_NOT_EXIST (17 is a normal
/// answer for a topic nobody registered).
fn is_error(code: i32) -> bool {
    code != 0 && code != 17
}

fn record(shared: &Shared, result: &mut ConnResult, sent: Option<Instant>, code: i32) {
    if !shared.measuring.load(Ordering::Relaxed) {
        return;
    }
    shared.requests.fetch_add(1, Ordering::Relaxed);
    if is_error(code) {
        shared.errors.fetch_add(1, Ordering::Relaxed);
    }
    *result.codes.entry(code).or_insert(0) += 1;
    if let Some(sent) = sent {
        let micros = sent.elapsed().as_micros().clamp(1, 60_000_000) as u64;
        let _ = result.histogram.record(micros);
    }
}

fn new_result() -> ConnResult {
    ConnResult {
        histogram: Histogram::new_with_bounds(1, 60_000_000, 3).expect("bounds"),
        codes: BTreeMap::new(),
    }
}

async fn closed_loop(
    mut conn: Connection,
    mut generator: Generator,
    inflight: usize,
    shared: Arc<Shared>,
) -> Result<ConnResult, BenchError> {
    let mut result = new_result();
    let mut sent_at: HashMap<i32, Instant> = HashMap::with_capacity(inflight * 2);
    for _ in 0..inflight {
        let opaque = conn.queue(generator.next_request())?;
        sent_at.insert(opaque, Instant::now());
    }
    conn.flush().await?;
    while !shared.stop.load(Ordering::Relaxed) {
        let Some(first) = conn.next().await else {
            return Err(BenchError::Setup("server closed the connection".into()));
        };
        let mut answers = vec![first?];
        while let Some(more) = conn.next_ready() {
            answers.push(more?);
        }
        for answer in answers {
            record(
                &shared,
                &mut result,
                sent_at.remove(&answer.opaque),
                answer.code,
            );
            let opaque = conn.queue(generator.next_request())?;
            sent_at.insert(opaque, Instant::now());
        }
        conn.flush().await?;
    }
    Ok(result)
}

async fn open_loop(
    mut conn: Connection,
    mut generator: Generator,
    rate: f64,
    shared: Arc<Shared>,
) -> Result<ConnResult, BenchError> {
    /// Outstanding requests at most; past it the server is hopelessly behind and the run
    /// records the backlog as errors instead of growing without bound.
    const MAX_OUTSTANDING: usize = 100_000;
    let mut result = new_result();
    let mut due_at: HashMap<i32, Instant> = HashMap::new();
    let start = Instant::now();
    let mut sent: u64 = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while !shared.stop.load(Ordering::Relaxed) {
        tokio::select! {
            _ = tick.tick() => {
                let due = (start.elapsed().as_secs_f64() * rate) as u64;
                while sent < due {
                    let when = start + Duration::from_secs_f64(sent as f64 / rate);
                    sent += 1;
                    if due_at.len() >= MAX_OUTSTANDING {
                        if shared.measuring.load(Ordering::Relaxed) {
                            shared.errors.fetch_add(1, Ordering::Relaxed);
                        }
                        continue;
                    }
                    let opaque = conn.queue(generator.next_request())?;
                    due_at.insert(opaque, when);
                }
                conn.flush().await?;
            }
            answer = conn.next() => {
                let Some(answer) = answer else {
                    return Err(BenchError::Setup("server closed the connection".into()));
                };
                let answer = answer?;
                record(&shared, &mut result, due_at.remove(&answer.opaque), answer.code);
            }
        }
    }
    Ok(result)
}
