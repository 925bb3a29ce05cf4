//! A load run: populate, warm up, then measure for a bounded time and request count.
//!
//! Closed loop keeps `inflight` requests outstanding on each connection (throughput).
//! Open loop sends at a fixed total rate whatever the answers do, and measures latency from
//! when each request was *due*, so a stalling server cannot hide its stall by slowing the
//! generator down (coordinated omission).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::answer::Answer;
use crate::connection::Connection;
use crate::in_flight::InFlight;
use crate::pacer;
use crate::populate::populate;
use crate::proc_stats;
use crate::report::{cdf, Latency, Report};
use crate::workload::{Cluster, Generator, Header, Kind, Templates, TopicPicker, Versions};
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
    /// Register storms: whether each registration repeats or changes its data version.
    #[arg(long, value_enum, default_value = "unchanged")]
    pub versions: Versions,
    /// Skip the populate step (the server already holds the routes).
    #[arg(long)]
    pub no_populate: bool,
    /// The server's pid, for CPU time and RSS from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Client worker threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Free text carried into the report (e.g. which point of a comparison this run is).
    #[arg(long)]
    pub note: Option<String>,
    /// Longest wait for one set-up registration's answer, in seconds.
    #[arg(long, default_value_t = 120.0)]
    pub setup_timeout: f64,
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
    /// Answers by code; every name-server code is below 256 (see `count_code`).
    small_codes: Vec<u64>,
    other_codes: BTreeMap<i32, u64>,
}

