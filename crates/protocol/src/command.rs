//! The remoting command: the one message shape every request and response shares.
//!
//! A command is a header (code, language, version, opaque, flag, remark, extFields) plus an
//! opaque body. The body is a [`Bytes`] so a decoded frame's body is a view into the read
//! buffer and a pre-encoded route answer is shared, never copied, between responses.

use bytes::Bytes;

use crate::ext_fields::ExtFields;
use crate::version::CURRENT_VERSION;

/// Flag bit 0: the frame is a response.
pub const FLAG_RESPONSE: i32 = 0b01;
/// Flag bit 1: the request is oneway; nothing may be written back, not even an error.
pub const FLAG_ONEWAY: i32 = 0b10;

/// How a header is encoded; the high byte of the frame's header word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SerializeType {
    #[default]
    Json = 0,
    RocketMq = 1,
}

impl SerializeType {
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(SerializeType::Json),
            1 => Some(SerializeType::RocketMq),
            _ => None,
        }
    }

    /// The name Java uses (`rocketmq.serialize.type`, `serializeTypeCurrentRPC`).
    pub const fn name(self) -> &'static str {
        match self {
            SerializeType::Json => "JSON",
            SerializeType::RocketMq => "ROCKETMQ",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "JSON" => Some(SerializeType::Json),
            "ROCKETMQ" => Some(SerializeType::RocketMq),
            _ => None,
        }
    }
}

/// The sender's implementation language: a name in JSON headers, a byte in binary ones.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LanguageCode {
    JAVA = 0,
    CPP = 1,
    DOTNET = 2,
    PYTHON = 3,
    DELPHI = 4,
    ERLANG = 5,
    RUBY = 6,
    OTHER = 7,
    HTTP = 8,
    GO = 9,
    PHP = 10,
    OMS = 11,
    RUST = 12,
    NODE_JS = 13,
}

impl LanguageCode {
    const ALL: [LanguageCode; 14] = [
        LanguageCode::JAVA,
        LanguageCode::CPP,
        LanguageCode::DOTNET,
        LanguageCode::PYTHON,
        LanguageCode::DELPHI,
        LanguageCode::ERLANG,
        LanguageCode::RUBY,
        LanguageCode::OTHER,
        LanguageCode::HTTP,
        LanguageCode::GO,
        LanguageCode::PHP,
        LanguageCode::OMS,
        LanguageCode::RUST,
        LanguageCode::NODE_JS,
    ];

    pub fn from_byte(byte: u8) -> Option<Self> {
        Self::ALL.get(byte as usize).copied()
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|l| l.name() == name)
    }

    pub const fn byte(self) -> u8 {
        self as u8
    }

    pub const fn name(self) -> &'static str {
        match self {
            LanguageCode::JAVA => "JAVA",
            LanguageCode::CPP => "CPP",
            LanguageCode::DOTNET => "DOTNET",
            LanguageCode::PYTHON => "PYTHON",
            LanguageCode::DELPHI => "DELPHI",
            LanguageCode::ERLANG => "ERLANG",
            LanguageCode::RUBY => "RUBY",
            LanguageCode::OTHER => "OTHER",
            LanguageCode::HTTP => "HTTP",
            LanguageCode::GO => "GO",
            LanguageCode::PHP => "PHP",
            LanguageCode::OMS => "OMS",
            LanguageCode::RUST => "RUST",
            LanguageCode::NODE_JS => "NODE_JS",
        }
    }
}

/// One RocketMQ remoting command, request or response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotingCommand {
    /// Request code in a request, response code in a response.
    pub code: i32,
    /// `None` when the sender's language is one we do not know (Java decodes it as null).
    pub language: Option<LanguageCode>,
    /// The sender's version ordinal (see [`crate::version`]).
    pub version: i32,
    /// Request id; a response carries its request's.
    pub opaque: i32,
    /// Bit 0 response, bit 1 oneway.
    pub flag: i32,
    pub remark: Option<String>,
    /// `None` and an empty map differ on the JSON wire (absent vs `{}`).
    pub ext_fields: Option<ExtFields>,
    /// The encoding this command's header arrived in, or is to be written in.
    pub serialize_type: SerializeType,
    /// Empty when there is no body (the wire cannot tell the two apart).
    pub body: Bytes,
}

impl RemotingCommand {
    /// A two-way request from us (used for the outbound 905 and by tests and tools).
    pub fn request(code: impl Into<i32>, ext_fields: Option<ExtFields>) -> Self {
        RemotingCommand {
            code: code.into(),
            language: Some(LanguageCode::JAVA),
            version: CURRENT_VERSION,
            opaque: 0,
            flag: 0,
            remark: None,
            ext_fields,
            serialize_type: SerializeType::Json,
            body: Bytes::new(),
        }
    }

    /// A response to `request`: same opaque and header encoding, response flag set, our
    /// language and version (as the Java server stamps its own).
    pub fn response_to(request: &RemotingCommand, code: impl Into<i32>) -> Self {
        RemotingCommand {
            code: code.into(),
            language: Some(LanguageCode::JAVA),
            version: CURRENT_VERSION,
            opaque: request.opaque,
            flag: FLAG_RESPONSE,
            remark: None,
            ext_fields: None,
            serialize_type: request.serialize_type,
            body: Bytes::new(),
        }
    }

    pub fn with_remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }

    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    pub fn with_ext_fields(mut self, ext_fields: ExtFields) -> Self {
        self.ext_fields = Some(ext_fields);
        self
    }

    pub fn with_opaque(mut self, opaque: i32) -> Self {
        self.opaque = opaque;
        self
    }

    pub fn oneway(mut self) -> Self {
        self.flag |= FLAG_ONEWAY;
        self
    }

    pub fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    pub fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    /// The value of one ext field, if the command has it.
    pub fn ext(&self, key: &str) -> Option<&str> {
        self.ext_fields.as_ref().and_then(|f| f.get(key))
    }

    /// The body, or `None` when it is empty (Java's `body == null`).
    pub fn body(&self) -> Option<&Bytes> {
        (!self.body.is_empty()).then_some(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_copies_opaque_and_encoding_and_sets_only_the_response_bit() {
        let mut req = RemotingCommand::request(105, None).with_opaque(42).oneway();
        req.serialize_type = SerializeType::RocketMq;
        let resp = RemotingCommand::response_to(&req, 0);
        assert_eq!(resp.opaque, 42);
        assert_eq!(resp.flag, FLAG_RESPONSE);
        assert!(resp.is_response() && !resp.is_oneway());
        assert_eq!(resp.serialize_type, SerializeType::RocketMq);
    }

    #[test]
    fn language_names_and_bytes_agree() {
        for byte in 0..14u8 {
            let lang = LanguageCode::from_byte(byte).unwrap();
            assert_eq!(lang.byte(), byte);
            assert_eq!(LanguageCode::from_name(lang.name()), Some(lang));
        }
        assert_eq!(LanguageCode::from_byte(14), None);
        assert_eq!(LanguageCode::from_name("COBOL"), None);
        assert_eq!(LanguageCode::GO.byte(), 9);
        assert_eq!(LanguageCode::RUST.name(), "RUST");
    }

    #[test]
    fn serialize_type_names() {
        assert_eq!(
            SerializeType::from_name("rocketmq"),
            Some(SerializeType::RocketMq)
        );
        assert_eq!(SerializeType::from_name("JSON"), Some(SerializeType::Json));
        assert_eq!(SerializeType::from_name("XML"), None);
        assert_eq!(SerializeType::from_byte(2), None);
    }
}
