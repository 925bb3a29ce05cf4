//! Taking a PROXY protocol preamble off a new connection, before TLS is decided.
//!
//! A balancer writes the preamble in front of everything else, a TLS handshake included,
//! so it is read first, as Java does. Nothing past the preamble is consumed: the socket is
//! only peeked, and exactly the preamble's bytes are then read off it, so whatever arrived
//! with it in the same segment (a frame, a ClientHello) stays in the socket for the TLS
//! decision and the session, and a connection without a preamble is not touched at all.
//! What the bytes mean is `namesrv_protocol::proxy_protocol`'s business.
//!
//! Once a preamble's first byte came, the whole preamble must follow within a deadline
//! (10 s: [`PREAMBLE_DEADLINE`]), so a balancer impostor cannot hold a connection
//! slot by dripping it.

use std::io;
use std::time::Duration;

use namesrv_protocol::proxy_protocol::{parse, Preamble, ProxyHeader, ProxyProtocolError};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// How long a preamble may take to arrive whole once it began.
pub const PREAMBLE_DEADLINE: Duration = Duration::from_secs(10);

/// Bytes peeked at a time while a preamble arrives.
const PEEK_CHUNK: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum PreambleError {
    #[error("sent nothing within {0:?}")]
    Silent(Duration),
    #[error("{0}")]
    Invalid(#[from] ProxyProtocolError),
    #[error("closed in the middle of its PROXY preamble")]
    Closed,
    #[error("its PROXY preamble did not arrive whole within {0:?}")]
    TimedOut(Duration),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl PreambleError {
    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            PreambleError::Silent(_) => "silent",
            PreambleError::Invalid(e) => e.label(),
            PreambleError::Closed => "closed",
            PreambleError::TimedOut(_) => "timed_out",
            PreambleError::Io(_) => "io",
        }
    }
}

/// The preamble `stream` starts with, taken off it; `None` when it starts with anything
/// else, or closes before its first byte (left for the next step to see). The first byte
/// is awaited for `first_byte` (`None`: as long as it takes), a begun preamble for
/// `deadline`.
pub async fn take_preamble(
    stream: &mut TcpStream,
    first_byte: Option<Duration>,
    deadline: Duration,
) -> Result<Option<ProxyHeader>, PreambleError> {
    let mut first = [0u8; 1];
    let peeked = match first_byte {
        Some(wait) => tokio::time::timeout(wait, stream.peek(&mut first))
            .await
            .map_err(|_| PreambleError::Silent(wait))??,
        None => stream.peek(&mut first).await?,
    };
    if peeked == 0 || parse(&first)? == Preamble::Absent {
        return Ok(None);
    }
    tokio::time::timeout(deadline, take_begun(stream))
        .await
        .map_err(|_| PreambleError::TimedOut(deadline))?
        .map(Some)
}

