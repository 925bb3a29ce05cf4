//! Bytes from a socket → `RemotingCodec`. Besides "no panic", two oracles: the stream decodes
//! to the same commands whether it arrives whole or one byte at a time, and every decoded
//! command re-encodes to a frame that decodes back to it (binary after its normalisation).

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use namesrv_protocol::frame::{encode_frame, RemotingCodec};
use namesrv_protocol::{LanguageCode, RemotingCommand, SerializeType};
use tokio_util::codec::Decoder;

/// Small enough that length fields near the limit are reachable from fuzz inputs.
const MAX_FRAME: usize = 64 * 1024;

/// Every command until the stream ends or fails, and whether it failed.
fn decode_stream<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> (Vec<RemotingCommand>, bool) {
    let mut codec = RemotingCodec::new(MAX_FRAME);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(command)) => out.push(command),
                Ok(None) => break,
                Err(_) => return (out, true),
            }
        }
    }
    (out, false)
}

/// What survives a trip through the command's own encoding.
fn normalised(mut command: RemotingCommand) -> RemotingCommand {
    if command.serialize_type == SerializeType::RocketMq {
        // The binary header has no "unknown language" byte, and a map section whose
        // entries were all nulls comes back as no map.
        command.language = command.language.or(Some(LanguageCode::OTHER));
        command.ext_fields = command.ext_fields.filter(|f| !f.is_empty());
    }
    command
}

fuzz_target!(|data: &[u8]| {
    let (whole, whole_failed) = decode_stream(std::iter::once(data));
    let (bytewise, bytewise_failed) = decode_stream(data.chunks(1));
    assert_eq!(
        whole, bytewise,
        "decoding depends on how the stream is split"
    );
    assert_eq!(whole_failed, bytewise_failed);

    for command in whole {
        let mut frame = encode_frame(&command).expect("a decoded command re-encodes");
        // Re-encoding may grow a header (numbers in extFields become quoted text).
        let again = RemotingCodec::default()
            .decode(&mut frame)
            .expect("our own frame decodes")
            .expect("our own frame is whole");
        assert!(frame.is_empty());
        assert_eq!(again, normalised(command));
    }
});
