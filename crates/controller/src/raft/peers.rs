//! Who is in the controller group, from the keys Java's controller reads.
//!
//! An existing `namesrv.properties` (or `controller.properties`) for Java's controller must start
//! ours unchanged, so membership comes from the same keys: DLedger's `controllerDLegerGroup`,
//! `controllerDLegerPeers` (`n0-127.0.0.1:9878;n1-127.0.0.1:9868`) and `controllerDLegerSelfId`,
//! or, with `controllerType=jRaft`, `jRaftGroupId`, `jRaftInitConf`, `jRaftServerId` and
//! `jRaftControllerRPCAddr`. Each of our nodes has one address, serving brokers, tools and the
//! other nodes: the DLedger peer address, or for jRaft the broker-facing RPC address at the
//! position of `jRaftServerId` in `jRaftInitConf` (the jRaft peer addresses are not listened on).
//!
//! Raft node ids are positions in the peer list sorted by peer id, so every node derives the
//! same ids as long as the peer list is the same, whatever order it is written in.

use std::collections::BTreeMap;

use thiserror::Error;

use super::NodeId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerPeers {
    pub group: String,
    pub self_id: NodeId,
    /// Node id → (peer id as configured, address).
    pub nodes: BTreeMap<NodeId, (String, String)>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PeersError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("peer entry {0:?} is not `id-host:port`")]
    BadPeer(String),
    #[error("peer id {0:?} appears twice")]
    DuplicatePeer(String),
    #[error("this node's id {0:?} is not among the peers")]
    SelfNotAPeer(String),
    #[error(
        "jRaftInitConf and jRaftControllerRPCAddr list {0} and {1} addresses; they must pair up"
    )]
    Unpaired(usize, usize),
}

impl ControllerPeers {
    /// Reads membership from configuration keys (`get` returns a key's value if set).
    pub fn from_config(get: impl Fn(&str) -> Option<String>) -> Result<Self, PeersError> {
        let jraft = get("controllerType").is_some_and(|t| t.eq_ignore_ascii_case("jRaft"));
        if jraft {
            Self::from_jraft(get)
        } else {
            Self::from_dledger(get)
        }
    }

