//! Raft messages between our controllers, over the remoting framing of the controller listener.
//!
//! A message is one request frame with code [`RAFT_RPC_CODE`] and a JSON body ([`RaftRequest`]);
//! the answer is a response frame whose JSON body is a [`RaftReply`]. Each replication stream
//! keeps its own connection and sends one message at a time (openraft never overlaps calls on
//! one client), so the answer to a request is the next frame; any error drops the connection
//! and the next call dials again. Java's controllers talk DLedger or JRaft among themselves,
//! which ours do not: a group is all ours or all Java's.

use std::io;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use namesrv_protocol::{RemotingCodec, RemotingCommand};
use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use super::{NodeId, Raft, TypeConfig, RAFT_RPC_CODE};

/// Frames between controllers can carry a snapshot; openraft chunks those, but allow room.
const MAX_FRAME: usize = 64 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
pub enum RaftRequest {
    AppendEntries(AppendEntriesRequest<TypeConfig>),
    Vote(VoteRequest<NodeId>),
    InstallSnapshot(InstallSnapshotRequest<TypeConfig>),
}

#[derive(Debug, Serialize, Deserialize)]
pub enum RaftReply {
    AppendEntries(Result<AppendEntriesResponse<NodeId>, RaftError<NodeId>>),
    Vote(Result<VoteResponse<NodeId>, RaftError<NodeId>>),
    InstallSnapshot(
        Result<InstallSnapshotResponse<NodeId>, RaftError<NodeId, InstallSnapshotError>>,
    ),
}

/// Hands a Raft message received on the listener to the local engine; returns the reply body,
/// or `None` when the body is not a Raft message (the caller answers with an error).
pub async fn serve(raft: &Raft, body: &[u8]) -> Option<Vec<u8>> {
    let request: RaftRequest = serde_json::from_slice(body).ok()?;
    let reply = match request {
        RaftRequest::AppendEntries(rpc) => RaftReply::AppendEntries(raft.append_entries(rpc).await),
        RaftRequest::Vote(rpc) => RaftReply::Vote(raft.vote(rpc).await),
        RaftRequest::InstallSnapshot(rpc) => {
            RaftReply::InstallSnapshot(raft.install_snapshot(rpc).await)
        }
    };
    serde_json::to_vec(&reply).ok()
}

/// Makes one [`PeerClient`] per replication stream or vote.
#[derive(Clone, Default)]
pub struct Network;

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, node: &BasicNode) -> PeerClient {
        PeerClient {
            target,
            node: node.clone(),
            conn: None,
            opaque: 0,
        }
    }
}

pub struct PeerClient {
    target: NodeId,
    node: BasicNode,
    conn: Option<Framed<TcpStream, RemotingCodec>>,
    opaque: i32,
}

/// Why one call failed, before it is mapped to openraft's error kinds.
enum CallError {
    Connect(io::Error),
    Io(io::Error),
}

fn other(text: impl Into<String>) -> io::Error {
    io::Error::other(text.into())
}

impl PeerClient {
    async fn call(&mut self, request: &RaftRequest, ttl: Duration) -> Result<RaftReply, CallError> {
        let body = serde_json::to_vec(request).map_err(|e| CallError::Io(other(e.to_string())))?;
        match tokio::time::timeout(ttl, self.exchange(body)).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => {
                self.conn = None;
                Err(e)
            }
            Err(_) => {
                self.conn = None;
                Err(CallError::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no answer in time",
                )))
            }
        }
    }

    async fn exchange(&mut self, body: Vec<u8>) -> Result<RaftReply, CallError> {
        if self.conn.is_none() {
            let stream = TcpStream::connect(&self.node.addr)
                .await
                .map_err(CallError::Connect)?;
            let _ = stream.set_nodelay(true);
            self.conn = Some(Framed::new(stream, RemotingCodec::new(MAX_FRAME)));
        }
        let conn = self.conn.as_mut().expect("connected above");
        self.opaque = self.opaque.wrapping_add(1);
        let request = RemotingCommand::request(RAFT_RPC_CODE, None)
            .with_body(body)
            .with_opaque(self.opaque);
        conn.send(request)
            .await
            .map_err(|e| CallError::Io(other(e.to_string())))?;
        let answer = match conn.next().await {
            Some(Ok(answer)) => answer,
            Some(Err(e)) => return Err(CallError::Io(other(e.to_string()))),
            None => return Err(CallError::Io(other("the peer closed the connection"))),
        };
        if answer.opaque != self.opaque || answer.code != 0 {
            return Err(CallError::Io(other(format!(
                "unexpected answer code {} ({})",
                answer.code,
                answer.remark.as_deref().unwrap_or("")
            ))));
        }
        let bytes = answer.body().cloned().unwrap_or_default();
        serde_json::from_slice(&bytes).map_err(|e| CallError::Io(other(e.to_string())))
    }

    fn unreachable_or_network<E: std::error::Error>(
        e: CallError,
    ) -> RPCError<NodeId, BasicNode, E> {
        match e {
            CallError::Connect(e) => RPCError::Unreachable(Unreachable::new(&e)),
            CallError::Io(e) => RPCError::Network(NetworkError::new(&e)),
        }
    }

    fn remote<E: std::error::Error>(&self, e: E) -> RPCError<NodeId, BasicNode, E> {
        RPCError::RemoteError(RemoteError::new_with_node(
            self.target,
            self.node.clone(),
            e,
        ))
    }

    fn mismatch<E: std::error::Error>() -> RPCError<NodeId, BasicNode, E> {
        RPCError::Network(NetworkError::new(&other("a reply of another kind")))
    }
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        match self
            .call(&RaftRequest::AppendEntries(rpc), option.hard_ttl())
            .await
        {
            Ok(RaftReply::AppendEntries(Ok(r))) => Ok(r),
            Ok(RaftReply::AppendEntries(Err(e))) => Err(self.remote(e)),
            Ok(_) => Err(Self::mismatch()),
            Err(e) => Err(Self::unreachable_or_network(e)),
        }
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<NodeId>,
        RPCError<NodeId, BasicNode, RaftError<NodeId, InstallSnapshotError>>,
    > {
        match self
            .call(&RaftRequest::InstallSnapshot(rpc), option.hard_ttl())
            .await
        {
            Ok(RaftReply::InstallSnapshot(Ok(r))) => Ok(r),
            Ok(RaftReply::InstallSnapshot(Err(e))) => Err(self.remote(e)),
            Ok(_) => Err(Self::mismatch()),
            Err(e) => Err(Self::unreachable_or_network(e)),
        }
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        match self.call(&RaftRequest::Vote(rpc), option.hard_ttl()).await {
            Ok(RaftReply::Vote(Ok(r))) => Ok(r),
            Ok(RaftReply::Vote(Err(e))) => Err(self.remote(e)),
            Ok(_) => Err(Self::mismatch()),
            Err(e) => Err(Self::unreachable_or_network(e)),
        }
    }
}
