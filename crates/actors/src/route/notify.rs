//! NOTIFY_MIN_BROKER_ID_CHANGE: the one request the name server sends.
//!
//! Java sends it oneway to each affected broker's main address with a 300 ms budget and only
//! logs failures; so do we, on a short-lived connection per recipient, off the route owner's
//! thread of control (the send is spawned, never awaited by the actor).

use std::time::Duration;

use futures_util::SinkExt;
use namesrv_protocol::code::RequestCode;
use namesrv_protocol::headers::{CommandHeader, NotifyMinBrokerIdChangeRequestHeader};
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use tokio::net::TcpStream;
use tokio_util::codec::FramedWrite;
use tracing::{debug, warn};

use super::table::MinBrokerIdChange;

const SEND_TIMEOUT: Duration = Duration::from_millis(300);

pub fn send_min_broker_id_change(change: MinBrokerIdChange) {
    let header = NotifyMinBrokerIdChangeRequestHeader {
        min_broker_id: Some(change.min_broker_id),
        broker_name: None,
        min_broker_addr: Some(change.min_broker_addr.clone()),
        offline_broker_addr: change.offline_broker_addr.clone(),
        ha_broker_addr: change.ha_broker_addr.clone(),
    };
    let request = RemotingCommand::request(
        RequestCode::NOTIFY_MIN_BROKER_ID_CHANGE,
        Some(header.to_ext()),
    )
    .oneway();
    for addr in change.recipients {
        let request = request.clone();
        actix::spawn(async move {
            let send = async {
                let stream = TcpStream::connect(&addr).await?;
                let mut framed = FramedWrite::new(stream, RemotingCodec::default());
                framed.send(request).await?;
                Ok::<_, namesrv_protocol::ProtocolError>(())
            };
            match tokio::time::timeout(SEND_TIMEOUT, send).await {
                Ok(Ok(())) => debug!(%addr, "sent NOTIFY_MIN_BROKER_ID_CHANGE"),
                Ok(Err(e)) => warn!(%addr, error = %e, "NOTIFY_MIN_BROKER_ID_CHANGE failed"),
                Err(_) => warn!(%addr, "NOTIFY_MIN_BROKER_ID_CHANGE timed out"),
            }
        });
    }
}
