//! The PROXY protocol preamble a load balancer puts before a relayed connection's bytes.
//!
//! HAProxy, AWS NLB and Kubernetes Services with proxy protocol on open their own TCP
//! connection to us and start it with one preamble naming the client they relay for; the
//! Java remoting server (5.1.4 and later) reads it on every port, so a name server behind
//! such a balancer must too. Two versions exist: v1 is one text line
//! (`PROXY TCP4 203.0.113.7 10.0.0.5 51234 9876\r\n`, at most 107 bytes), v2 a binary block
//! (a 12-byte signature, version and command, family, length, addresses, then
//! type-length-value extensions).
//!
//! A preamble cannot be confused with what else may start a connection here: a remoting
//! frame starts with its big-endian length, and a first byte of `P` (0x50) or 0x0D would
//! mean a frame over 1.3 GB, beyond any frame limit; a TLS handshake starts with 0x16.
//!
//! [`parse`] looks at the bytes received so far and says whether a preamble is absent,
//! still arriving, complete (and how long), or malformed. It never reads a socket, so a
//! caller can feed it whatever arrived, however the preamble was split, and it decides as
//! early as the bytes allow: a buffer that cannot begin a valid preamble is refused at once
//! rather than after the 107 or 65,551 bytes a preamble may take.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The longest v1 line, CRLF included.
pub const V1_MAX_LENGTH: usize = 107;

/// What every v2 preamble starts with.
pub const V2_SIGNATURE: [u8; 12] = [
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
];

/// Signature, version/command, family and the 16-bit length of the rest.
const V2_FIXED_LENGTH: usize = 16;

/// The longest v2 preamble: the fixed part and the largest block its length field allows.
pub const V2_MAX_LENGTH: usize = V2_FIXED_LENGTH + u16::MAX as usize;

const V1_PREFIX: &[u8] = b"PROXY ";

/// Address block sizes of the v2 families: IPv4 and IPv6 (two addresses, two ports) and
/// UNIX (two 108-byte paths).
const V2_INET_BLOCK: usize = 12;
const V2_INET6_BLOCK: usize = 36;
const V2_UNIX_BLOCK: usize = 216;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyVersion {
    V1,
    V2,
}

/// Whom the balancer says the connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxySource {
    /// The balancer's own connection (v2 LOCAL), typically a health check: the socket's
    /// own addresses are the real ones.
    Local,
    /// Relayed, but from an address the balancer does not give (v1 `UNKNOWN`, a v2 block of
    /// family UNSPEC or UNIX).
    Unknown,
    /// Relayed for `client`, which connected to `destination`.
    Inet {
        client: SocketAddr,
        destination: SocketAddr,
    },
}

/// One v2 extension (PP2_TYPE_*), kept as sent; none changes how we treat a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    pub kind: u8,
    pub value: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyHeader {
    pub version: ProxyVersion,
    pub source: ProxySource,
    /// v2 extensions, in order (always empty for v1 and for LOCAL).
    pub tlvs: Vec<Tlv>,
}

impl ProxyHeader {
    /// The relayed client's address, when the preamble names one.
    pub fn client(&self) -> Option<SocketAddr> {
        match self.source {
            ProxySource::Inet { client, .. } => Some(client),
            ProxySource::Local | ProxySource::Unknown => None,
        }
    }

