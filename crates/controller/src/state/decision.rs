//! What a decision hands back: the events to commit and the answer to give once they are
//! committed (Java's `ControllerResult`).
//!
//! The answer is complete before the events are committed: the response header and body are
//! computed from the state the events were derived from, as Java does. If the commit fails
//! the owner answers with its own error instead.

use namesrv_protocol::code::ResponseCode;

use super::ControllerEvent;

/// Events to commit and the answer to the request that caused them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<H> {
    /// To commit in this order (Java appends them as one batch); empty for reads and refusals.
    pub events: Vec<ControllerEvent>,
    pub code: ResponseCode,
    pub remark: Option<String>,
    /// Java writes its response header object on refusals too, so most refusals carry one.
    pub header: Option<H>,
    /// The JSON body, in fastjson's dialect as Java writes it.
    pub body: Option<Vec<u8>>,
}

impl<H> Decision<H> {
    /// SUCCESS with this header and nothing else.
    pub fn success(header: Option<H>) -> Self {
        Decision {
            events: Vec::new(),
            code: ResponseCode::SUCCESS,
            remark: None,
            header,
            body: None,
        }
    }

    /// A refusal: no events.
    pub fn refuse(code: ResponseCode, remark: impl Into<String>, header: Option<H>) -> Self {
        Decision {
            events: Vec::new(),
            code,
            remark: Some(remark.into()),
            header,
            body: None,
        }
    }

    pub fn with_event(mut self, event: ControllerEvent) -> Self {
        self.events.push(event);
        self
    }

    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }

    pub fn is_success(&self) -> bool {
        self.code == ResponseCode::SUCCESS
    }
}