/// Every byte of an incomplete preamble belongs to it, so those peeked are read off at
/// once (peeking them again would return at once, and spin); of a complete one, only its
/// own.
async fn take_begun(stream: &mut TcpStream) -> Result<ProxyHeader, PreambleError> {
    let mut taken = Vec::new();
    let mut chunk = vec![0u8; PEEK_CHUNK];
    loop {
        let peeked = stream.peek(&mut chunk).await?;
        if peeked == 0 {
            return Err(PreambleError::Closed);
        }
        let before = taken.len();
        taken.extend_from_slice(&chunk[..peeked]);
        match parse(&taken)? {
            Preamble::Incomplete => {
                stream.read_exact(&mut chunk[..peeked]).await?;
            }
            Preamble::Complete { header, length } => {
                stream.read_exact(&mut chunk[..length - before]).await?;
                return Ok(header);
            }
            Preamble::Absent => return Err(ProxyProtocolError::Signature.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use namesrv_protocol::proxy_protocol::ProxySource;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    /// A connected pair on loopback: (our side, the peer's side).
    async fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (ours, _) = listener.accept().await.unwrap();
        (ours, peer)
    }

    const FRAME: &[u8] = &[0, 0, 0, 8, 0, 0, 0, 4, b'{', b'}', b' ', b' '];

    async fn rest(stream: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        stream.read_exact(&mut out).await.unwrap();
        out
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_preamble_in_one_segment_with_a_frame_leaves_the_frame() {
        runtime().block_on(async {
            let (mut ours, mut peer) = pair().await;
            let mut bytes = b"PROXY TCP4 10.0.0.7 127.0.0.1 51234 9876\r\n".to_vec();
            bytes.extend_from_slice(FRAME);
            peer.write_all(&bytes).await.unwrap();
            let header = take_preamble(&mut ours, None, PREAMBLE_DEADLINE)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(header.client(), Some("10.0.0.7:51234".parse().unwrap()));
            assert_eq!(rest(&mut ours, FRAME.len()).await, FRAME);
        });
    }

    #[test]
    fn a_preamble_split_across_reads_is_waited_for() {
        runtime().block_on(async {
            let (mut ours, mut peer) = pair().await;
            let mut bytes = namesrv_protocol::proxy_protocol::ProxyHeader {
                version: namesrv_protocol::proxy_protocol::ProxyVersion::V2,
                source: ProxySource::Local,
                tlvs: vec![],
            }
            .encode();
            bytes.extend_from_slice(FRAME);
            let writer = tokio::spawn(async move {
                for piece in bytes.chunks(5) {
                    peer.write_all(piece).await.unwrap();
                    peer.flush().await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                peer
            });
            let header = take_preamble(&mut ours, None, PREAMBLE_DEADLINE)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(header.source, ProxySource::Local);
            let _peer = writer.await.unwrap();
            assert_eq!(rest(&mut ours, FRAME.len()).await, FRAME);
        });
    }

    #[test]
    fn without_a_preamble_nothing_is_taken() {
        runtime().block_on(async {
            let (mut ours, mut peer) = pair().await;
            peer.write_all(FRAME).await.unwrap();
            assert!(take_preamble(&mut ours, None, PREAMBLE_DEADLINE)
                .await
                .unwrap()
                .is_none());
            assert_eq!(rest(&mut ours, FRAME.len()).await, FRAME);

            let (mut ours, peer) = pair().await;
            drop(peer);
            assert!(
                take_preamble(&mut ours, None, PREAMBLE_DEADLINE)
                    .await
                    .unwrap()
                    .is_none(),
                "a close before any byte is left to the session"
            );
        });
    }

    #[test]
    fn bad_truncated_silent_and_slow_preambles_are_errors() {
        runtime().block_on(async {
            let (mut ours, mut peer) = pair().await;
            peer.write_all(b"PROXY TCP4 10.0.0.7 nonsense 1 2\r\n")
                .await
                .unwrap();
            let e = take_preamble(&mut ours, None, PREAMBLE_DEADLINE)
                .await
                .unwrap_err();
            assert_eq!(e.label(), "v1_malformed");

            let (mut ours, mut peer) = pair().await;
            peer.write_all(b"PROXY TCP4 10.0.0.7").await.unwrap();
            drop(peer);
            let e = take_preamble(&mut ours, None, PREAMBLE_DEADLINE)
                .await
                .unwrap_err();
            assert!(matches!(e, PreambleError::Closed), "{e}");

            let (mut ours, _peer) = pair().await;
            let e = take_preamble(
                &mut ours,
                Some(Duration::from_millis(50)),
                PREAMBLE_DEADLINE,
            )
            .await
            .unwrap_err();
            assert!(matches!(e, PreambleError::Silent(_)), "{e}");
        });
    }

    #[test]
    fn a_dripping_preamble_times_out() {
        runtime().block_on(async {
            let (mut ours, mut peer) = pair().await;
            peer.write_all(b"PROXY ").await.unwrap();
            let e = take_preamble(&mut ours, None, Duration::from_millis(100))
                .await
                .unwrap_err();
            assert!(matches!(e, PreambleError::TimedOut(_)), "{e}");
        });
    }
}