    /// A short name for logs and metrics: `v1`, `v1_unknown`, `v2`, `v2_unknown`, `v2_local`.
    pub fn kind(&self) -> &'static str {
        match (self.version, self.source) {
            (ProxyVersion::V1, ProxySource::Inet { .. }) => "v1",
            (ProxyVersion::V1, _) => "v1_unknown",
            (ProxyVersion::V2, ProxySource::Inet { .. }) => "v2",
            (ProxyVersion::V2, ProxySource::Unknown) => "v2_unknown",
            (ProxyVersion::V2, ProxySource::Local) => "v2_local",
        }
    }

    /// The preamble's bytes in its version. v1 has no LOCAL, so LOCAL is written as
    /// `UNKNOWN`, and v1 carries no extensions; an IPv4 and an IPv6 address together are
    /// written as IPv6.
    pub fn encode(&self) -> Vec<u8> {
        match self.version {
            ProxyVersion::V1 => self.encode_v1(),
            ProxyVersion::V2 => self.encode_v2(),
        }
    }

    fn encode_v1(&self) -> Vec<u8> {
        let line = match self.source {
            ProxySource::Inet {
                client,
                destination,
            } => match same_family(client, destination) {
                (IpAddr::V4(c), IpAddr::V4(d)) => format!(
                    "PROXY TCP4 {c} {d} {} {}\r\n",
                    client.port(),
                    destination.port()
                ),
                (c, d) => format!(
                    "PROXY TCP6 {c} {d} {} {}\r\n",
                    client.port(),
                    destination.port()
                ),
            },
            ProxySource::Local | ProxySource::Unknown => "PROXY UNKNOWN\r\n".to_owned(),
        };
        line.into_bytes()
    }

    fn encode_v2(&self) -> Vec<u8> {
        let mut block = Vec::new();
        let (command, family) = match self.source {
            ProxySource::Local => (0x20, 0x00),
            ProxySource::Unknown => (0x21, 0x00),
            ProxySource::Inet {
                client,
                destination,
            } => match same_family(client, destination) {
                (IpAddr::V4(c), IpAddr::V4(d)) => {
                    block.extend_from_slice(&c.octets());
                    block.extend_from_slice(&d.octets());
                    block.extend_from_slice(&client.port().to_be_bytes());
                    block.extend_from_slice(&destination.port().to_be_bytes());
                    (0x21, 0x11)
                }
                (c, d) => {
                    block.extend_from_slice(&as_v6(c).octets());
                    block.extend_from_slice(&as_v6(d).octets());
                    block.extend_from_slice(&client.port().to_be_bytes());
                    block.extend_from_slice(&destination.port().to_be_bytes());
                    (0x21, 0x21)
                }
            },
        };
        if self.source != ProxySource::Local {
            for tlv in &self.tlvs {
                block.push(tlv.kind);
                block.extend_from_slice(&(tlv.value.len() as u16).to_be_bytes());
                block.extend_from_slice(&tlv.value);
            }
        }
        let mut out = Vec::with_capacity(V2_FIXED_LENGTH + block.len());
        out.extend_from_slice(&V2_SIGNATURE);
        out.push(command);
        out.push(family);
        out.extend_from_slice(&(block.len() as u16).to_be_bytes());
        out.extend_from_slice(&block);
        out
    }
}

fn same_family(a: SocketAddr, b: SocketAddr) -> (IpAddr, IpAddr) {
    match (a.ip(), b.ip()) {
        (IpAddr::V4(x), IpAddr::V4(y)) => (IpAddr::V4(x), IpAddr::V4(y)),
        (x, y) => (IpAddr::V6(as_v6(x)), IpAddr::V6(as_v6(y))),
    }
}

fn as_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// What the bytes received so far hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preamble {
    /// No preamble: the connection's first byte is already its payload's.
    Absent,
    /// A preamble has begun (or nothing arrived yet); every byte so far belongs to it.
    Incomplete,
    /// A whole preamble of `length` bytes; the payload starts right after it.
    Complete { header: ProxyHeader, length: usize },
}

/// A preamble that can never become valid, whatever follows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyProtocolError {
    #[error("starts like a PROXY preamble but does not carry its signature")]
    Signature,
    #[error("v1 line has no CRLF within {V1_MAX_LENGTH} bytes")]
    LineTooLong,
    #[error("v1 line is malformed: {0}")]
    Line(&'static str),
    #[error("v2 version {0} (only 2 is defined)")]
    Version(u8),
    #[error("v2 command {0} (0 is LOCAL, 1 is PROXY)")]
    Command(u8),
    #[error("v2 address family and transport byte 0x{0:02x} is not defined")]
    Family(u8),
    #[error("v2 block of {length} bytes is shorter than its addresses ({needed} bytes)")]
    ShortAddresses { length: usize, needed: usize },
    #[error("v2 extension (TLV) runs past the end of the block")]
    Tlv,
}

impl ProxyProtocolError {
    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            ProxyProtocolError::Signature => "signature",
            ProxyProtocolError::LineTooLong => "v1_too_long",
            ProxyProtocolError::Line(_) => "v1_malformed",
            ProxyProtocolError::Version(_) => "v2_version",
            ProxyProtocolError::Command(_) => "v2_command",
            ProxyProtocolError::Family(_) => "v2_family",
            ProxyProtocolError::ShortAddresses { .. } => "v2_short_addresses",
            ProxyProtocolError::Tlv => "v2_tlv",
        }
    }
}

