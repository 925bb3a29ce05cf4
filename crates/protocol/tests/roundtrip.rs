//! Property tests of the wire layer as a whole: a command we write reads back in both header
//! encodings however the byte stream is cut, the binary encoding's one lossy rule (an empty
//! string is a null) is exactly the one documented, no byte sequence makes the decoder panic,
//! and typed headers survive a trip through a real frame.

use bytes::{Bytes, BytesMut};
use namesrv_protocol::code::{visit_all_headers, HeaderVisitor};
use namesrv_protocol::frame::{encode_frame, RemotingCodec};
use namesrv_protocol::headers::{
    BrokerHeartbeatRequestHeader, CommandHeader, RegisterBrokerRequestHeader,
};
use namesrv_protocol::{ExtFields, LanguageCode, ProtocolError, RemotingCommand, SerializeType};
use proptest::prelude::*;
use proptest::sample::Index;
use tokio_util::codec::Decoder;

/// Characters that stress both encoders: JSON escapes, control characters, multi-byte UTF-8.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => any::<char>(),
        4 => proptest::char::range('a', 'z'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => (0u8..0x20).prop_map(char::from),
        1 => Just('\u{7f}'),
        1 => Just('\u{2028}'),
        1 => Just('é'),
        1 => Just('😀'),
    ]
}

fn text(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(text_char(), len).prop_map(String::from_iter)
}

fn language() -> impl Strategy<Value = LanguageCode> {
    (0u8..14).prop_map(|byte| LanguageCode::from_byte(byte).expect("14 known languages"))
}

/// Ext fields with unique keys. `min_len` 1 keeps the map and its strings non-empty
/// (duplicate keys collapse, but never below one entry).
fn ext_fields(min_len: usize) -> impl Strategy<Value = ExtFields> {
    proptest::collection::vec((text(min_len..12), text(min_len..40)), min_len..8)
        .prop_map(|pairs| pairs.into_iter().collect::<ExtFields>())
}

