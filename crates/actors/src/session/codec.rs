//! The session's decoder: the protocol codec plus a clock for half-received frames.
//!
//! The frame codec is pure and knows no time; the session needs to notice a peer that
//! starts a frame and then drips it (or stops). The wrapper records when the read buffer
//! started holding an incomplete frame, in a cell the session's timer reads. Session, stream
//! and timer live on one thread, so a plain `Rc<Cell>` is enough.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use namesrv_protocol::{ProtocolError, RemotingCodec, RemotingCommand};
use tokio_util::codec::Decoder;

/// Since when the read buffer has held an incomplete frame, if it does.
#[derive(Debug, Clone, Default)]
pub struct PartialFrameClock(Rc<Cell<Option<Instant>>>);

impl PartialFrameClock {
    pub fn waiting_longer_than(&self, limit: Duration) -> bool {
        self.0.get().is_some_and(|since| since.elapsed() > limit)
    }
}

pub struct TimedDecoder {
    inner: RemotingCodec,
    clock: PartialFrameClock,
}

impl TimedDecoder {
    pub fn new(inner: RemotingCodec, clock: PartialFrameClock) -> Self {
        Self { inner, clock }
    }
}

impl Decoder for TimedDecoder {
    type Item = RemotingCommand;
    type Error = ProtocolError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<RemotingCommand>, ProtocolError> {
        let decoded = self.inner.decode(src)?;
        let cell = &self.clock.0;
        match (&decoded, src.is_empty()) {
            // A frame completed: whatever follows may be whole too. The framed reader calls
            // again at once, and the clock starts there if it is not (a clock read per
            // pipelined request would cost more than the rest of its decoding).
            (Some(_), _) | (None, true) => cell.set(None),
            (None, false) => {
                if cell.get().is_none() {
                    cell.set(Some(Instant::now()));
                }
            }
        }
        Ok(decoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use namesrv_protocol::frame::encode_frame;

    #[test]
    fn the_clock_runs_only_while_a_frame_is_incomplete() {
        let clock = PartialFrameClock::default();
        let mut decoder = TimedDecoder::new(RemotingCodec::default(), clock.clone());
        let frame = encode_frame(&RemotingCommand::request(105, None)).unwrap();
        let mut buf = BytesMut::from(&frame[..5]);
        assert!(decoder.decode(&mut buf).unwrap().is_none());
        assert!(clock.0.get().is_some());
        assert!(clock.waiting_longer_than(Duration::ZERO));
        buf.extend_from_slice(&frame[5..]);
        assert!(decoder.decode(&mut buf).unwrap().is_some());
        assert!(clock.0.get().is_none());
        assert!(!clock.waiting_longer_than(Duration::ZERO));
    }
}
