//! The controller's configuration, under Java's `ControllerConfig` key names.
//!
//! The same properties file that starts Java's controller (embedded in `mqnamesrv` with
//! `enableControllerInNamesrv=true`, or `mqcontroller`) starts ours. GET_CONTROLLER_CONFIG
//! answers these keys; UPDATE_CONTROLLER_CONFIG changes only the keys in
//! [`ControllerConfig::UPDATABLE`] (the behaviour switches an operator may flip at run time),
//! as our name server's config update does: membership, paths and Java's black-listed keys are
//! refused. Updates are per node, as in Java; they are not replicated.

use std::collections::BTreeMap;
use std::path::PathBuf;

use thiserror::Error;

use crate::raft::{ControllerPeers, PeersError, RaftTuning};

#[derive(Debug, Clone, PartialEq)]
pub struct ControllerConfig {
    pub peers: ControllerPeers,
    /// `controllerStorePath`; Java's default is `~/DledgerController`.
    pub store_path: PathBuf,
    pub controller_type: String,
    /// Java's period of the inactive-broker scan; ours checks every broker at its own deadline,
    /// so this only bounds how late a check may run.
    pub scan_not_active_broker_interval_ms: u64,
    pub elect_master_max_retry_count: u32,
    pub enable_elect_unclean_master: bool,
    pub is_process_read_event: bool,
    pub notify_broker_role_changed: bool,
    pub scan_inactive_master_interval_ms: u64,
    pub raft: RaftTuning,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(transparent)]
    Peers(#[from] PeersError),
    #[error("{key}={value} is not a valid value")]
    Invalid { key: String, value: String },
    #[error("{0} cannot be changed at run time")]
    NotUpdatable(String),
}

/// Keys of Java's ControllerConfig that we read, plus our Raft timing keys.
const KNOWN: &[&str] = &[
    "controllerType",
    "controllerDLegerGroup",
    "controllerDLegerPeers",
    "controllerDLegerSelfId",
    "controllerStorePath",
    "jRaftGroupId",
    "jRaftInitConf",
    "jRaftServerId",
    "jRaftControllerRPCAddr",
    "scanNotActiveBrokerInterval",
    "electMasterMaxRetryCount",
    "enableElectUncleanMaster",
    "isProcessReadEvent",
    "notifyBrokerRoleChanged",
    "scanInactiveMasterInterval",
    "controllerRaftHeartbeatIntervalMs",
    "controllerRaftElectionTimeoutMinMs",
    "controllerRaftElectionTimeoutMaxMs",
    "controllerSnapshotEveryEntries",
];