/// A command in `encoding`. With `allow_empty` false it avoids the values the binary
/// encoding cannot carry: empty remarks, empty keys or values, and an empty map.
fn command(encoding: SerializeType, allow_empty: bool) -> BoxedStrategy<RemotingCommand> {
    let min_len = usize::from(!allow_empty);
    // The binary header has 16-bit code and version fields.
    let (code, version) = match encoding {
        SerializeType::Json => (any::<i32>().boxed(), any::<i32>().boxed()),
        SerializeType::RocketMq => (
            any::<i16>().prop_map(i32::from).boxed(),
            any::<i16>().prop_map(i32::from).boxed(),
        ),
    };
    (
        code,
        language(),
        version,
        any::<i32>(),
        any::<i32>(),
        proptest::option::of(text(min_len..60)),
        proptest::option::of(ext_fields(min_len)),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(
            move |(code, language, version, opaque, flag, remark, ext_fields, body)| {
                RemotingCommand {
                    code,
                    language: Some(language),
                    version,
                    opaque,
                    flag,
                    remark,
                    ext_fields,
                    serialize_type: encoding,
                    body: Bytes::from(body),
                }
            },
        )
        .boxed()
}

/// A command that round-trips exactly, in either encoding.
fn exact_command() -> BoxedStrategy<RemotingCommand> {
    prop_oneof![
        command(SerializeType::Json, true),
        command(SerializeType::RocketMq, false),
    ]
    .boxed()
}

/// What the binary encoding makes of `command`: empty strings are nulls, and a map left
/// with no entries is no map.
fn binary_normalised(mut command: RemotingCommand) -> RemotingCommand {
    command.remark = command.remark.filter(|r| !r.is_empty());
    command.ext_fields = command
        .ext_fields
        .map(|f| {
            f.iter()
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .collect::<ExtFields>()
        })
        .filter(|f| !f.is_empty());
    command
}

/// Sorted, distinct cut points inside `len`.
fn cut_points(len: usize, picks: &[Index]) -> Vec<usize> {
    let mut cuts: Vec<usize> = picks.iter().map(|i| i.index(len + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Feeds `bytes` to a fresh decoder in pieces ending at `cuts`, decoding after each piece as
/// a socket reader would. Stops at the first error.
fn decode_in_pieces(
    codec: &mut RemotingCodec,
    bytes: &[u8],
    cuts: &[usize],
) -> Result<(Vec<RemotingCommand>, usize), ProtocolError> {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&bytes.len())) {
        buf.extend_from_slice(&bytes[start..end]);
        start = end;
        while let Some(command) = codec.decode(&mut buf)? {
            out.push(command);
        }
    }
    Ok((out, buf.len()))
}

fn round_trip(command: &RemotingCommand) -> RemotingCommand {
    let mut frame = encode_frame(command).expect("a small command encodes");
    let decoded = RemotingCodec::default()
        .decode(&mut frame)
        .expect("our own frame decodes")
        .expect("a whole frame is a command");
    assert!(frame.is_empty(), "the frame was consumed exactly");
    decoded
}

proptest! {
    #[test]
    fn json_frames_round_trip_exactly(command in command(SerializeType::Json, true)) {
        prop_assert_eq!(round_trip(&command), command);
    }

    #[test]
    fn binary_frames_round_trip_exactly_without_empty_strings(
        command in command(SerializeType::RocketMq, false)
    ) {
        prop_assert_eq!(round_trip(&command), command);
    }

    #[test]
    fn binary_frames_turn_empty_strings_into_absent_fields(
        command in command(SerializeType::RocketMq, true)
    ) {
        let decoded = round_trip(&command);
        if let Some(fields) = &decoded.ext_fields {
            prop_assert!(fields.iter().all(|(k, v)| !k.is_empty() && !v.is_empty()));
        }
        prop_assert_ne!(decoded.remark.as_deref(), Some(""));
        prop_assert_eq!(decoded, binary_normalised(command));
    }

    #[test]
    fn a_stream_cut_anywhere_decodes_to_the_same_commands(
        commands in proptest::collection::vec(exact_command(), 1..6),
        picks in proptest::collection::vec(any::<Index>(), 0..12),
    ) {
        let mut stream = BytesMut::new();
        for command in &commands {
            stream.extend_from_slice(&encode_frame(command).expect("encodes"));
        }
        let cuts = cut_points(stream.len(), &picks);
        let (decoded, left) = decode_in_pieces(&mut RemotingCodec::default(), &stream, &cuts)
            .expect("a valid stream decodes");
        prop_assert_eq!(decoded, commands);
        prop_assert_eq!(left, 0);
    }

    #[test]
    fn random_bytes_never_panic_the_decoder(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        picks in proptest::collection::vec(any::<Index>(), 0..8),
        max in prop_oneof![Just(namesrv_protocol::frame::DEFAULT_MAX_FRAME_LENGTH), 8usize..1024],
    ) {
        let cuts = cut_points(bytes.len(), &picks);
        let _ = decode_in_pieces(&mut RemotingCodec::new(max), &bytes, &cuts);
    }

    /// Random bytes almost never get past the length check; these frames have consistent
    /// lengths, so the garbage reaches the header decoders.
    #[test]
    fn well_framed_garbage_never_panics_the_decoder(
        type_byte in prop_oneof![3 => 0u8..2, 1 => any::<u8>()],
        header in proptest::collection::vec(any::<u8>(), 0..300),
        body in proptest::collection::vec(any::<u8>(), 0..16),
        header_len_delta in -3i64..3,
        picks in proptest::collection::vec(any::<Index>(), 0..4),
    ) {
        let header_len = (header.len() as i64 + header_len_delta).clamp(0, 0xFF_FFFF) as u32;
        let total = 4 + header.len() + body.len();
        let mut frame = Vec::with_capacity(4 + total);
        frame.extend_from_slice(&(total as u32).to_be_bytes());
        frame.extend_from_slice(&(u32::from(type_byte) << 24 | header_len).to_be_bytes());
        frame.extend_from_slice(&header);
        frame.extend_from_slice(&body);
        let cuts = cut_points(frame.len(), &picks);
        let _ = decode_in_pieces(&mut RemotingCodec::default(), &frame, &cuts);
    }

    /// Garbage that starts like a real header, so it gets deeper into each parser.
    #[test]
    fn mutated_valid_frames_never_panic_the_decoder(
        command in exact_command(),
        flips in proptest::collection::vec((any::<Index>(), any::<u8>()), 1..6),
    ) {
        let mut frame = encode_frame(&command).expect("encodes").to_vec();
        // Leave the length prefix alone so the frame is complete and gets decoded.
        let len = frame.len() - 4;
        for (at, byte) in flips {
            frame[4 + at.index(len)] = byte;
        }
        let _ = decode_in_pieces(&mut RemotingCodec::default(), &frame, &[]);
    }
}

/// Decodes `ext` as every typed header of both request tables; whatever decodes must
/// re-encode to the same value.
fn decode_every_header(ext: Option<&ExtFields>) {
    struct ReEncodes<'a>(Option<&'a ExtFields>);
    impl HeaderVisitor for ReEncodes<'_> {
        fn visit<H: CommandHeader + PartialEq + std::fmt::Debug>(
            &mut self,
            _: i32,
            _: &'static str,
        ) {
            if let Ok(header) = H::from_ext(self.0) {
                assert_eq!(H::from_ext(Some(&header.to_ext())), Ok(header));
            }
        }
    }
    visit_all_headers(&mut ReEncodes(ext));
}

