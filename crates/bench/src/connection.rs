//! One client connection: requests are encoded into a local buffer and flushed in batches,
//! answers are decoded by the same codec the server uses. Pipelining many requests per
//! write keeps the load generator's own syscall cost far below the servers' it measures.

use bytes::BytesMut;
use futures_util::{FutureExt, StreamExt};
use namesrv_protocol::frame::encode_into;
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_util::codec::FramedRead;

use crate::BenchError;

/// Large enough for a 100k-topic registration and its answers.
const MAX_FRAME: usize = 64 * 1024 * 1024;

pub struct Connection {
    reader: FramedRead<OwnedReadHalf, RemotingCodec>,
    writer: OwnedWriteHalf,
    pending: BytesMut,
    next_opaque: i32,
}

impl Connection {
    pub async fn connect(addr: &str) -> Result<Connection, BenchError> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| BenchError::Connect {
                addr: addr.to_owned(),
                source,
            })?;
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        Ok(Connection {
            reader: FramedRead::new(read, RemotingCodec::new(MAX_FRAME)),
            writer: write,
            pending: BytesMut::with_capacity(64 * 1024),
            next_opaque: 1,
        })
    }

    /// Queues `request` with a fresh opaque, which is returned.
    pub fn queue(&mut self, mut request: RemotingCommand) -> Result<i32, BenchError> {
        let opaque = self.next_opaque;
        self.next_opaque = self.next_opaque.wrapping_add(1).max(1);
        request.opaque = opaque;
        encode_into(&request, &mut self.pending)?;
        Ok(opaque)
    }

    pub async fn flush(&mut self) -> Result<(), BenchError> {
        if !self.pending.is_empty() {
            self.writer.write_all(&self.pending).await?;
            self.pending.clear();
        }
        Ok(())
    }

    /// The next answer; `None` when the server closed the connection.
    pub async fn next(&mut self) -> Option<Result<RemotingCommand, BenchError>> {
        self.reader.next().await.map(|r| r.map_err(Into::into))
    }

    /// An answer already received and decodable without waiting, if any.
    pub fn next_ready(&mut self) -> Option<Result<RemotingCommand, BenchError>> {
        self.reader
            .next()
            .now_or_never()
            .flatten()
            .map(|r| r.map_err(Into::into))
    }

    /// Sends one request and waits for its answer (set-up traffic, not measured).
    pub async fn call(&mut self, request: RemotingCommand) -> Result<RemotingCommand, BenchError> {
        let opaque = self.queue(request)?;
        self.flush().await?;
        loop {
            match self.next().await {
                Some(Ok(answer)) if answer.opaque == opaque => return Ok(answer),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => return Err(BenchError::Setup("connection closed by the server".into())),
            }
        }
    }
}
