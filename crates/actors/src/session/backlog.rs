//! Write backlog: bytes of answers encoded for a peer but not yet taken by its socket.
//!
//! actix's `FramedWrite` buffers whatever it is given. A peer that pipelines requests and
//! never reads its answers (stuck, or hostile) would make us hold every answer in memory —
//! `maxInFlightPerConnection` bounds work in progress, not answers waiting to be read. So the
//! encoder counts bytes in, the socket wrapper counts bytes out, and the session closes a
//! connection whose backlog is already past `maxWriteBacklogBytes` when the next answer is
//! due. A single large answer to an otherwise idle connection always goes out.

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::BytesMut;
use namesrv_protocol::{ProtocolError, RemotingCodec, RemotingCommand};
use tokio::io::AsyncWrite;
use tokio_util::codec::Encoder;

/// Shared by the encoder and the socket wrapper of one session (same thread).
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    encoded: Rc<Cell<u64>>,
    written: Rc<Cell<u64>>,
}

impl Backlog {
    /// Bytes encoded but not yet written to the socket.
    pub fn pending(&self) -> u64 {
        self.encoded.get().saturating_sub(self.written.get())
    }
}

/// The frame encoder, counting what it adds to the write buffer.
pub struct CountingEncoder {
    inner: RemotingCodec,
    backlog: Backlog,
}

impl CountingEncoder {
    pub fn new(inner: RemotingCodec, backlog: Backlog) -> Self {
        CountingEncoder { inner, backlog }
    }
}

impl Encoder<RemotingCommand> for CountingEncoder {
    type Error = ProtocolError;

    fn encode(&mut self, item: RemotingCommand, dst: &mut BytesMut) -> Result<(), Self::Error> {
        let before = dst.len();
        self.inner.encode(item, dst)?;
        let added = (dst.len() - before) as u64;
        self.backlog.encoded.set(self.backlog.encoded.get() + added);
        Ok(())
    }
}

/// The socket's write half, counting what the kernel accepted.
pub struct CountingWriter<W> {
    inner: W,
    backlog: Backlog,
}

impl<W> CountingWriter<W> {
    pub fn new(inner: W, backlog: Backlog) -> Self {
        CountingWriter { inner, backlog }
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for CountingWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            let written = &self.backlog.written;
            written.set(written.get() + n as u64);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(flavor = "current_thread")]
    async fn pending_is_encoded_minus_written() {
        let backlog = Backlog::default();
        let mut encoder = CountingEncoder::new(RemotingCodec::new(1 << 20), backlog.clone());
        let mut buffer = BytesMut::new();
        encoder
            .encode(RemotingCommand::request(105, None), &mut buffer)
            .unwrap();
        assert_eq!(backlog.pending(), buffer.len() as u64);

        let mut sink = CountingWriter::new(Vec::new(), backlog.clone());
        sink.write_all(&buffer[..10]).await.unwrap();
        assert_eq!(backlog.pending(), buffer.len() as u64 - 10);
        sink.write_all(&buffer[10..]).await.unwrap();
        assert_eq!(backlog.pending(), 0);
    }
}
