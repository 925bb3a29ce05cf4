//! `namesrv-bench`: drives a RocketMQ name server over the remoting protocol and reports
//! throughput, latency percentiles (HDR histogram), errors and the server's CPU and RSS.
//!
//! It is used by `bench/compare.sh` to load our server, the Java name server and the
//! rocketmq-rust one with identical workloads, and brings its own null server (the same
//! framing, a canned answer) so the report can say how close each gets to what this machine
//! and this load generator can do at all.

mod answer;
mod cold_start;
mod connection;
mod in_flight;
mod null_server;
mod pacer;
mod populate;
mod proc_stats;
mod report;
mod rng;
mod run;
mod template;
mod workload;

use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a server with one workload and report.
    Load(run::LoadArgs),
    /// Answer every request with one canned response (the physical limit).
    NullServer {
        #[arg(long, default_value = "127.0.0.1:9899")]
        listen: String,
        /// Body size of the canned answer, in bytes (ours answers a 2-broker route in ~500).
        #[arg(long, default_value_t = 500)]
        body_bytes: usize,
    },
    /// Start a server command and time it until it answers a route query.
    ColdStart(cold_start::ColdStartArgs),
}

fn main() {
    let cli = Cli::parse();
    let threads = match &cli.command {
        Command::Load(args) => args.threads,
        _ => 1,
    };
    // One thread: a current-thread runtime, so waking a connection's task is a queue push
    // on the same thread, not a cross-thread notification.
    let mut builder = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    let runtime = builder.enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Load(args) => run::load(args).await,
            Command::NullServer { listen, body_bytes } => {
                null_server::serve(&listen, body_bytes).await
            }
            Command::ColdStart(args) => cold_start::measure(args).await,
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
    if let Err(e) = result {
        eprintln!("namesrv-bench: {e}");
        std::process::exit(1);
    }
}

/// What can end a benchmark early.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("protocol: {0}")]
    Protocol(#[from] namesrv_protocol::ProtocolError),
    #[error("{0}")]
    Setup(String),
}
