//! What a run reports: one JSON object (for scripts and plots) and a human summary.

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::proc_stats::ProcSample;
use crate::workload::{Header, Kind, Versions};

#[derive(Debug, Serialize)]
pub struct Report {
    pub label: String,
    pub note: Option<String>,
    pub workload: Kind,
    pub header: Header,
    pub connections: usize,
    pub inflight: usize,
    /// Offered rate for open-loop runs, requests/s; `None` when closed-loop.
    pub offered_rate: Option<u64>,
    pub brokers: usize,
    pub topics: usize,
    /// Whether registrations (populate and storms) used the zlib-compressed 5.x body.
    pub compressed: bool,
    /// Whether storm registrations repeat or change their data version.
    pub versions: Versions,
    pub seconds: f64,
    pub requests: u64,
    pub errors: u64,
    /// Connections that ended with an error (closed or reset by the server) before the end.
    pub failed_connections: u64,
    /// Answers by response code (0 SUCCESS, 17 TOPIC_NOT_EXIST, 2 SYSTEM_BUSY, ...).
    pub codes: std::collections::BTreeMap<i32, u64>,
    pub qps: f64,
    pub latency_us: Latency,
    /// Latency distribution for CDF plots: (percentile, microseconds).
    pub cdf_us: Vec<(f64, u64)>,
    pub populate_registration_ms: Vec<f64>,
    /// The server right after the last broker registered, before any query: the memory the
    /// route table itself takes.
    pub server_after_populate: Option<ProcSample>,
    /// RSS per 1,000 (topic, broker) pairs registered, in kB, after registration and after
    /// the run (the route answers served on top); `None` without a server pid or pairs.
    pub rss_kb_per_1k_pairs: Option<(f64, f64)>,
    /// The server before the populate step (its footprint with no routes of ours).
    pub server_idle: Option<ProcSample>,
    pub server_before: Option<ProcSample>,
    pub server_after: Option<ProcSample>,
    /// Server CPU seconds spent during the measured window, per 1,000 requests.
    pub server_cpu_ms_per_1k: Option<f64>,
    /// The load generator's own CPU in the same window, per 1,000 requests: what it costs to
    /// measure (the null server's ceiling is bounded by it).
    pub client_cpu_ms_per_1k: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

impl Latency {
    pub fn of(h: &Histogram<u64>) -> Self {
        Latency {
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: h.mean(),
        }
    }
}

pub fn cdf(h: &Histogram<u64>) -> Vec<(f64, u64)> {
    [
        0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0,
    ]
    .iter()
    .map(|q| (*q, h.value_at_quantile(*q)))
    .collect()
}

impl Report {
    pub fn print_human(&self) {
        eprintln!(
            "{}: {:?} {}x{} {} req in {:.1}s = {:.0} req/s, errors {}, latency us p50 {} p99 {} p99.9 {} max {}{}",
            self.label,
            self.workload,
            self.connections,
            self.inflight,
            self.requests,
            self.seconds,
            self.qps,
            self.errors,
            self.latency_us.p50,
            self.latency_us.p99,
            self.latency_us.p999,
            self.latency_us.max,
            match (&self.server_after, self.server_cpu_ms_per_1k) {
                (Some(after), Some(cpu)) => format!(
                    ", server RSS {} kB (peak {}), {:.3} CPU-ms per 1k requests",
                    after.rss_kb, after.peak_rss_kb, cpu
                ),
                _ => String::new(),
            } + &self
                .client_cpu_ms_per_1k
                .map(|c| format!(", generator {c:.3} CPU-ms per 1k"))
                .unwrap_or_default()
        );
        if let (Some(populated), Some((registered, served))) =
            (&self.server_after_populate, self.rss_kb_per_1k_pairs)
        {
            let regs = &self.populate_registration_ms;
            eprintln!(
                "{}: {} brokers x {} topics registered in {:.0} ms (first {:.1} ms); server RSS {} kB after registration; per 1,000 (topic, broker) pairs {:.1} kB registered, {:.1} kB after the run",
                self.label,
                self.brokers,
                self.topics,
                regs.iter().sum::<f64>(),
                regs.first().copied().unwrap_or(0.0),
                populated.rss_kb,
                registered,
                served
            );
        }
    }
}
