//! A blocking remoting client with a connect and a per-call timeout: an admin tool talks to
//! a few replicas, one request at a time, and must never hang on a dead one.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use bytes::BytesMut;
use namesrv_protocol::frame::encode_frame;
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use tokio_util::codec::Decoder;

use crate::AdminError;

pub struct Client {
    addr: String,
    stream: TcpStream,
    buffer: BytesMut,
    codec: RemotingCodec,
    next_opaque: i32,
}

impl Client {
    pub fn connect(addr: &str, timeout: Duration) -> Result<Client, AdminError> {
        let unreachable = |why: String| AdminError::Unreachable {
            addr: addr.to_owned(),
            why,
        };
        let socket = addr
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .next()
            .ok_or_else(|| unreachable("no address".into()))?;
        let stream =
            TcpStream::connect_timeout(&socket, timeout).map_err(|e| unreachable(e.to_string()))?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|_| stream.set_write_timeout(Some(timeout)))
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Client {
            addr: addr.to_owned(),
            stream,
            buffer: BytesMut::new(),
            codec: RemotingCodec::new(64 * 1024 * 1024),
            next_opaque: 1,
        })
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Sends `request` and returns its answer (whatever its code).
    pub fn call(&mut self, mut request: RemotingCommand) -> Result<RemotingCommand, AdminError> {
        request.opaque = self.next_opaque;
        self.next_opaque += 1;
        let frame = encode_frame(&request).map_err(|e| self.broken(e.to_string()))?;
        self.stream
            .write_all(&frame)
            .map_err(|e| self.broken(e.to_string()))?;
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match self.codec.decode(&mut self.buffer) {
                Ok(Some(answer)) if answer.opaque == request.opaque => return Ok(answer),
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(e) => return Err(self.broken(e.to_string())),
            }
            let n = self
                .stream
                .read(&mut chunk)
                .map_err(|e| self.broken(e.to_string()))?;
            if n == 0 {
                return Err(self.broken("connection closed".into()));
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }

    fn broken(&self, why: String) -> AdminError {
        AdminError::Unreachable {
            addr: self.addr.clone(),
            why,
        }
    }
}
