//! Answers on their way out: one buffer per connection, handed to the socket once per burst.
//!
//! actix's `FramedWrite` wrote each answer through its own writer task: every answer woke
//! it, and with shallow pipelines every answer became its own wake-up and write syscall.
//! Here answers are encoded into the outbox, and only the first answer after the outbox was
//! last emptied asks the session to schedule a flush. actix polls that flush after every
//! request future that completed in the same pass (futures spawned in a pass run in the
//! next), so the answers of one read burst leave in one write.
//!
//! The outbox is also the write backlog: its length is what was encoded for the peer and not
//! yet taken by the socket. actix buffered without limit; the session closes a connection
//! whose backlog is already past `maxWriteBacklogBytes` when the next answer is due. A single
//! large answer to an otherwise idle connection always goes out.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, BytesMut};
use namesrv_protocol::{ProtocolError, RemotingCodec, RemotingCommand};
use tokio::io::AsyncWrite;
use tokio_util::codec::Encoder;

pub struct Outbox<W> {
    buffer: BytesMut,
    codec: RemotingCodec,
    writer: W,
    /// A flush is scheduled and has not finished.
    flushing: bool,
    /// End the connection once everything is written.
    closing: bool,
}

/// What the session does next, once a flush wrote everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    KeepOpen,
    Close,
}

impl<W: AsyncWrite + Unpin> Outbox<W> {
    pub fn new(writer: W, codec: RemotingCodec) -> Self {
        Outbox {
            buffer: BytesMut::new(),
            codec,
            writer,
            flushing: false,
            closing: false,
        }
    }

    /// Bytes encoded but not yet taken by the socket.
    pub fn pending(&self) -> u64 {
        self.buffer.len() as u64
    }

    /// Encodes an answer. True if the caller must schedule a flush (none is under way).
    pub fn push(&mut self, answer: RemotingCommand) -> Result<bool, ProtocolError> {
        self.codec.encode(answer, &mut self.buffer)?;
        Ok(self.schedule())
    }

    /// Ends the connection after what is queued is written. True if the caller must
    /// schedule a flush.
    pub fn close_when_flushed(&mut self) -> bool {
        self.closing = true;
        self.schedule()
    }

    fn schedule(&mut self) -> bool {
        !std::mem::replace(&mut self.flushing, true)
    }

    /// Writes what is queued, in as few writes as the socket allows.
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Flushed>> {
        while !self.buffer.is_empty() {
            match ready!(Pin::new(&mut self.writer).poll_write(cx, &self.buffer)) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.buffer.advance(n),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        ready!(Pin::new(&mut self.writer).poll_flush(cx))?;
        self.flushing = false;
        Poll::Ready(Ok(if self.closing {
            Flushed::Close
        } else {
            Flushed::KeepOpen
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket that takes at most `room` bytes in all and records each write's size.
    #[derive(Default)]
    struct Socket {
        writes: Vec<usize>,
        room: usize,
    }

    impl AsyncWrite for Socket {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let n = buf.len().min(self.room);
            if n == 0 {
                return Poll::Pending;
            }
            self.room -= n;
            self.writes.push(n);
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn answer(opaque: i32) -> RemotingCommand {
        let mut a = RemotingCommand::request(105, None).with_body(vec![b'x'; 100]);
        a.opaque = opaque;
        a
    }

    fn flush(outbox: &mut Outbox<Socket>) -> Poll<io::Result<Flushed>> {
        let waker = futures_util::task::noop_waker();
        outbox.poll_flush(&mut Context::from_waker(&waker))
    }

    #[test]
    fn answers_queued_before_a_flush_leave_in_one_write() {
        let socket = Socket {
            room: usize::MAX,
            ..Socket::default()
        };
        let mut outbox = Outbox::new(socket, RemotingCodec::default());
        assert!(
            outbox.push(answer(1)).unwrap(),
            "the first answer schedules"
        );
        assert!(!outbox.push(answer(2)).unwrap(), "the rest ride along");
        assert!(!outbox.push(answer(3)).unwrap());
        let queued = outbox.pending() as usize;
        assert!(matches!(
            flush(&mut outbox),
            Poll::Ready(Ok(Flushed::KeepOpen))
        ));
        assert_eq!(outbox.writer.writes, [queued]);
        assert_eq!(outbox.pending(), 0);
        assert!(
            outbox.push(answer(4)).unwrap(),
            "a new burst schedules again"
        );
    }

    #[test]
    fn pending_is_what_the_socket_has_not_taken() {
        let mut outbox = Outbox::new(Socket::default(), RemotingCodec::default());
        outbox.push(answer(1)).unwrap();
        let queued = outbox.pending();
        outbox.writer.room = 10;
        assert!(flush(&mut outbox).is_pending());
        assert_eq!(outbox.pending(), queued - 10);
        assert!(!outbox.push(answer(2)).unwrap(), "still flushing");
        outbox.writer.room = usize::MAX;
        assert!(!outbox.close_when_flushed(), "a flush is already due");
        assert!(matches!(
            flush(&mut outbox),
            Poll::Ready(Ok(Flushed::Close))
        ));
        assert_eq!(outbox.pending(), 0);
    }
}
