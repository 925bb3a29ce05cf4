//! Prometheus metrics of the whole process.
//!
//! One process-wide registry, as is idiomatic for the `prometheus` crate: every actor counts
//! into it directly (counters are atomics; no message hop), and the HTTP endpoint renders it.
//! Per-request-code series are resolved once at start into a table indexed by code, so the
//! request path does no label hashing.

use std::sync::LazyLock;
use std::time::Duration;

use namesrv_protocol::code::{RequestCode, ResponseCode};
use prometheus::{
    Encoder, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    Opts, Registry, TextEncoder,
};

/// The series of one request code.
pub struct CodeMetrics {
    pub requests: IntCounter,
    pub latency: Histogram,
}

pub struct Metrics {
    registry: Registry,
    by_code: Vec<CodeMetrics>,
    unknown_code: CodeMetrics,
    /// Per response code, in `ResponseCode::ALL` order, then one for any other code.
    responses: Vec<IntCounter>,
    pub connections: IntGauge,
    pub connections_refused: IntCounter,
    pub connections_closed_bad_frame: IntCounter,
    pub connections_closed_idle: IntCounter,
    pub connections_closed_slow_reader: IntCounter,
    pub requests_busy: IntCounter,
    pub registrations: IntCounter,
    /// Registrations taken without decoding their body (see `route/table/unchanged.rs`).
    pub registrations_unchanged: IntCounter,
    pub unregistrations: IntCounterVec,
    pub kv_writes: IntCounterVec,
    pub auth_rejections: IntCounterVec,
    /// PROXY protocol preambles read, by kind (`v1`, `v2`, `v2_local`, …).
    pub proxy_preambles: IntCounterVec,
    /// Connections closed for their PROXY protocol preamble, by reason.
    pub proxy_preambles_rejected: IntCounterVec,
    pub route_cache_hit: IntCounter,
    pub route_cache_miss: IntCounter,
    /// Requests by header encoding: which peers speak ROCKETMQ binary headers, and proof in
    /// the interop suite that a client configured for them really sent them.
    pub requests_json_header: IntCounter,
    pub requests_rocketmq_header: IntCounter,
    pub live_brokers: IntGauge,
    /// Seconds since each broker was last heard from; refreshed (and pruned) at scrape time.
    pub broker_silence: GaugeVec,
    pub topics: IntGauge,
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry
        .register(Box::new(c.clone()))
        .expect("unique metric");
    c
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("valid metric");
    registry
        .register(Box::new(c.clone()))
        .expect("unique metric");
    c
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("unique metric");
    g
}

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new();
        let requests = counter_vec(
            &registry,
            "namesrv_requests_total",
            "Requests received, by request code.",
            &["code"],
        );
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "namesrv_request_duration_seconds",
                "Time from a request's decoding to its response, by request code.",
            )
            .buckets(vec![
                0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25,
                1.0,
            ]),
            &["code"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(latency.clone()))
            .expect("unique metric");
        let series = |name: &str| CodeMetrics {
            requests: requests.with_label_values(&[name]),
            latency: latency.with_label_values(&[name]),
        };
        let responses = counter_vec(
            &registry,
            "namesrv_responses_total",
            "Responses sent, by response code.",
            &["code"],
        );
        let route_cache = counter_vec(
            &registry,
            "namesrv_route_cache_total",
            "Route answers served from the cache (hit) or encoded (miss).",
            &["result"],
        );
        let by_encoding = counter_vec(
            &registry,
            "namesrv_requests_by_header_encoding_total",
            "Requests received, by header encoding (JSON or ROCKETMQ binary).",
            &["encoding"],
        );
        Metrics {
            requests_json_header: by_encoding.with_label_values(&["json"]),
            requests_rocketmq_header: by_encoding.with_label_values(&["rocketmq"]),
            responses: ResponseCode::ALL
                .iter()
                .map(|c| c.name())
                .chain(["OTHER"])
                .map(|name| responses.with_label_values(&[name]))
                .collect(),
            route_cache_hit: route_cache.with_label_values(&["hit"]),
            route_cache_miss: route_cache.with_label_values(&["miss"]),
            by_code: RequestCode::ALL.iter().map(|c| series(c.name())).collect(),
            unknown_code: series("UNKNOWN"),
            connections: gauge(&registry, "namesrv_connections", "Open connections."),
            connections_refused: counter(
                &registry,
                "namesrv_connections_refused_total",
                "Connections closed at accept because maxConnections were open.",
            ),
            connections_closed_bad_frame: counter(
                &registry,
                "namesrv_connections_closed_bad_frame_total",
                "Connections closed because a frame could not be decoded or came too slowly.",
            ),
            connections_closed_idle: counter(
                &registry,
                "namesrv_connections_closed_idle_total",
                "Connections closed after serverChannelMaxIdleTimeSeconds without traffic.",
            ),
            connections_closed_slow_reader: counter(
                &registry,
                "namesrv_connections_closed_slow_reader_total",
                "Connections closed because unread answers passed maxWriteBacklogBytes.",
            ),
            requests_busy: counter(
                &registry,
                "namesrv_requests_busy_total",
                "Requests answered SYSTEM_BUSY because their connection had too many in progress.",
            ),
            registrations: counter(
                &registry,
                "namesrv_broker_registrations_total",
                "Successful REGISTER_BROKER requests.",
            ),
            registrations_unchanged: counter(
                &registry,
                "namesrv_broker_registrations_unchanged_total",
                "Successful REGISTER_BROKER requests whose body was not decoded: the bytes the broker registered last, at the same or a new data version, with no route changed since.",
            ),
            unregistrations: counter_vec(
                &registry,
                "namesrv_broker_unregistrations_total",
                "Brokers removed, by cause: request, connection_closed or expired.",
                &["cause"],
            ),
            auth_rejections: counter_vec(
                &registry,
                "namesrv_auth_rejections_total",
                "Admin requests refused (NO_PERMISSION on the remoting port, 403 on HTTP), by reason.",
                &["reason"],
            ),
            proxy_preambles: counter_vec(
                &registry,
                "namesrv_proxy_preambles_total",
                "PROXY protocol preambles read, by kind: v1, v1_unknown, v2, v2_unknown, v2_local (a balancer's health check).",
                &["kind"],
            ),
            proxy_preambles_rejected: counter_vec(
                &registry,
                "namesrv_proxy_preambles_rejected_total",
                "Connections closed for a malformed, oversized, truncated or too slow PROXY protocol preamble, by reason.",
                &["reason"],
            ),
            kv_writes: counter_vec(
                &registry,
                "namesrv_kv_writes_total",
                "KV config writes, by result.",
                &["result"],
            ),
            live_brokers: gauge(
                &registry,
                "namesrv_live_brokers",
                "Registered broker processes.",
            ),
            broker_silence: {
                let g = GaugeVec::new(
                    Opts::new(
                        "namesrv_broker_seconds_since_heartbeat",
                        "Seconds since each broker last registered or heartbeated.",
                    ),
                    &["cluster", "broker_addr"],
                )
                .expect("valid metric");
                registry
                    .register(Box::new(g.clone()))
                    .expect("unique metric");
                g
            },
            topics: gauge(
                &registry,
                "namesrv_topics",
                "Topics with at least one queue.",
            ),
            registry,
        }
    }

    /// The series of request `code` (unknown codes share one, so they cannot grow the set).
    pub fn code(&self, code: i32) -> &CodeMetrics {
        RequestCode::ALL
            .iter()
            .position(|c| c.code() == code)
            .map_or(&self.unknown_code, |i| &self.by_code[i])
    }

    pub fn observe(&self, code: i32, response_code: i32, elapsed: Duration) {
        let series = self.code(code);
        series.latency.observe(elapsed.as_secs_f64());
        let index = ResponseCode::ALL
            .iter()
            .position(|c| c.code() == response_code)
            .unwrap_or(ResponseCode::ALL.len());
        self.responses[index].inc();
    }

    /// The process-wide registry, for series another crate (the controller) adds.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_codes_have_their_series() {
        let m = metrics();
        let before = m.code(105).requests.get();
        m.code(105).requests.inc();
        m.code(99999).requests.inc();
        m.observe(105, 0, Duration::from_micros(30));
        assert_eq!(m.code(105).requests.get(), before + 1);
        let text = m.render();
        assert!(text.contains("namesrv_requests_total{code=\"GET_ROUTEINFO_BY_TOPIC\"}"));
        assert!(text.contains("namesrv_requests_total{code=\"UNKNOWN\"}"));
        assert!(text.contains("namesrv_responses_total{code=\"SUCCESS\"}"));
        assert!(text.contains("namesrv_request_duration_seconds_bucket"));
    }

    #[test]
    fn the_shipped_dashboard_and_alerts_use_only_series_we_export() {
        let m = metrics();
        // Vec series appear once a label value is used.
        m.unregistrations.with_label_values(&["expired"]).inc_by(0);
        m.kv_writes.with_label_values(&["failed"]).inc_by(0);
        m.broker_silence.with_label_values(&["c", "a"]).set(0.0);
        let text = m.render();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/");
        for file in ["prometheus/alerts.yml", "grafana/namesrv-dashboard.json"] {
            let content = std::fs::read_to_string(format!("{root}{file}")).unwrap();
            let mut rest = content.as_str();
            let mut checked = 0;
            while let Some(at) = rest.find("namesrv_") {
                let name: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                rest = &rest[at + name.len()..];
                if name == "namesrv_" {
                    continue;
                }
                let base = name.trim_end_matches("_bucket");
                assert!(
                    text.lines().any(|l| l.starts_with(base)),
                    "{file} uses {name}, which /metrics does not export"
                );
                checked += 1;
            }
            assert!(checked > 5, "{file}");
        }
    }
}
