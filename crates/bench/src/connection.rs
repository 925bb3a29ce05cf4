//! One client connection. Requests are written into a local buffer and flushed with one
//! write per batch; answers are read in large chunks and scanned for their opaque and code
//! only (see `answer`). Per batch of answers that is one read and one write system call, and
//! no allocation per request: the generator's cost stays far below the servers' it measures.
//! Set-up traffic (registrations, cold-start probes) decodes answers in full.

use bytes::{Buf, BytesMut};
use namesrv_protocol::frame::encode_into;
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_util::codec::Decoder;

use crate::answer::{scan_frame, Answer};
use crate::template::RequestTemplate;
use crate::BenchError;

/// Large enough for a 100k-topic registration and its answers.
const MAX_FRAME: usize = 64 * 1024 * 1024;
/// Free space kept for each read: many small answers per system call.
const READ_CHUNK: usize = 256 * 1024;

pub struct Connection {
    reader: OwnedReadHalf,
    writer: OwnedWriteHalf,
    received: BytesMut,
    pending: BytesMut,
    codec: RemotingCodec,
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
        let (reader, writer) = stream.into_split();
        Ok(Connection {
            reader,
            writer,
            received: BytesMut::with_capacity(READ_CHUNK),
            pending: BytesMut::with_capacity(64 * 1024),
            codec: RemotingCodec::new(MAX_FRAME),
            next_opaque: 1,
        })
    }

    /// A fresh opaque: positive, never 0 (the in-flight table's empty mark).
    fn take_opaque(&mut self) -> i32 {
        let opaque = self.next_opaque;
        self.next_opaque = self.next_opaque.wrapping_add(1).max(1);
        opaque
    }

    /// Queues `request` with a fresh opaque, which is returned.
    pub fn queue(&mut self, mut request: RemotingCommand) -> Result<i32, BenchError> {
        request.opaque = self.take_opaque();
        encode_into(&request, &mut self.pending)?;
        Ok(request.opaque)
    }

    /// Queues a pre-encoded request with a fresh opaque, which is returned.
    pub fn queue_template(&mut self, template: &RequestTemplate) -> i32 {
        let opaque = self.take_opaque();
        template.write(opaque, &mut self.pending);
        opaque
    }

    pub async fn flush(&mut self) -> Result<(), BenchError> {
        if !self.pending.is_empty() {
            self.writer.write_all(&self.pending).await?;
            self.pending.clear();
        }
        Ok(())
    }

    /// One read of whatever the server sent; an error when it closed the connection.
    async fn fill(&mut self, at_least: usize) -> Result<(), BenchError> {
        let want = at_least.max(READ_CHUNK);
        if self.received.capacity() - self.received.len() < want / 4 {
            self.received.reserve(want);
        }
        if self.reader.read_buf(&mut self.received).await? == 0 {
            return Err(BenchError::Setup("server closed the connection".into()));
        }
        Ok(())
    }

    /// Waits for at least one answer, then appends every whole answer received so far to
    /// `out`. Cancel-safe: answers are only taken from the buffer when they are returned.
    pub async fn answers(&mut self, out: &mut Vec<Answer>) -> Result<(), BenchError> {
        loop {
            let mut needed = 0;
            while let Some((answer, len)) = scan_frame(&self.received, MAX_FRAME, &mut needed)? {
                out.push(answer);
                self.received.advance(len);
            }
            if !out.is_empty() {
                return Ok(());
            }
            self.fill(needed).await?;
        }
    }

    /// The next answer, decoded in full.
    pub async fn next_command(&mut self) -> Result<RemotingCommand, BenchError> {
        loop {
            if let Some(command) = self.codec.decode(&mut self.received)? {
                return Ok(command);
            }
            self.fill(0).await?;
        }
    }

    /// Sends one request and waits for its answer (set-up traffic, not measured).
    pub async fn call(&mut self, request: RemotingCommand) -> Result<RemotingCommand, BenchError> {
        let opaque = self.queue(request)?;
        self.flush().await?;
        loop {
            let answer = self.next_command().await?;
            if answer.opaque == opaque {
                return Ok(answer);
            }
        }
    }
}