/// Header field names, so random maps hit real fields often.
const FIELD_NAMES: &[&str] = &[
    "namespace",
    "key",
    "value",
    "brokerName",
    "brokerAddr",
    "clusterName",
    "haServerAddr",
    "brokerId",
    "heartbeatTimeoutMillis",
    "enableActingMaster",
    "compressed",
    "bodyCrc32",
    "masterAddr",
    "changed",
    "epoch",
    "maxOffset",
    "confirmOffset",
    "heartbeatTimeoutMills",
    "electionPriority",
    "minBrokerId",
    "minBrokerAddr",
    "offlineBrokerAddr",
    "haBrokerAddr",
    "topic",
    "acceptStandardJsonOnly",
    "wipeTopicCount",
    "addTopicCount",
    "cluster",
    "masterBrokerId",
    "masterEpoch",
    "masterAddress",
    "syncStateSetEpoch",
    "newSyncStateSetEpoch",
    "invokeTime",
    "designateElect",
    "brokerAddress",
    "appliedBrokerId",
    "registerCheckCode",
    "nextBrokerId",
    "brokerControllerIdsToClean",
    "isCleanLivingBroker",
    "isLeader",
    "controllerLeaderId",
];

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        text(0..20),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<i32>().prop_map(|n| n.to_string()),
        prop::sample::select(vec!["true", "TRUE", "false", "yes", "+1", "-0", ""])
            .prop_map(str::to_owned),
    ]
}

fn random_register() -> impl Strategy<Value = RegisterBrokerRequestHeader> {
    (
        (text(1..20), text(1..20), text(1..20), text(1..20)),
        any::<i64>(),
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<bool>()),
        any::<bool>(),
        any::<i32>(),
    )
        .prop_map(
            |((name, addr, cluster, ha), id, timeout, acting, compressed, crc)| {
                RegisterBrokerRequestHeader {
                    broker_name: name,
                    broker_addr: addr,
                    cluster_name: cluster,
                    ha_server_addr: ha,
                    broker_id: id,
                    heartbeat_timeout_millis: timeout,
                    enable_acting_master: acting,
                    compressed,
                    body_crc32: crc,
                }
            },
        )
}

fn random_heartbeat() -> impl Strategy<Value = BrokerHeartbeatRequestHeader> {
    use proptest::option::of;
    (
        (text(1..20), text(1..20), text(1..20)),
        (of(any::<i64>()), of(any::<i32>()), of(any::<i64>())),
        (of(any::<i64>()), of(any::<i64>()), of(any::<i32>())),
    )
        .prop_map(
            |((cluster, addr, name), (id, epoch, max), (confirm, timeout, priority))| {
                BrokerHeartbeatRequestHeader {
                    cluster_name: cluster,
                    broker_addr: addr,
                    broker_name: name,
                    broker_id: id,
                    epoch,
                    max_offset: max,
                    confirm_offset: confirm,
                    heartbeat_timeout_mills: timeout,
                    election_priority: priority,
                }
            },
        )
}

fn encoding() -> impl Strategy<Value = SerializeType> {
    prop_oneof![Just(SerializeType::Json), Just(SerializeType::RocketMq)]
}

/// Sends `header` in a request frame and reads it back from the decoded command.
fn through_a_frame<H: CommandHeader>(header: &H, encoding: SerializeType) -> H {
    let mut request = RemotingCommand::request(103, Some(header.to_ext()));
    request.serialize_type = encoding;
    H::from_ext(round_trip(&request).ext_fields.as_ref()).expect("our own header decodes")
}

proptest! {
    #[test]
    fn header_decoders_never_panic_and_are_stable(
        pairs in proptest::collection::vec(
            (prop_oneof![3 => prop::sample::select(FIELD_NAMES).prop_map(str::to_owned), 1 => text(0..12)],
             header_value()),
            0..12,
        ),
        absent in any::<bool>(),
    ) {
        let ext: ExtFields = pairs.into_iter().collect();
        decode_every_header(if absent { None } else { Some(&ext) });
    }

    #[test]
    fn register_headers_survive_a_frame(header in random_register(), encoding in encoding()) {
        prop_assert_eq!(through_a_frame(&header, encoding), header);
    }

    #[test]
    fn heartbeat_headers_survive_a_frame(header in random_heartbeat(), encoding in encoding()) {
        prop_assert_eq!(through_a_frame(&header, encoding), header);
    }
}
