//! Cold start: how long from exec until a server answers a route query — the window in which
//! a restarted replica fails its clients.

use std::time::{Duration, Instant};

use clap::Args;
use namesrv_protocol::headers::{CommandHeader, GetRouteInfoRequestHeader};
use namesrv_protocol::RemotingCommand;

use crate::connection::Connection;
use crate::BenchError;

#[derive(Debug, Clone, Args)]
pub struct ColdStartArgs {
    /// Where the started server will listen.
    #[arg(long)]
    pub addr: String,
    /// Wait for a SUCCESS route of this topic (a warm restart), not just any answer.
    #[arg(long)]
    pub topic: Option<String>,
    #[arg(long, default_value_t = 60.0)]
    pub timeout: f64,
    #[arg(long, default_value = "cold-start")]
    pub label: String,
    /// The server command and its arguments.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

pub async fn measure(args: ColdStartArgs) -> Result<(), BenchError> {
    let started = Instant::now();
    let mut child = tokio::process::Command::new(&args.command[0])
        .args(&args.command[1..])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let deadline = started + Duration::from_secs_f64(args.timeout);
    let topic = args
        .topic
        .clone()
        .unwrap_or_else(|| "ColdStartProbe".into());
    let query = RemotingCommand::request(
        105,
        Some(
            GetRouteInfoRequestHeader {
                topic,
                accept_standard_json_only: None,
            }
            .to_ext(),
        ),
    );
    let (mut connected_ms, mut answered_ms) = (None, None);
    while Instant::now() < deadline && answered_ms.is_none() {
        if let Ok(mut conn) = Connection::connect(&args.addr).await {
            connected_ms.get_or_insert(started.elapsed().as_secs_f64() * 1000.0);
            while Instant::now() < deadline {
                match conn.call(query.clone()).await {
                    Ok(a) if args.topic.is_none() || a.code == 0 => {
                        answered_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
                        break;
                    }
                    Ok(_) => tokio::time::sleep(Duration::from_millis(1)).await,
                    Err(_) => break,
                }
            }
        } else {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let _ = child.kill().await;
    let report = serde_json::json!({
        "label": args.label,
        "kind": if args.topic.is_some() { "first_route" } else { "first_answer" },
        "listening_ms": connected_ms,
        "answered_ms": answered_ms,
    });
    println!("{report}");
    match answered_ms {
        Some(ms) => {
            eprintln!("{}: answered {ms:.1} ms after exec", args.label);
            Ok(())
        }
        None => Err(BenchError::Setup(format!(
            "{} did not answer within {} s",
            args.label, args.timeout
        ))),
    }
}
