//! Why a command failed, and what that means for the exit code and for trying another replica.
//!
//! The distinction that matters is between a replica that could not answer at all and one
//! that answered "no". A read moves on to the next replica in the first case — unreachable,
//! timed out, the connection closed, GO_AWAY from a draining or stopping replica, a port that
//! is not a name server — as RocketMQ clients do. It stops in the second: a refusal (or an
//! answer the tool's own checks reject) is what the replica holds, and another replica's
//! answer would hide it.
//!
//! Exit codes follow from the kind: 2 when something could not be reached or the command line
//! is wrong (clap exits 2 on usage errors too), 1 when a replica refused or answered nonsense.
//! When several replicas failed, 2 wins over 1.

use std::io::ErrorKind;
use std::time::Duration;

use namesrv_client::{ClientError, ClientErrorKind};
use namesrv_protocol::ProtocolError;
use serde_json::{json, Value};

/// The frame length a remoting client reads when the peer's answer starts with `HTTP`.
const HTTP_AS_FRAME_LENGTH: usize = u32::from_be_bytes(*b"HTTP") as usize;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{addr}: unreachable: {why}")]
    Unreachable { addr: String, why: String },
    #[error("{addr}: timed out after {ms} ms")]
    TimedOut { addr: String, ms: u128 },
    #[error("{addr}: closed the connection without answering")]
    Closed { addr: String },
    #[error("{addr}: going away (GO_AWAY: the replica is draining or stopping)")]
    GoingAway { addr: String },
    #[error("{addr} does not speak the RocketMQ remoting protocol (is it an HTTP port?): {why}")]
    NotRemoting { addr: String, why: String },
    #[error("{addr}: answered code {code}: {remark}")]
    Refused {
        addr: String,
        code: i32,
        remark: String,
    },
    #[error("{addr}: unreadable answer: {why}")]
    BadAnswer { addr: String, why: String },
    /// The replica answered, but what it answered shows the command did nothing useful there
    /// (an unknown cluster or broker).
    #[error("{addr}: {why}")]
    Rejected { addr: String, why: String },
    /// The tool will not ask this replica without a flag saying to.
    #[error("{addr}: {why}")]
    Declined { addr: String, why: String },
    #[error("HTTP endpoint {endpoint}: {why}")]
    Http { endpoint: String, why: String },
    #[error("{0}")]
    Usage(String),
    /// Every replica was tried and none answered; each attempt's error, in order.
    #[error("{}", none_answered(.0))]
    NoneAnswered(Vec<AdminError>),
    /// A controller node answered CONTROLLER_GET_METADATA_INFO without naming a leader (an
    /// election is under way, or too few nodes run for one).
    #[error(
        "{addr}: knows no controller leader (an election may be under way, or too few nodes run)"
    )]
    NoLeaderKnown { addr: String },
    /// Every controller address was asked for the leader and none led to one that answered;
    /// each attempt's error, in order.
    #[error("no controller leader could be reached ({} address(es) asked)", .0.len())]
    NoLeader(Vec<AdminError>),
}

fn none_answered(attempts: &[AdminError]) -> String {
    if attempts.iter().all(AdminError::tries_next) {
        format!("no replica was reachable ({} tried)", attempts.len())
    } else {
        format!("no replica answered ({} tried)", attempts.len())
    }
}

impl AdminError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AdminError::Unreachable { .. }
            | AdminError::TimedOut { .. }
            | AdminError::Closed { .. }
            | AdminError::GoingAway { .. }
            | AdminError::Declined { .. }
            | AdminError::Http { .. }
            | AdminError::NoLeaderKnown { .. }
            | AdminError::Usage(_) => 2,
            // CONTROLLER_NOT_LEADER: the request was not refused, there was nobody to decide it.
            AdminError::Refused { code: 2007, .. } => 2,
            AdminError::NotRemoting { .. }
            | AdminError::Refused { .. }
            | AdminError::BadAnswer { .. }
            | AdminError::Rejected { .. } => 1,
            AdminError::NoneAnswered(attempts) | AdminError::NoLeader(attempts) => {
                worst(attempts.iter().map(Self::exit_code))
            }
        }
    }

    /// Whether a read should ask the next replica: this one could not answer at all.
    pub fn tries_next(&self) -> bool {
        matches!(
            self,
            AdminError::Unreachable { .. }
                | AdminError::TimedOut { .. }
                | AdminError::Closed { .. }
                | AdminError::GoingAway { .. }
                | AdminError::NotRemoting { .. }
                | AdminError::NoLeaderKnown { .. }
        )
    }

    /// The replica the error is about, when it is about one.
    pub fn replica(&self) -> Option<&str> {
        match self {
            AdminError::Unreachable { addr, .. }
            | AdminError::TimedOut { addr, .. }
            | AdminError::Closed { addr }
            | AdminError::GoingAway { addr }
            | AdminError::NotRemoting { addr, .. }
            | AdminError::Refused { addr, .. }
            | AdminError::BadAnswer { addr, .. }
            | AdminError::Rejected { addr, .. }
            | AdminError::Declined { addr, .. }
            | AdminError::NoLeaderKnown { addr } => Some(addr),
            AdminError::Http { .. }
            | AdminError::Usage(_)
            | AdminError::NoneAnswered(_)
            | AdminError::NoLeader(_) => None,
        }
    }

    /// `{"error": …, "replica": …}`, plus every attempt when no replica answered.
    pub fn to_json(&self) -> Value {
        let mut value = json!({ "error": self.to_string(), "replica": self.replica() });
        if let AdminError::NoneAnswered(attempts) | AdminError::NoLeader(attempts) = self {
            value["attempts"] = attempts.iter().map(AdminError::to_json).collect();
        }
        value
    }
}

