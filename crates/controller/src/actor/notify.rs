//! NOTIFY_BROKER_ROLE_CHANGED: the controller telling brokers about their group's new master.
//!
//! Sent one-way to each live member's own address (not over the connection the broker opened
//! to us), as Java's controller does, so a broker learns of an election without waiting for
//! its next metadata poll. A member that cannot be reached is logged and skipped: it will learn
//! the master from its periodic GET_REPLICA_INFO anyway.

use std::time::Duration;

use futures_util::SinkExt;
use namesrv_protocol::body::{JsonBody, JsonDialect};
use namesrv_protocol::code::ControllerRequestCode;
use namesrv_protocol::headers::CommandHeader;
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use tokio::net::TcpStream;
use tokio_util::codec::FramedWrite;
use tracing::{info, warn};

use crate::state::RoleChangeNotice;

const SEND_TIMEOUT: Duration = Duration::from_secs(3);

fn request(notice: &RoleChangeNotice) -> RemotingCommand {
    RemotingCommand::request(
        ControllerRequestCode::NOTIFY_BROKER_ROLE_CHANGED,
        Some(notice.header.to_ext()),
    )
    .with_body(notice.sync_state_set.to_json(JsonDialect::Fastjson))
    .oneway()
}

/// Sends the notice to every address, concurrently, each bounded by a timeout.
pub async fn notify_role_changed(addresses: Vec<String>, notice: RoleChangeNotice) {
    let sends = addresses.into_iter().map(|addr| {
        let request = request(&notice);
        async move {
            let sent = tokio::time::timeout(SEND_TIMEOUT, async {
                let stream = TcpStream::connect(&addr).await?;
                let mut framed = FramedWrite::new(stream, RemotingCodec::default());
                framed
                    .send(request)
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string()))
            })
            .await;
            match sent {
                Ok(Ok(())) => info!(broker = %addr, "told broker its group's master changed"),
                Ok(Err(e)) => warn!(broker = %addr, error = %e, "cannot tell broker its group's master changed"),
                Err(_) => warn!(broker = %addr, "telling broker its group's master changed timed out"),
            }
        }
    });
    futures_util::future::join_all(sends).await;
}
