//! What a session reads from and writes to: a plain TCP connection or TLS over one.
//!
//! Two concrete halves behind an enum rather than boxed trait objects, so the plain path —
//! nearly all traffic — keeps its lock-free owned halves and static dispatch; TLS needs
//! `tokio::io::split`, since reads and writes share one TLS state.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

/// An accepted connection, before it is split.
pub enum Transport {
    Plain(TcpStream),
    /// With the client certificate's subject CN, when one was presented and verified.
    Tls {
        stream: Box<TlsStream<TcpStream>>,
        client_subject: Option<String>,
    },
}

pub enum Reader {
    Plain(OwnedReadHalf),
    Tls(ReadHalf<TlsStream<TcpStream>>),
}

pub enum Writer {
    Plain(OwnedWriteHalf),
    Tls(WriteHalf<TlsStream<TcpStream>>),
}

impl Transport {
    /// The halves, and the TLS client subject if any.
    pub fn split(self) -> (Reader, Writer, Option<String>) {
        match self {
            Transport::Plain(s) => {
                let (r, w) = s.into_split();
                (Reader::Plain(r), Writer::Plain(w), None)
            }
            Transport::Tls {
                stream,
                client_subject,
            } => {
                let (r, w) = tokio::io::split(*stream);
                (Reader::Tls(r), Writer::Tls(w), client_subject)
            }
        }
    }
}

impl AsyncRead for Reader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Reader::Plain(r) => Pin::new(r).poll_read(cx, buf),
            Reader::Tls(r) => Pin::new(r).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Writer {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Writer::Plain(w) => Pin::new(w).poll_write(cx, buf),
            Writer::Tls(w) => Pin::new(w).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Writer::Plain(w) => Pin::new(w).poll_flush(cx),
            Writer::Tls(w) => Pin::new(w).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Writer::Plain(w) => Pin::new(w).poll_shutdown(cx),
            Writer::Tls(w) => Pin::new(w).poll_shutdown(cx),
        }
    }
}