pub async fn load(args: LoadArgs) -> Result<(), BenchError> {
    let cluster = Cluster {
        brokers: args.brokers,
        topics: args.topics,
        queues: args.queues,
    };
    if args.workload == Kind::Register
        && args.versions != Versions::Unchanged
        && args.brokers <= args.connections * args.inflight.max(1)
    {
        // Two registrations of one broker in flight at once could reach the server out of
        // order, so its data version would not change at every registration.
        return Err(BenchError::Setup(format!(
            "--versions {} needs more brokers ({}) than requests in flight ({})",
            args.versions
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned()),
            args.brokers,
            args.connections * args.inflight.max(1)
        )));
    }
    let server_idle = args.server_pid.and_then(proc_stats::sample);
    let populated = if args.no_populate {
        None
    } else {
        let timeout = Duration::from_secs_f64(args.setup_timeout);
        Some(populate(&args.addr, &cluster, args.compressed, timeout).await?)
    };
    let server_after_populate = populated
        .as_ref()
        .and(args.server_pid)
        .and_then(proc_stats::sample);
    let templates = Arc::new(Templates::new(
        args.workload,
        args.header,
        &cluster,
        args.versions,
        args.compressed,
    )?);
    let picker = Arc::new(TopicPicker::new(cluster.topics.max(1), args.skew));
    let shared = Arc::new(Shared {
        measuring: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        requests: AtomicU64::new(0),
        errors: AtomicU64::new(0),
    });

    let connections = args.connections.max(1);
    let mut conns = Vec::with_capacity(connections);
    for _ in 0..connections {
        conns.push(Connection::connect(&args.addr).await?);
    }
    // Open loop: one pacer for the whole rate, handing each connection its due requests;
    // started once every connection is up, so nothing falls due while they connect.
    let epoch = Instant::now();
    let pacing_stop = Arc::new(AtomicBool::new(false));
    let (pacer, mut dues) = match args.rate {
        Some(rate) => {
            let (thread, receivers) =
                pacer::start(rate.max(1) as f64, connections, epoch, pacing_stop.clone());
            (Some(thread), receivers.into_iter().map(Some).collect())
        }
        None => (None, Vec::new()),
    };
    let mut tasks = Vec::new();
    for (c, conn) in conns.into_iter().enumerate() {
        let generator = Generator::new(
            args.workload,
            templates.clone(),
            picker.clone(),
            args.seed.wrapping_mul(1000).wrapping_add(c as u64),
        );
        let shared = shared.clone();
        let inflight = args.inflight.max(1);
        let due = dues.get_mut(c).and_then(Option::take);
        tasks.push(tokio::spawn(async move {
            match due {
                None => closed_loop(conn, generator, inflight, shared).await,
                Some(due) => open_loop(conn, generator, due, epoch, shared).await,
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs_f64(args.warmup)).await;
    let server_before = args.server_pid.and_then(proc_stats::sample);
    let client_before = proc_stats::sample(std::process::id());
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
    let client_after = proc_stats::sample(std::process::id());
    shared.stop.store(true, Ordering::SeqCst);
    pacing_stop.store(true, Ordering::SeqCst);
    if let Some(pacer) = pacer {
        // It sleeps at most a few milliseconds between looks at the flag.
        let _ = tokio::task::spawn_blocking(move || pacer.join()).await;
    }
    eprintln!();

    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
    let mut codes = BTreeMap::new();
    let mut failed_connections = 0;
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(10), t).await {
            Ok(Ok(Ok(r))) => {
                histogram.add(&r.histogram).expect("same bounds");
                for (code, n) in r.codes() {
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
        note: args.note.clone(),
        workload: args.workload,
        header: args.header,
        connections: args.connections,
        inflight: args.inflight,
        offered_rate: args.rate,
        brokers: args.brokers,
        topics: args.topics,
        compressed: args.compressed,
        versions: args.versions,
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
        server_idle,
        server_before,
        server_after,
        server_cpu_ms_per_1k: cpu_ms_per_1k(server_before, server_after, requests),
        client_cpu_ms_per_1k: cpu_ms_per_1k(client_before, client_after, requests),
    };
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

/// CPU milliseconds a process spent between two samples, per 1,000 requests.
fn cpu_ms_per_1k(
    before: Option<proc_stats::ProcSample>,
    after: Option<proc_stats::ProcSample>,
    requests: u64,
) -> Option<f64> {
    match (before, after) {
        (Some(b), Some(a)) if requests > 0 => {
            Some((a.cpu_seconds - b.cpu_seconds) * 1000.0 / (requests as f64 / 1000.0))
        }
        _ => None,
    }
}

/// Which codes count as errors: anything but SUCCESS and TOPIC_NOT_EXIST (17 is a normal
/// answer for a topic nobody registered).
fn is_error(code: i32) -> bool {
    code != 0 && code != 17
}

impl ConnResult {
    fn new() -> Self {
        ConnResult {
            histogram: Histogram::new_with_bounds(1, 60_000_000, 3).expect("bounds"),
            small_codes: vec![0; 256],
            other_codes: BTreeMap::new(),
        }
    }

    fn count_code(&mut self, code: i32) {
        match usize::try_from(code)
            .ok()
            .filter(|c| *c < self.small_codes.len())
        {
            Some(c) => self.small_codes[c] += 1,
            None => *self.other_codes.entry(code).or_insert(0) += 1,
        }
    }

    fn codes(self) -> impl Iterator<Item = (i32, u64)> {
        let small = self
            .small_codes
            .into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| (c as i32, n));
        small.chain(self.other_codes)
    }

    /// Counts a batch of answers received at `now` (nanoseconds since `epoch`), if the run is
    /// in its measured window.
    fn record(&mut self, shared: &Shared, answers: &[Answer], sent: &mut InFlight, now: u64) {
        let measuring = shared.measuring.load(Ordering::Relaxed);
        let mut errors = 0;
        for answer in answers {
            let at = sent.take(answer.opaque);
            if !measuring {
                continue;
            }
            if is_error(answer.code) {
                errors += 1;
            }
            self.count_code(answer.code);
            if let Some(at) = at {
                let micros = (now.saturating_sub(at) / 1_000).clamp(1, 60_000_000);
                let _ = self.histogram.record(micros);
            }
        }
        if measuring {
            shared
                .requests
                .fetch_add(answers.len() as u64, Ordering::Relaxed);
            if errors > 0 {
                shared.errors.fetch_add(errors, Ordering::Relaxed);
            }
        }
    }
}

fn nanos_since(epoch: Instant) -> u64 {
    epoch.elapsed().as_nanos() as u64
}

async fn closed_loop(
    mut conn: Connection,
    mut generator: Generator,
    inflight: usize,
    shared: Arc<Shared>,
) -> Result<ConnResult, BenchError> {
    let mut result = ConnResult::new();
    // Room for stragglers: a server may answer out of order (Java's thread pool does).
    let mut sent = InFlight::new(inflight * 64);
    let mut batch = Vec::with_capacity(inflight);
    let mut answers = Vec::with_capacity(inflight);
    let epoch = Instant::now();
    for _ in 0..inflight {
        batch.push(conn.queue_template(generator.next_request()));
    }
    loop {
        let now = nanos_since(epoch);
        for opaque in batch.drain(..) {
            sent.insert(opaque, now);
        }
        conn.flush().await?;
        if shared.stop.load(Ordering::Relaxed) {
            return Ok(result);
        }
        answers.clear();
        conn.answers(&mut answers).await?;
        result.record(&shared, &answers, &mut sent, nanos_since(epoch));
        for _ in 0..answers.len() {
            batch.push(conn.queue_template(generator.next_request()));
        }
    }
}

async fn open_loop(
    mut conn: Connection,
    mut generator: Generator,
    mut due: UnboundedReceiver<pacer::Due>,
    epoch: Instant,
    shared: Arc<Shared>,
) -> Result<ConnResult, BenchError> {
    /// Outstanding requests at most; past it the server is hopelessly behind and the run
    /// records the backlog as errors instead of growing without bound.
    const MAX_OUTSTANDING: u64 = 65_536;
    let mut result = ConnResult::new();
    let mut sent = InFlight::new(2 * MAX_OUTSTANDING as usize);
    let mut answers = Vec::new();
    // Requests actually sent, and answered.
    let (mut sent_count, mut answered): (u64, u64) = (0, 0);
    while !shared.stop.load(Ordering::Relaxed) {
        tokio::select! {
            first = due.recv() => {
                // The pacer stops handing out requests when the run ends.
                let Some(first) = first else { break };
                let mut next = Some(first);
                while let Some(when) = next {
                    // Latency counts from when the request was due, not when it went out.
                    if sent_count - answered >= MAX_OUTSTANDING {
                        if shared.measuring.load(Ordering::Relaxed) {
                            shared.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    } else {
                        let opaque = conn.queue_template(generator.next_request());
                        sent.insert(opaque, when);
                        sent_count += 1;
                    }
                    next = due.try_recv().ok();
                }
                conn.flush().await?;
            }
            got = conn.answers(&mut answers) => {
                got?;
                answered += answers.len() as u64;
                result.record(&shared, &answers, &mut sent, nanos_since(epoch));
                answers.clear();
            }
        }
    }
    Ok(result)
}
