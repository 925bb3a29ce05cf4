//! The populate step: B brokers, each over its own connection, register T topics — the
//! routing state every other workload then reads. A name server forgets a broker whose
//! connection closes or stays silent, so the connections are held and heartbeat every 20 s
//! until the run ends.

use std::time::{Duration, Instant};

use crate::connection::Connection;
use crate::workload::{Cluster, POPULATED_VERSION};
use crate::BenchError;

pub struct Populated {
    /// Each registration's round trip, in registration order.
    pub registration_millis: Vec<f64>,
    keepers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Populated {
    fn drop(&mut self) {
        for k in &self.keepers {
            k.abort();
        }
    }
}

pub async fn populate(
    addr: &str,
    cluster: &Cluster,
    compressed: bool,
    timeout: Duration,
) -> Result<Populated, BenchError> {
    let mut registration_millis = Vec::with_capacity(cluster.brokers);
    let mut keepers = Vec::with_capacity(cluster.brokers);
    let body = cluster.body(POPULATED_VERSION, compressed, false);
    for i in 0..cluster.brokers {
        let mut conn = Connection::connect(addr).await?;
        let request = Cluster::register_with(i, body.clone(), compressed);
        let started = Instant::now();
        let answer = tokio::time::timeout(timeout, conn.call(request))
            .await
            .map_err(|_| {
                BenchError::Setup(format!(
                    "broker {i} registration not answered within {} s",
                    timeout.as_secs_f64()
                ))
            })??;
        registration_millis.push(started.elapsed().as_secs_f64() * 1000.0);
        if answer.code != 0 {
            return Err(BenchError::Setup(format!(
                "broker {i} registration answered {} {:?}",
                answer.code, answer.remark
            )));
        }
        keepers.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(20)).await;
                if conn.call(Cluster::heartbeat(i)).await.is_err() {
                    return;
                }
            }
        }));
    }
    Ok(Populated {
        registration_millis,
        keepers,
    })
}
