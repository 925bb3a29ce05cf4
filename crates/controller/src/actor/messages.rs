//! The typed messages between the controller's sessions and its two owners.
//!
//! A session turns each request into one of these and writes back the [`Reply`]; it never sees
//! the replicated state or the liveness table.

use std::collections::BTreeMap;

use actix::prelude::*;
use bytes::Bytes;
use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::*;
use namesrv_protocol::ExtFields;

use crate::state::{Decision, LivenessSnapshot, ReplicaKey};

/// Identifies one connection on the controller listener.
pub type ConnectionId = u64;

/// An answer, before the session gives it the request's opaque.
#[derive(Debug, Clone, PartialEq, MessageResponse)]
pub struct Reply {
    pub code: i32,
    pub remark: Option<String>,
    pub ext: Option<ExtFields>,
    pub body: Option<Bytes>,
}

impl Reply {
    pub fn code(code: ResponseCode, remark: impl Into<String>) -> Self {
        Self {
            code: code.code(),
            remark: Some(remark.into()),
            ext: None,
            body: None,
        }
    }

    pub fn success() -> Self {
        Self {
            code: ResponseCode::SUCCESS.code(),
            remark: None,
            ext: None,
            body: None,
        }
    }

    pub fn with_header(mut self, header: &impl CommandHeader) -> Self {
        self.ext = Some(header.to_ext());
        self
    }

    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// What a follower answers to anything only the leader may answer.
    pub fn not_leader() -> Self {
        Self::code(
            ResponseCode::CONTROLLER_NOT_LEADER,
            "The controller is not in leader state",
        )
    }

    pub fn from_decision<H: CommandHeader>(decision: Decision<H>) -> Self {
        Self {
            code: decision.code.code(),
            remark: decision.remark,
            ext: decision.header.as_ref().map(CommandHeader::to_ext),
            body: decision.body.map(Bytes::from),
        }
    }
}

/// The requests that the state owner decides (in arrival order, one at a time).
#[derive(Debug)]
pub enum ControllerRequest {
    AlterSyncStateSet(
        AlterSyncStateSetRequestHeader,
        namesrv_protocol::body::SyncStateSet,
    ),
    ElectMaster(ElectMasterRequestHeader),
    RegisterBroker(RegisterBrokerToControllerRequestHeader),
    GetReplicaInfo(GetReplicaInfoRequestHeader),
    GetSyncStateData(Vec<String>),
    CleanBrokerData(CleanControllerBrokerDataRequestHeader),
    GetNextBrokerId(GetNextBrokerIdRequestHeader),
    ApplyBrokerId(ApplyBrokerIdRequestHeader),
}

impl Message for ControllerRequest {
    type Result = Reply;
}

/// CONTROLLER_GET_METADATA_INFO: answered by any node from its Raft view.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct GetMetadata;

/// GET_CONTROLLER_CONFIG.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct GetControllerConfig;

/// UPDATE_CONTROLLER_CONFIG, the properties of the body.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct UpdateControllerConfig(pub BTreeMap<String, String>);

/// BROKER_HEARTBEAT (one-way), to the liveness owner.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Heartbeat {
    pub header: BrokerHeartbeatRequestHeader,
    pub connection: ConnectionId,
}

/// A connection on the controller listener ended; brokers heartbeating over it are gone.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ConnectionClosed(pub ConnectionId);

/// The liveness owner's view, for a decision.
#[derive(Message)]
#[rtype(result = "LivenessView")]
pub struct GetLiveness;

/// Who is alive now, and every replica this node has ever heard from (a new leader has heard
/// from nobody; see the grace in `replicas.rs`).
#[derive(Debug, Clone, Default)]
pub struct LivenessView {
    pub alive: LivenessSnapshot,
    pub ever_heard: std::collections::HashSet<ReplicaKey>,
}

/// Replicas that stopped being alive (connection closed or heartbeat timed out).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReplicasInactive(pub Vec<ReplicaKey>);