/// What `received`, the first bytes of a connection, hold. Feeding it more bytes of the
/// same connection never turns a decision (absent, complete, error) into another.
pub fn parse(received: &[u8]) -> Result<Preamble, ProxyProtocolError> {
    match received.first() {
        None => Ok(Preamble::Incomplete),
        Some(b'P') => parse_v1(received),
        Some(0x0D) => parse_v2(received),
        Some(_) => Ok(Preamble::Absent),
    }
}

fn parse_v1(received: &[u8]) -> Result<Preamble, ProxyProtocolError> {
    let prefix = received.len().min(V1_PREFIX.len());
    if received[..prefix] != V1_PREFIX[..prefix] {
        return Err(ProxyProtocolError::Signature);
    }
    let window = &received[..received.len().min(V1_MAX_LENGTH)];
    for (i, &b) in window.iter().enumerate() {
        match b {
            b'\r' => match window.get(i + 1) {
                Some(b'\n') => {
                    let line = std::str::from_utf8(&window[..i])
                        .map_err(|_| ProxyProtocolError::Line("not ASCII"))?;
                    return Ok(Preamble::Complete {
                        header: v1_line(line)?,
                        length: i + 2,
                    });
                }
                Some(_) => return Err(ProxyProtocolError::Line("CR without LF")),
                None if i + 2 > V1_MAX_LENGTH => return Err(ProxyProtocolError::LineTooLong),
                None => return Ok(Preamble::Incomplete),
            },
            0x20..=0x7E => {}
            _ => {
                return Err(ProxyProtocolError::Line(
                    "a byte that is not printable ASCII",
                ))
            }
        }
    }
    if window.len() >= V1_MAX_LENGTH {
        Err(ProxyProtocolError::LineTooLong)
    } else {
        Ok(Preamble::Incomplete)
    }
}

/// `line` is printable ASCII without its CRLF.
fn v1_line(line: &str) -> Result<ProxyHeader, ProxyProtocolError> {
    let mut fields = line.split(' ');
    fields.next();
    let source = match fields.next() {
        Some("UNKNOWN") => ProxySource::Unknown,
        Some(protocol @ ("TCP4" | "TCP6")) => {
            let v4 = protocol == "TCP4";
            let mut next = || {
                fields
                    .next()
                    .ok_or(ProxyProtocolError::Line("too few fields"))
            };
            let (client, destination) = (next()?, next()?);
            let (client_port, destination_port) = (next()?, next()?);
            if fields.next().is_some() {
                return Err(ProxyProtocolError::Line("too many fields"));
            }
            ProxySource::Inet {
                client: SocketAddr::new(v1_address(client, v4)?, v1_port(client_port)?),
                destination: SocketAddr::new(
                    v1_address(destination, v4)?,
                    v1_port(destination_port)?,
                ),
            }
        }
        _ => {
            return Err(ProxyProtocolError::Line(
                "protocol is not TCP4, TCP6 or UNKNOWN",
            ))
        }
    };
    Ok(ProxyHeader {
        version: ProxyVersion::V1,
        source,
        tlvs: Vec::new(),
    })
}

fn v1_address(text: &str, v4: bool) -> Result<IpAddr, ProxyProtocolError> {
    if v4 {
        text.parse::<Ipv4Addr>()
            .map(IpAddr::V4)
            .map_err(|_| ProxyProtocolError::Line("TCP4 address is not IPv4"))
    } else {
        text.parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| ProxyProtocolError::Line("TCP6 address is not IPv6"))
    }
}

fn v1_port(text: &str) -> Result<u16, ProxyProtocolError> {
    let digits = !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| text.parse::<u16>().ok())
        .flatten()
        .ok_or(ProxyProtocolError::Line(
            "port is not a number from 0 to 65535",
        ))
}