/// The exit code when several things failed: 2 (unreachable) over 1 (refused), 0 for none.
pub fn worst(codes: impl IntoIterator<Item = i32>) -> i32 {
    codes
        .into_iter()
        .fold(0, |worst, code| match (worst, code) {
            (2, _) | (_, 2) => 2,
            (w, c) => w.max(c),
        })
}

/// What a client error means for the command. `timeout` is the one the connection was given,
/// so a timed-out wait says how long it waited (the OS only says "Resource temporarily
/// unavailable").
pub fn from_client(e: ClientError, timeout: Option<Duration>) -> AdminError {
    let addr = e.addr;
    match e.kind {
        ClientErrorKind::NoAddress => AdminError::Unreachable {
            addr,
            why: "the name resolves to no address".into(),
        },
        ClientErrorKind::Closed => AdminError::Closed { addr },
        ClientErrorKind::Io(io) => from_io(addr, io, timeout),
        ClientErrorKind::Frame(ProtocolError::HeaderTooLargeToEncode(n)) => AdminError::Usage(
            format!("the request's header ({n} bytes) is too large to send"),
        ),
        ClientErrorKind::Frame(ProtocolError::Io(io)) => from_io(addr, io, timeout),
        ClientErrorKind::Frame(ProtocolError::FrameTooLarge { length, .. })
            if length.wrapping_sub(4) == HTTP_AS_FRAME_LENGTH =>
        {
            AdminError::NotRemoting {
                addr,
                why: "it answered in HTTP".into(),
            }
        }
        ClientErrorKind::Frame(frame) => AdminError::NotRemoting {
            addr,
            why: frame.to_string(),
        },
    }
}

fn from_io(addr: String, io: std::io::Error, timeout: Option<Duration>) -> AdminError {
    match io.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => AdminError::TimedOut {
            addr,
            ms: timeout.map_or(0, |t| t.as_millis()),
        },
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof => AdminError::Closed { addr },
        _ => AdminError::Unreachable {
            addr,
            why: io.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(kind: ErrorKind) -> ClientError {
        ClientError {
            addr: "127.0.0.1:1".into(),
            kind: ClientErrorKind::Io(std::io::Error::from(kind)),
        }
    }

    #[test]
    fn a_timed_out_read_says_how_long_it_waited() {
        let e = from_client(io(ErrorKind::WouldBlock), Some(Duration::from_millis(750)));
        assert_eq!(e.to_string(), "127.0.0.1:1: timed out after 750 ms");
        assert!(e.tries_next());
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn an_http_answer_is_named_as_such() {
        let e = from_client(
            ClientError {
                addr: "127.0.0.1:1".into(),
                kind: ClientErrorKind::Frame(ProtocolError::FrameTooLarge {
                    length: HTTP_AS_FRAME_LENGTH + 4,
                    max: 64 << 20,
                }),
            },
            None,
        );
        assert!(
            e.to_string()
                .contains("does not speak the RocketMQ remoting protocol (is it an HTTP port?)"),
            "{e}"
        );
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn unreachable_outranks_refused() {
        assert_eq!(worst([1, 2, 0]), 2);
        assert_eq!(worst([1, 0]), 1);
        assert_eq!(worst([]), 0);
        let refused = AdminError::Refused {
            addr: "a".into(),
            code: 16,
            remark: String::new(),
        };
        let closed = AdminError::Closed { addr: "b".into() };
        assert_eq!(
            AdminError::NoneAnswered(vec![refused, closed]).exit_code(),
            2
        );
    }
}