    fn from_dledger(get: impl Fn(&str) -> Option<String>) -> Result<Self, PeersError> {
        let group = get("controllerDLegerGroup").unwrap_or_else(|| "DefaultControllerGroup".into());
        let peers =
            get("controllerDLegerPeers").ok_or(PeersError::Missing("controllerDLegerPeers"))?;
        let self_name =
            get("controllerDLegerSelfId").ok_or(PeersError::Missing("controllerDLegerSelfId"))?;
        let mut named = BTreeMap::new();
        for entry in peers.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, addr) = entry
                .split_once('-')
                .filter(|(id, addr)| !id.is_empty() && addr.contains(':'))
                .ok_or_else(|| PeersError::BadPeer(entry.to_string()))?;
            if named.insert(id.to_string(), addr.to_string()).is_some() {
                return Err(PeersError::DuplicatePeer(id.to_string()));
            }
        }
        Self::numbered(group, &self_name, named)
    }

    fn from_jraft(get: impl Fn(&str) -> Option<String>) -> Result<Self, PeersError> {
        let group = get("jRaftGroupId").unwrap_or_else(|| "jRaft-Controller".into());
        let list = |key: &'static str| -> Result<Vec<String>, PeersError> {
            Ok(get(key)
                .ok_or(PeersError::Missing(key))?
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect())
        };
        let raft = list("jRaftInitConf")?;
        let rpc = list("jRaftControllerRPCAddr")?;
        if raft.len() != rpc.len() {
            return Err(PeersError::Unpaired(raft.len(), rpc.len()));
        }
        let self_name = get("jRaftServerId").ok_or(PeersError::Missing("jRaftServerId"))?;
        let mut named = BTreeMap::new();
        for (peer, addr) in raft.into_iter().zip(rpc) {
            if named.insert(peer.clone(), addr).is_some() {
                return Err(PeersError::DuplicatePeer(peer));
            }
        }
        Self::numbered(group, &self_name, named)
    }

    fn numbered(
        group: String,
        self_name: &str,
        named: BTreeMap<String, String>,
    ) -> Result<Self, PeersError> {
        let nodes: BTreeMap<NodeId, (String, String)> = named
            .into_iter()
            .enumerate()
            .map(|(i, p)| (i as NodeId, p))
            .collect();
        let self_id = nodes
            .iter()
            .find(|(_, (name, _))| name == self_name)
            .map(|(id, _)| *id)
            .ok_or_else(|| PeersError::SelfNotAPeer(self_name.to_string()))?;
        Ok(Self {
            group,
            self_id,
            nodes,
        })
    }

    /// This node's address (where it listens).
    pub fn self_address(&self) -> &str {
        &self.nodes[&self.self_id].1
    }

    /// The address of a node by id.
    pub fn address(&self, id: NodeId) -> Option<&str> {
        self.nodes.get(&id).map(|(_, addr)| addr.as_str())
    }

    /// The peer id (`n0`) of a node by id.
    pub fn peer_name(&self, id: NodeId) -> Option<&str> {
        self.nodes.get(&id).map(|(name, _)| name.as_str())
    }

    /// Java's `peers` string of the metadata answer: `n0-addr;n1-addr`.
    pub fn peers_string(&self) -> String {
        self.nodes
            .values()
            .map(|(name, addr)| format!("{name}-{addr}"))
            .collect::<Vec<_>>()
            .join(";")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn dledger_peers_number_by_sorted_peer_id_whatever_the_written_order() {
        let a = ControllerPeers::from_config(config(&[
            ("controllerDLegerGroup", "g1"),
            (
                "controllerDLegerPeers",
                "n1-127.0.0.1:9868;n0-127.0.0.1:9878;n2-127.0.0.1:9858",
            ),
            ("controllerDLegerSelfId", "n1"),
        ]))
        .unwrap();
        assert_eq!(a.group, "g1");
        assert_eq!(a.self_id, 1);
        assert_eq!(a.self_address(), "127.0.0.1:9868");
        assert_eq!(a.address(0), Some("127.0.0.1:9878"));
        assert_eq!(
            a.peers_string(),
            "n0-127.0.0.1:9878;n1-127.0.0.1:9868;n2-127.0.0.1:9858"
        );
    }

    #[test]
    fn jraft_keys_pair_raft_and_rpc_addresses() {
        let p = ControllerPeers::from_config(config(&[
            ("controllerType", "jRaft"),
            ("jRaftInitConf", "127.0.0.1:9877,127.0.0.1:9878"),
            ("jRaftControllerRPCAddr", "127.0.0.1:9770,127.0.0.1:9771"),
            ("jRaftServerId", "127.0.0.1:9878"),
        ]))
        .unwrap();
        assert_eq!(p.self_address(), "127.0.0.1:9771");
        assert_eq!(p.nodes.len(), 2);
    }

    #[test]
    fn bad_membership_is_refused_with_the_reason() {
        let missing = ControllerPeers::from_config(config(&[("controllerDLegerSelfId", "n0")]));
        assert_eq!(missing, Err(PeersError::Missing("controllerDLegerPeers")));
        let not_self = ControllerPeers::from_config(config(&[
            ("controllerDLegerPeers", "n0-127.0.0.1:1"),
            ("controllerDLegerSelfId", "n9"),
        ]));
        assert_eq!(not_self, Err(PeersError::SelfNotAPeer("n9".into())));
        let bad = ControllerPeers::from_config(config(&[
            ("controllerDLegerPeers", "n0:127.0.0.1"),
            ("controllerDLegerSelfId", "n0"),
        ]));
        assert_eq!(bad, Err(PeersError::BadPeer("n0:127.0.0.1".into())));
        let twice = ControllerPeers::from_config(config(&[
            ("controllerDLegerPeers", "n0-127.0.0.1:1;n0-127.0.0.1:2"),
            ("controllerDLegerSelfId", "n0"),
        ]));
        assert_eq!(twice, Err(PeersError::DuplicatePeer("n0".into())));
    }
}
