//! Why a call failed, with the peer's address, so a caller talking to several replicas can
//! say which one.

use std::fmt;
use std::io;

use namesrv_protocol::ProtocolError;

#[derive(Debug)]
pub struct ClientError {
    pub addr: String,
    pub kind: ClientErrorKind,
}

#[derive(Debug)]
pub enum ClientErrorKind {
    /// The address resolved to no socket address.
    NoAddress,
    /// Resolving, connecting, writing or reading failed; timeouts included.
    Io(io::Error),
    /// The peer closed the connection before answering.
    Closed,
    /// A request could not be encoded, or the peer sent a frame that does not decode.
    Frame(ProtocolError),
}

impl fmt::Display for ClientErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientErrorKind::NoAddress => f.write_str("no address"),
            ClientErrorKind::Io(e) => write!(f, "{e}"),
            ClientErrorKind::Closed => f.write_str("connection closed"),
            ClientErrorKind::Frame(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.addr, self.kind)
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ClientErrorKind::Io(e) => Some(e),
            ClientErrorKind::Frame(e) => Some(e),
            ClientErrorKind::NoAddress | ClientErrorKind::Closed => None,
        }
    }
}
