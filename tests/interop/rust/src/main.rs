//! rocketmq-client-rust 1.0.0 (crates.io) against the name server given.
//!
//! ```text
//! namesrv-interop-rust-client NAMESRV TOPIC COUNT TIMEOUT_SECONDS
//! ```
//!
//! The header encoding is the client's own choice: `ROCKETMQ_SERIALIZE_TYPE=ROCKETMQ` in the
//! environment makes it send binary headers, JSON otherwise (run.sh runs both).
//!
//! A push consumer starts first (a new group starts at the queue's last offset), then a
//! producer sends one message every 300 ms, each carrying this run's id, until the consumer
//! has received COUNT of them or the timeout passes. Both roles learn the broker only from
//! the name server's topic route. Exit code 0 when enough of this run's messages arrived.
#![recursion_limit = "512"]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rocketmq_client_rust::{
    ClientError, ClientResult, ClientRuntime, ClientRuntimeConfig, ConsumeConcurrentlyContext,
    ConsumeConcurrentlyStatus, DefaultMQProducer, DefaultMQPushConsumer, MQPushConsumer,
    MessageListenerConcurrently,
};
use rocketmq_model::common::message::message_ext::MessageExt;
use rocketmq_model::common::message::message_single::Message;
use rocketmq_runtime::{RuntimeConfig, RuntimeOwner};

struct Collect {
    run_id: String,
    received: Arc<Mutex<HashSet<String>>>,
}

impl MessageListenerConcurrently for Collect {
    fn consume_message(
        &self,
        msgs: &[&MessageExt],
        _context: &ConsumeConcurrentlyContext,
    ) -> ClientResult<ConsumeConcurrentlyStatus> {
        let mut received = self.received.lock().unwrap_or_else(|e| e.into_inner());
        for msg in msgs {
            let body = msg.body().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
            if body.starts_with(&self.run_id) {
                received.insert(body);
            }
        }
        Ok(ConsumeConcurrentlyStatus::ConsumeSuccess)
    }
}

fn usage() -> ! {
    eprintln!("usage: namesrv-interop-rust-client NAMESRV TOPIC COUNT TIMEOUT_SECONDS");
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> ClientResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [namesrv, topic, count, timeout] = args.as_slice() else { usage() };
    let count: usize = count.parse().unwrap_or_else(|_| usage());
    let timeout = Duration::from_secs(timeout.parse().unwrap_or_else(|_| usage()));
    let run_id = format!(
        "{:x}",
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    );

    let owner = RuntimeOwner::plan(RuntimeConfig {
        thread_name: "interop-rust-client".to_string(),
        ..Default::default()
    })
    .map_err(|e| ClientError::internal("plan runtime", e))?
    .build()
    .map_err(|e| ClientError::internal("build runtime", e))?;
    let telemetry = rocketmq_observability::install_global(
        &rocketmq_observability::TelemetryBootstrapConfig::default(),
    )
    .map_err(|e| ClientError::internal("telemetry", e))?;
    let runtime = ClientRuntime::try_new(
        owner.root_context().component("client"),
        ClientRuntimeConfig::default(),
        telemetry.handle(),
    )?;

    let received = Arc::new(Mutex::new(HashSet::new()));
    let mut consumer = DefaultMQPushConsumer::builder(runtime.clone())
        .consumer_group(format!("interop_rust_{run_id}"))
        .name_server_addr(namesrv.clone())
        .build();
    consumer.subscribe(topic, "*").await?;
    consumer.register_message_listener_concurrently(Collect {
        run_id: run_id.clone(),
        received: received.clone(),
    });
    consumer.start().await?;

    let mut producer = DefaultMQProducer::builder(runtime.clone())
        .producer_group(format!("interop_rust_{run_id}_p"))
        .name_server_addr(namesrv.clone())
        .build();
    producer.start().await?;

    let deadline = Instant::now() + timeout;
    let (mut sent, mut ok, mut last_error) = (0usize, 0usize, None);
    while Instant::now() < deadline {
        if received.lock().unwrap_or_else(|e| e.into_inner()).len() >= count {
            break;
        }
        let message = Message::builder()
            .topic(topic.as_str())
            .tags("rust")
            .body_slice(format!("{run_id}-{sent}").as_bytes())
            .build_unchecked();
        sent += 1;
        match producer.send_with_timeout(message, 3000).await {
            Ok(_) => ok += 1,
            Err(e) => last_error = Some(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let got = received.lock().unwrap_or_else(|e| e.into_inner()).len();
    println!("sent={sent} sent_ok={ok} received={got} last_error={last_error:?}");

    producer.shutdown().await;
    consumer.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(10), runtime.shutdown()).await;
    std::process::exit(if got >= count { 0 } else { 1 });
}
