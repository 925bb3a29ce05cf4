//! The null server: same framing and codec as a name server, no state, one canned answer
//! (SUCCESS with a fixed body the size of a small route) for every request. What it
//! sustains is the ceiling this machine, the kernel's loopback and this load generator put
//! on any name server; the report states each server as a fraction of it.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use namesrv_protocol::frame::encode_into;
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_util::codec::FramedRead;

use crate::BenchError;

pub async fn serve(listen: &str, body_bytes: usize) -> Result<(), BenchError> {
    let listener = TcpListener::bind(listen).await?;
    eprintln!("null server listening on {}", listener.local_addr()?);
    let body = Bytes::from(vec![b'x'; body_bytes]);
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let body = body.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut frames = FramedRead::new(read, RemotingCodec::new(64 * 1024 * 1024));
            let mut out = BytesMut::with_capacity(64 * 1024);
            while let Some(Ok(request)) = frames.next().await {
                let mut answer = vec![request];
                // Answer everything already received in one write, as a server would.
                while let Some(Some(Ok(more))) =
                    futures_util::FutureExt::now_or_never(frames.next())
                {
                    answer.push(more);
                }
                for request in answer {
                    if request.is_oneway() {
                        continue;
                    }
                    let response =
                        RemotingCommand::response_to(&request, 0).with_body(body.clone());
                    if encode_into(&response, &mut out).is_err() {
                        return;
                    }
                }
                if write.write_all(&out).await.is_err() {
                    return;
                }
                out.clear();
            }
        });
    }
}
