//! The client: one connection, requests written in order, every wait bounded by the timeout
//! given at connect. Answers are matched to requests by opaque, so frames that answer
//! something else, or that the server sent on its own, never pass for an answer.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use bytes::BytesMut;
use namesrv_protocol::frame::encode_frame;
use namesrv_protocol::{RemotingCodec, RemotingCommand, SerializeType};
use tokio_util::codec::Decoder;

use crate::error::{ClientError, ClientErrorKind};

/// The largest frame accepted from the peer: above any name server's own limit.
const MAX_FRAME: usize = 64 * 1024 * 1024;

pub struct Client {
    addr: String,
    stream: TcpStream,
    buffer: BytesMut,
    codec: RemotingCodec,
    next_opaque: i32,
    encoding: SerializeType,
}

impl Client {
    /// Connects within `timeout`; each read and write afterwards times out after `timeout`
    /// too. Requests are sent with JSON headers until [`Client::set_encoding`].
    pub fn connect(addr: &str, timeout: Duration) -> Result<Client, ClientError> {
        let fail = |kind| ClientError {
            addr: addr.to_owned(),
            kind,
        };
        let socket = addr
            .to_socket_addrs()
            .map_err(|e| fail(ClientErrorKind::Io(e)))?
            .next()
            .ok_or_else(|| fail(ClientErrorKind::NoAddress))?;
        let stream = TcpStream::connect_timeout(&socket, timeout)
            .and_then(|stream| {
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                stream.set_nodelay(true)?;
                Ok(stream)
            })
            .map_err(|e| fail(ClientErrorKind::Io(e)))?;
        Ok(Client::over(addr, stream))
    }

    /// A client on a connection the caller opened (from a chosen local address, or after
    /// bytes of its own such as a PROXY preamble); its timeouts are left as they are.
    pub fn from_stream(stream: TcpStream) -> Client {
        let addr = stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        Client::over(&addr, stream)
    }

    fn over(addr: &str, stream: TcpStream) -> Client {
        Client {
            addr: addr.to_owned(),
            stream,
            buffer: BytesMut::new(),
            codec: RemotingCodec::new(MAX_FRAME),
            next_opaque: 1,
            encoding: SerializeType::Json,
        }
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The socket, to change its timeouts or watch it directly.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// The header encoding of the requests this client sends.
    pub fn set_encoding(&mut self, encoding: SerializeType) {
        self.encoding = encoding;
    }

    /// Sends `request` and returns the frame carrying its opaque, whatever its code.
    pub fn call(&mut self, request: RemotingCommand) -> Result<RemotingCommand, ClientError> {
        let opaque = self.send(request)?;
        loop {
            match self.read()? {
                Some(frame) if frame.opaque == opaque => return Ok(frame),
                Some(_) => {}
                None => return Err(self.error(ClientErrorKind::Closed)),
            }
        }
    }

    /// Sends `request` with the next opaque, without waiting for anything (a oneway request,
    /// or one whose answer the caller reads itself). Returns the opaque.
    pub fn send(&mut self, mut request: RemotingCommand) -> Result<i32, ClientError> {
        let opaque = self.next_opaque;
        self.next_opaque = opaque.wrapping_add(1);
        request.opaque = opaque;
        self.send_as_is(request)?;
        Ok(opaque)
    }

    /// Sends `request` with the opaque it carries.
    pub fn send_as_is(&mut self, mut request: RemotingCommand) -> Result<(), ClientError> {
        request.serialize_type = self.encoding;
        let frame = encode_frame(&request).map_err(|e| self.error(ClientErrorKind::Frame(e)))?;
        self.send_raw(&frame)
    }

    /// Writes `bytes` as they are: recorded frames, or deliberately broken ones.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.stream
            .write_all(bytes)
            .map_err(|e| self.error(ClientErrorKind::Io(e)))
    }

    /// The next frame from the peer — an answer or a request the server sent on its own —
    /// or `None` once the peer has closed the connection.
    pub fn read(&mut self) -> Result<Option<RemotingCommand>, ClientError> {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match self.codec.decode(&mut self.buffer) {
                Ok(Some(frame)) => return Ok(Some(frame)),
                Ok(None) => {}
                Err(e) => return Err(self.error(ClientErrorKind::Frame(e))),
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(None),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(self.error(ClientErrorKind::Io(e))),
            }
        }
    }

    fn error(&self, kind: ClientErrorKind) -> ClientError {
        ClientError {
            addr: self.addr.clone(),
            kind,
        }
    }
}
