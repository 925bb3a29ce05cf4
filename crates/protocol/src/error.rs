//! Typed errors of the wire layer.
//!
//! Two families: [`ProtocolError`] is fatal for a connection (the frame stream can no longer
//! be trusted, so the session closes it, as the Java server does); [`HeaderError`] concerns
//! one request's custom header and becomes an error *response*, the connection lives on.

use thiserror::Error;

/// A frame or command header that cannot be decoded. The stream is unusable after this.
#[derive(Debug, Error)]
pub enum ProtocolError {
    #[error("frame length {0} is negative or too small to hold a header word")]
    BadFrameLength(i32),
    #[error("frame of {length} bytes exceeds the maximum frame size of {max} bytes")]
    FrameTooLarge { length: usize, max: usize },
    #[error("header length {header} does not fit in a frame of {frame} bytes")]
    HeaderTooLong { header: usize, frame: usize },
    #[error("unknown serialize type {0} in the header word")]
    UnknownSerializeType(u8),
    #[error("invalid JSON header: {0}")]
    InvalidJsonHeader(String),
    #[error("invalid ROCKETMQ binary header: {0}")]
    InvalidBinaryHeader(&'static str),
    #[error("header of {0} bytes exceeds the 24-bit header length field")]
    HeaderTooLargeToEncode(usize),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// A custom header (the typed view of `extFields`) that lacks or garbles a field.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HeaderError {
    #[error("the request has no field '{0}'")]
    Missing(&'static str),
    #[error("the field '{field}' has the invalid value '{value}'")]
    Malformed { field: &'static str, value: String },
}

/// A body that cannot be decoded.
#[derive(Debug, Error)]
pub enum BodyError {
    #[error("invalid JSON body: {0}")]
    Json(String),
    #[error("invalid compressed register body: {0}")]
    Compressed(String),
    #[error("crc32 not match")]
    CrcMismatch { expected: u32, actual: u32 },
}