fn parse_v2(received: &[u8]) -> Result<Preamble, ProxyProtocolError> {
    let signature = received.len().min(V2_SIGNATURE.len());
    if received[..signature] != V2_SIGNATURE[..signature] {
        return Err(ProxyProtocolError::Signature);
    }
    if let Some(&version_command) = received.get(12) {
        if version_command >> 4 != 2 {
            return Err(ProxyProtocolError::Version(version_command >> 4));
        }
        if version_command & 0x0F > 1 {
            return Err(ProxyProtocolError::Command(version_command & 0x0F));
        }
    }
    if let Some(&family) = received.get(13) {
        if family >> 4 > 3 || family & 0x0F > 2 {
            return Err(ProxyProtocolError::Family(family));
        }
    }
    if received.len() < V2_FIXED_LENGTH {
        return Ok(Preamble::Incomplete);
    }
    let block_length = usize::from(u16::from_be_bytes([received[14], received[15]]));
    let length = V2_FIXED_LENGTH + block_length;
    let Some(block) = received.get(V2_FIXED_LENGTH..length) else {
        return Ok(Preamble::Incomplete);
    };
    let local = received[12] & 0x0F == 0;
    let header = if local {
        ProxyHeader {
            version: ProxyVersion::V2,
            source: ProxySource::Local,
            tlvs: Vec::new(),
        }
    } else {
        v2_block(received[13] >> 4, block)?
    };
    Ok(Preamble::Complete { header, length })
}

/// The block of a PROXY command: addresses of `family`, then extensions.
fn v2_block(family: u8, block: &[u8]) -> Result<ProxyHeader, ProxyProtocolError> {
    let needed = match family {
        1 => V2_INET_BLOCK,
        2 => V2_INET6_BLOCK,
        3 => V2_UNIX_BLOCK,
        _ => 0,
    };
    let (addresses, extensions) =
        block
            .split_at_checked(needed)
            .ok_or(ProxyProtocolError::ShortAddresses {
                length: block.len(),
                needed,
            })?;
    let source = match family {
        1 => {
            let ip = |at: usize| {
                let mut octets = [0u8; 4];
                octets.copy_from_slice(&addresses[at..at + 4]);
                IpAddr::from(octets)
            };
            inet(addresses, ip(0), ip(4), 8)
        }
        2 => {
            let ip = |at: usize| {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(&addresses[at..at + 16]);
                IpAddr::from(octets)
            };
            inet(addresses, ip(0), ip(16), 32)
        }
        _ => ProxySource::Unknown,
    };
    Ok(ProxyHeader {
        version: ProxyVersion::V2,
        source,
        tlvs: tlvs(extensions)?,
    })
}

fn inet(block: &[u8], client: IpAddr, destination: IpAddr, ports_at: usize) -> ProxySource {
    let port = |at: usize| u16::from_be_bytes([block[at], block[at + 1]]);
    ProxySource::Inet {
        client: SocketAddr::new(client, port(ports_at)),
        destination: SocketAddr::new(destination, port(ports_at + 2)),
    }
}