impl ControllerConfig {
    /// Keys UPDATE_CONTROLLER_CONFIG may change.
    pub const UPDATABLE: &'static [&'static str] = &[
        "enableElectUncleanMaster",
        "notifyBrokerRoleChanged",
        "electMasterMaxRetryCount",
        "scanNotActiveBrokerInterval",
        "scanInactiveMasterInterval",
        "isProcessReadEvent",
    ];

    /// Whether a key belongs to the controller (so the name server does not warn about it).
    pub fn is_controller_key(key: &str) -> bool {
        KNOWN.iter().any(|k| k.eq_ignore_ascii_case(key))
    }

    /// Reads the configuration from `key → value` pairs; keys match case-insensitively (the
    /// name server's layered configuration may fold their case).
    pub fn from_properties(props: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            props
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.trim().to_string())
        };
        let peers = ControllerPeers::from_config(get)?;
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let store_path = get("controllerStorePath")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join("DledgerController"));
        let defaults = RaftTuning::default();
        let mut config = Self {
            peers,
            store_path,
            controller_type: get("controllerType").unwrap_or_else(|| "DLedger".into()),
            scan_not_active_broker_interval_ms: 5000,
            elect_master_max_retry_count: 3,
            enable_elect_unclean_master: false,
            is_process_read_event: false,
            notify_broker_role_changed: true,
            scan_inactive_master_interval_ms: 5000,
            raft: RaftTuning {
                heartbeat_interval_ms: parse(
                    &get,
                    "controllerRaftHeartbeatIntervalMs",
                    defaults.heartbeat_interval_ms,
                )?,
                election_timeout_min_ms: parse(
                    &get,
                    "controllerRaftElectionTimeoutMinMs",
                    defaults.election_timeout_min_ms,
                )?,
                election_timeout_max_ms: parse(
                    &get,
                    "controllerRaftElectionTimeoutMaxMs",
                    defaults.election_timeout_max_ms,
                )?,
                snapshot_every_entries: parse(
                    &get,
                    "controllerSnapshotEveryEntries",
                    defaults.snapshot_every_entries,
                )?,
            },
        };
        for key in Self::UPDATABLE {
            if let Some(value) = get(key) {
                config.set(key, &value)?;
            }
        }
        Ok(config)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let invalid = || ConfigError::Invalid {
            key: key.to_string(),
            value: value.to_string(),
        };
        let boolean = || match value.trim() {
            v if v.eq_ignore_ascii_case("true") => Ok(true),
            v if v.eq_ignore_ascii_case("false") => Ok(false),
            _ => Err(invalid()),
        };
        match key {
            "enableElectUncleanMaster" => self.enable_elect_unclean_master = boolean()?,
            "notifyBrokerRoleChanged" => self.notify_broker_role_changed = boolean()?,
            "isProcessReadEvent" => self.is_process_read_event = boolean()?,
            "electMasterMaxRetryCount" => {
                self.elect_master_max_retry_count = value.trim().parse().map_err(|_| invalid())?
            }
            "scanNotActiveBrokerInterval" => {
                self.scan_not_active_broker_interval_ms =
                    value.trim().parse().map_err(|_| invalid())?
            }
            "scanInactiveMasterInterval" => {
                self.scan_inactive_master_interval_ms =
                    value.trim().parse().map_err(|_| invalid())?
            }
            other => return Err(ConfigError::NotUpdatable(other.to_string())),
        }
        Ok(())
    }

    /// Applies an UPDATE_CONTROLLER_CONFIG: all keys or none.
    pub fn update(&mut self, changes: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        let mut next = self.clone();
        for (key, value) in changes {
            let known = Self::UPDATABLE.iter().find(|k| k.eq_ignore_ascii_case(key));
            match known {
                Some(k) => next.set(k, value)?,
                None => return Err(ConfigError::NotUpdatable(key.clone())),
            }
        }
        *self = next;
        Ok(())
    }

    /// GET_CONTROLLER_CONFIG's answer, under Java's key names.
    pub fn to_properties(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            out.insert(k.to_string(), v);
        };
        put("controllerType", self.controller_type.clone());
        put("controllerDLegerGroup", self.peers.group.clone());
        put("controllerDLegerPeers", self.peers.peers_string());
        put(
            "controllerDLegerSelfId",
            self.peers
                .peer_name(self.peers.self_id)
                .unwrap_or_default()
                .to_string(),
        );
        put("controllerStorePath", self.store_path.display().to_string());
        put(
            "scanNotActiveBrokerInterval",
            self.scan_not_active_broker_interval_ms.to_string(),
        );
        put(
            "electMasterMaxRetryCount",
            self.elect_master_max_retry_count.to_string(),
        );
        put(
            "enableElectUncleanMaster",
            self.enable_elect_unclean_master.to_string(),
        );
        put("isProcessReadEvent", self.is_process_read_event.to_string());
        put(
            "notifyBrokerRoleChanged",
            self.notify_broker_role_changed.to_string(),
        );
        put(
            "scanInactiveMasterInterval",
            self.scan_inactive_master_interval_ms.to_string(),
        );
        put(
            "controllerRaftHeartbeatIntervalMs",
            self.raft.heartbeat_interval_ms.to_string(),
        );
        put(
            "controllerRaftElectionTimeoutMinMs",
            self.raft.election_timeout_min_ms.to_string(),
        );
        put(
            "controllerRaftElectionTimeoutMaxMs",
            self.raft.election_timeout_max_ms.to_string(),
        );
        put(
            "controllerSnapshotEveryEntries",
            self.raft.snapshot_every_entries.to_string(),
        );
        put(
            "configBlackList",
            "configBlackList;configStorePath".to_string(),
        );
        out
    }
}

fn parse(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(key) {
        Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
            key: key.to_string(),
            value: v,
        }),
        None => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn base() -> BTreeMap<String, String> {
        props(&[
            ("controllerdlegerpeers", "n0-127.0.0.1:9878"),
            ("controllerDLegerSelfId", "n0"),
            ("controllerStorePath", "/tmp/ctl"),
            ("enableElectUncleanMaster", "true"),
        ])
    }

    #[test]
    fn java_keys_are_read_whatever_their_case() {
        let c = ControllerConfig::from_properties(&base()).unwrap();
        assert_eq!(c.peers.self_address(), "127.0.0.1:9878");
        assert!(c.enable_elect_unclean_master);
        assert_eq!(c.store_path, PathBuf::from("/tmp/ctl"));
        assert_eq!(
            c.to_properties()["controllerDLegerPeers"],
            "n0-127.0.0.1:9878"
        );
    }

    #[test]
    fn updates_take_allowed_keys_and_refuse_the_rest_whole() {
        let mut c = ControllerConfig::from_properties(&base()).unwrap();
        c.update(&props(&[("notifyBrokerRoleChanged", "false")]))
            .unwrap();
        assert!(!c.notify_broker_role_changed);
        let refused = c.update(&props(&[
            ("electMasterMaxRetryCount", "5"),
            ("configBlackList", ""),
        ]));
        assert_eq!(
            refused,
            Err(ConfigError::NotUpdatable("configBlackList".into()))
        );
        assert_eq!(
            c.elect_master_max_retry_count, 3,
            "nothing of a refused update is applied"
        );
        let bad = c.update(&props(&[("enableElectUncleanMaster", "maybe")]));
        assert!(matches!(bad, Err(ConfigError::Invalid { .. })));
    }
}