/// The extensions in `rest`. One or two bytes after the last are too few to start another
/// and are ignored, as Java (Netty) ignores them; an extension longer than what is left is
/// an error, as there.
fn tlvs(mut rest: &[u8]) -> Result<Vec<Tlv>, ProxyProtocolError> {
    let mut out = Vec::new();
    while let [kind, high, low, ..] = *rest {
        let end = 3 + usize::from(u16::from_be_bytes([high, low]));
        let value = rest.get(3..end).ok_or(ProxyProtocolError::Tlv)?;
        out.push(Tlv {
            kind,
            value: value.to_vec(),
        });
        rest = &rest[end..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(bytes: &[u8]) -> (ProxyHeader, usize) {
        match parse(bytes) {
            Ok(Preamble::Complete { header, length }) => (header, length),
            other => panic!(
                "{:?}: {other:?}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(120)])
            ),
        }
    }

    fn inet(client: &str, destination: &str) -> ProxySource {
        ProxySource::Inet {
            client: client.parse().unwrap(),
            destination: destination.parse().unwrap(),
        }
    }

    /// A route query frame's first bytes: what follows a preamble in one segment.
    const FRAME: &[u8] = &[0, 0, 0, 0x40, 0, 0, 0, 0x30, b'{'];

    #[test]
    fn v1_lines_name_the_client() {
        let mut bytes = b"PROXY TCP4 203.0.113.7 10.0.0.5 51234 9876\r\n".to_vec();
        let line = bytes.len();
        bytes.extend_from_slice(FRAME);
        let (header, length) = complete(&bytes);
        assert_eq!(length, line, "the frame after the line is not consumed");
        assert_eq!(header.version, ProxyVersion::V1);
        assert_eq!(header.source, inet("203.0.113.7:51234", "10.0.0.5:9876"));
        assert_eq!(header.client(), Some("203.0.113.7:51234".parse().unwrap()));
        assert_eq!(header.kind(), "v1");

        let (header, _) = complete(b"PROXY TCP6 2001:db8::7 ::1 65535 0\r\n");
        assert_eq!(header.source, inet("[2001:db8::7]:65535", "[::1]:0"));

        for unknown in [
            &b"PROXY UNKNOWN\r\n"[..],
            b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n",
        ] {
            let (header, length) = complete(unknown);
            assert_eq!(header.source, ProxySource::Unknown);
            assert_eq!(header.client(), None);
            assert_eq!(length, unknown.len());
        }
    }

    #[test]
    fn the_longest_v1_line_is_107_bytes() {
        let longest = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        assert_eq!(longest.len(), V1_MAX_LENGTH);
        assert_eq!(complete(longest.as_bytes()).1, V1_MAX_LENGTH);

        let padded = format!("PROXY UNKNOWN {}\r\n", "x".repeat(92));
        assert_eq!(padded.len(), 108);
        assert_eq!(
            parse(padded.as_bytes()),
            Err(ProxyProtocolError::LineTooLong)
        );
        assert_eq!(
            parse(&padded.as_bytes()[..106]),
            Ok(Preamble::Incomplete),
            "no CRLF yet, and room for one"
        );
        assert_eq!(
            parse(&padded.as_bytes()[..107]),
            Err(ProxyProtocolError::LineTooLong),
            "107 bytes and no CRLF: it cannot end in time"
        );
        assert_eq!(
            parse(
                &padded.as_bytes()[..106]
                    .iter()
                    .chain(b"\r")
                    .copied()
                    .collect::<Vec<_>>()
            ),
            Err(ProxyProtocolError::LineTooLong),
            "a CR at the 107th byte leaves no room for its LF"
        );
    }

    #[test]
    fn malformed_v1_lines_are_refused() {
        for (line, why) in [
            (
                &b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"[..],
                "too many fields",
            ),
            (b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "too few fields"),
            (b"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "too many fields"),
            (b"PROXY TCP4 ::1 ::1 1 2\r\n", "TCP4 address is not IPv4"),
            (
                b"PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",
                "TCP6 address is not IPv6",
            ),
            (
                b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
                "port is not a number from 0 to 65535",
            ),
            (
                b"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",
                "port is not a number from 0 to 65535",
            ),
            (
                b"PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n",
                "port is not a number from 0 to 65535",
            ),
            (
                b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
                "protocol is not TCP4, TCP6 or UNKNOWN",
            ),
            (b"PROXY \r\n", "protocol is not TCP4, TCP6 or UNKNOWN"),
            (
                b"PROXY TCP4 1.2.3.4\n",
                "a byte that is not printable ASCII",
            ),
            (b"PROXY TCP4 1.2.3.4\rX", "CR without LF"),
            (
                b"PROXY UNKNOWN \xff\r\n",
                "a byte that is not printable ASCII",
            ),
        ] {
            assert_eq!(
                parse(line),
                Err(ProxyProtocolError::Line(why)),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        for not_proxy in [&b"PROXX"[..], b"P", b"PROXY", b"Proxy TCP4"] {
            let result = parse(not_proxy);
            assert!(
                matches!(
                    result,
                    Ok(Preamble::Incomplete) | Err(ProxyProtocolError::Signature)
                ),
                "{not_proxy:?}: {result:?}"
            );
        }
        assert_eq!(parse(b"PROXX"), Err(ProxyProtocolError::Signature));
        assert_eq!(parse(b"Proxy"), Err(ProxyProtocolError::Signature));
        assert_eq!(parse(b"PROXY"), Ok(Preamble::Incomplete));
    }

    fn v2(command: u8, family: u8, block: &[u8]) -> Vec<u8> {
        let mut out = V2_SIGNATURE.to_vec();
        out.push(command);
        out.push(family);
        out.extend_from_slice(&(block.len() as u16).to_be_bytes());
        out.extend_from_slice(block);
        out
    }

    #[test]
    fn v2_blocks_name_the_client_and_keep_extensions() {
        let mut block = vec![203, 0, 113, 7, 10, 0, 0, 5, 0xC8, 0x22, 0x26, 0x94];
        block.extend_from_slice(&[0xEA, 0, 3, b'v', b'p', b'c', 0x04, 0, 0]);
        let mut bytes = v2(0x21, 0x11, &block);
        let preamble = bytes.len();
        bytes.extend_from_slice(FRAME);
        let (header, length) = complete(&bytes);
        assert_eq!(length, preamble);
        assert_eq!(header.version, ProxyVersion::V2);
        assert_eq!(header.source, inet("203.0.113.7:51234", "10.0.0.5:9876"));
        assert_eq!(
            header.tlvs,
            vec![
                Tlv {
                    kind: 0xEA,
                    value: b"vpc".to_vec()
                },
                Tlv {
                    kind: 0x04,
                    value: vec![]
                }
            ]
        );
        assert_eq!(header.kind(), "v2");

        let mut six = Vec::new();
        six.extend_from_slice(&"2001:db8::7".parse::<Ipv6Addr>().unwrap().octets());
        six.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        six.extend_from_slice(&[0, 80, 0x26, 0x94]);
        let (header, _) = complete(&v2(0x21, 0x21, &six));
        assert_eq!(header.source, inet("[2001:db8::7]:80", "[::1]:9876"));
    }

    #[test]
    fn v2_local_unspec_and_unix_name_no_client() {
        let (local, length) = complete(&v2(0x20, 0x00, &[]));
        assert_eq!(local.source, ProxySource::Local);
        assert_eq!(length, 16);
        assert_eq!(local.kind(), "v2_local");
        let (local, length) = complete(&v2(0x20, 0x11, &[1, 2, 3]));
        assert_eq!(
            (local.source, length),
            (ProxySource::Local, 19),
            "LOCAL ignores what its block says"
        );
        let (unspec, _) = complete(&v2(0x21, 0x00, &[]));
        assert_eq!(unspec.source, ProxySource::Unknown);
        let (unix, _) = complete(&v2(0x21, 0x31, &[0; 216]));
        assert_eq!(unix.source, ProxySource::Unknown);
        assert_eq!(unix.kind(), "v2_unknown");
    }

    #[test]
    fn malformed_v2_blocks_are_refused_as_early_as_their_bytes_allow() {
        assert_eq!(
            parse(&[0x0D, 0x0A, 0x0D, 0x0B]),
            Err(ProxyProtocolError::Signature)
        );
        assert_eq!(parse(&V2_SIGNATURE[..7]), Ok(Preamble::Incomplete));
        let mut early = V2_SIGNATURE.to_vec();
        early.push(0x11);
        assert_eq!(parse(&early), Err(ProxyProtocolError::Version(1)));
        early[12] = 0x22;
        assert_eq!(parse(&early), Err(ProxyProtocolError::Command(2)));
        early[12] = 0x21;
        early.push(0x41);
        assert_eq!(parse(&early), Err(ProxyProtocolError::Family(0x41)));
        early[13] = 0x13;
        assert_eq!(parse(&early), Err(ProxyProtocolError::Family(0x13)));
        assert_eq!(
            parse(&v2(0x21, 0x11, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])),
            Err(ProxyProtocolError::ShortAddresses {
                length: 11,
                needed: 12
            })
        );
        let mut overrun = vec![0; 12];
        overrun.extend_from_slice(&[0x01, 0, 5, b'h', b'2']);
        assert_eq!(
            parse(&v2(0x21, 0x11, &overrun)),
            Err(ProxyProtocolError::Tlv)
        );
        let mut stub = vec![0; 12];
        stub.extend_from_slice(&[0x02, 0, 1, b'x', 0x01, 0]);
        let (header, _) = complete(&v2(0x21, 0x11, &stub));
        assert_eq!(
            header.tlvs,
            vec![Tlv {
                kind: 0x02,
                value: b"x".to_vec()
            }],
            "a tail too short for an extension is ignored, as by Java"
        );
    }

    #[test]
    fn v2_waits_for_its_whole_block_up_to_the_largest() {
        let mut block = vec![127, 0, 0, 1, 127, 0, 0, 1, 0, 1, 0, 2];
        block.extend_from_slice(&[0x05, 0xFF, 0xF0]);
        block.resize(u16::MAX as usize, 0xAB);
        let whole = v2(0x21, 0x11, &block);
        assert_eq!(whole.len(), V2_MAX_LENGTH);
        for cut in [1, 12, 15, 16, 17, 30, V2_MAX_LENGTH - 1] {
            assert_eq!(parse(&whole[..cut]), Ok(Preamble::Incomplete), "{cut}");
        }
        let (header, length) = complete(&whole);
        assert_eq!(length, V2_MAX_LENGTH);
        assert_eq!(header.tlvs[0].value.len(), 0xFFF0);
    }

    #[test]
    fn frames_and_tls_have_no_preamble() {
        for first in [0x00, 0x01, 0x16, 0x4F, 0x51, 0x0C, 0x0E, 0xFF] {
            assert_eq!(parse(&[first, 0, 0, 0]), Ok(Preamble::Absent), "{first:#x}");
        }
        assert_eq!(parse(FRAME), Ok(Preamble::Absent));
        assert_eq!(parse(&[]), Ok(Preamble::Incomplete));
    }

    #[test]
    fn every_split_of_a_preamble_reaches_the_same_decision() {
        let mut cases: Vec<Vec<u8>> = vec![
            b"PROXY TCP4 203.0.113.7 10.0.0.5 51234 9876\r\n".to_vec(),
            b"PROXY UNKNOWN\r\n".to_vec(),
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n".to_vec(),
            v2(
                0x21,
                0x11,
                &[1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 0, 10, 0x02, 0, 1, b'x'],
            ),
            v2(0x20, 0x00, &[]),
        ];
        for case in &mut cases {
            case.extend_from_slice(FRAME);
        }
        for case in cases {
            let whole = parse(&case);
            for cut in 0..case.len() {
                let part = parse(&case[..cut]);
                assert!(
                    part == Ok(Preamble::Incomplete) || part == whole,
                    "{case:?} cut at {cut}: {part:?}, whole: {whole:?}"
                );
            }
        }
    }

    #[test]
    fn encoded_headers_parse_back() {
        let headers = [
            ProxyHeader {
                version: ProxyVersion::V1,
                source: inet("203.0.113.7:51234", "10.0.0.5:9876"),
                tlvs: vec![],
            },
            ProxyHeader {
                version: ProxyVersion::V1,
                source: inet("[2001:db8::7]:1", "[::ffff:10.0.0.5]:9876"),
                tlvs: vec![],
            },
            ProxyHeader {
                version: ProxyVersion::V1,
                source: ProxySource::Unknown,
                tlvs: vec![],
            },
            ProxyHeader {
                version: ProxyVersion::V2,
                source: inet("203.0.113.7:51234", "10.0.0.5:9876"),
                tlvs: vec![Tlv {
                    kind: 0xEA,
                    value: b"vpce-1".to_vec(),
                }],
            },
            ProxyHeader {
                version: ProxyVersion::V2,
                source: inet("[2001:db8::7]:1", "[::1]:9876"),
                tlvs: vec![],
            },
            ProxyHeader {
                version: ProxyVersion::V2,
                source: ProxySource::Local,
                tlvs: vec![],
            },
            ProxyHeader {
                version: ProxyVersion::V2,
                source: ProxySource::Unknown,
                tlvs: vec![Tlv {
                    kind: 0x03,
                    value: vec![0, 0, 0, 0],
                }],
            },
        ];
        for header in headers {
            let bytes = header.encode();
            assert_eq!(
                complete(&bytes),
                (header.clone(), bytes.len()),
                "{header:?}"
            );
        }
        let mixed = ProxyHeader {
            version: ProxyVersion::V2,
            source: inet("203.0.113.7:1", "[::1]:2"),
            tlvs: vec![],
        };
        assert_eq!(
            complete(&mixed.encode()).0.source,
            inet("[::ffff:203.0.113.7]:1", "[::1]:2"),
            "one family for both: IPv6"
        );
    }
}
