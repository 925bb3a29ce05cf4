//! The state machine: committed events applied to [`ReplicasInfo`], and snapshots of it.
//!
//! Every node applies the same committed commands in the same order, so every node's
//! [`ReplicasInfo`] is the same at the same log index. The state sits behind a lock shared with
//! the controller's state owner (which reads it to decide and to answer queries); only this
//! module writes it.
//!
//! A snapshot is the whole state as JSON (`snapshot.json`, replaced atomically and fsynced), so a
//! restart loads it and replays only the entries after it, unlike Java's DLedger controller,
//! which has no snapshot and replays its whole log.

use std::io::{self, Cursor};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use namesrv_actors::durable_file::DurableFile;
use openraft::storage::{RaftStateMachine, Snapshot, SnapshotMeta};
use openraft::{EntryPayload, OptionalSend, RaftSnapshotBuilder, StorageIOError};
use serde::{Deserialize, Serialize};

use super::{Applied, Entry, LogId, NodeId, StorageError, StoredMembership, TypeConfig};
use crate::state::ReplicasInfo;

/// The applied controller state, readable by its owner actor.
pub type SharedReplicas = Arc<RwLock<ReplicasInfo>>;

#[derive(Clone)]
pub struct StateMachine {
    dir: PathBuf,
    replicas: SharedReplicas,
    applied: Arc<RwLock<AppliedPoint>>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct AppliedPoint {
    last_applied: Option<LogId>,
    membership: StoredMembership,
}

/// What `snapshot.json` holds.
#[derive(Serialize, Deserialize)]
struct StoredSnapshot {
    meta: SnapshotMeta<NodeId, openraft::BasicNode>,
    state: ReplicasInfo,
}

impl StateMachine {
    /// Opens the state machine under `dir`, starting from the last snapshot if there is one.
    pub fn open(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let machine = Self {
            dir: dir.to_path_buf(),
            replicas: SharedReplicas::default(),
            applied: Arc::default(),
        };
        if let Some(stored) = machine.load_snapshot()? {
            machine.restore(stored);
        }
        Ok(machine)
    }

    /// The state, for the owner actor to read.
    pub fn replicas(&self) -> SharedReplicas {
        self.replicas.clone()
    }

    fn snapshot_file(&self) -> DurableFile {
        DurableFile::new(self.dir.join("snapshot.json"))
    }

    fn load_snapshot(&self) -> io::Result<Option<StoredSnapshot>> {
        match self.snapshot_file().load()? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            None => Ok(None),
        }
    }

    fn restore(&self, stored: StoredSnapshot) {
        *self.replicas.write().unwrap_or_else(|p| p.into_inner()) = stored.state;
        *self.applied.write().unwrap_or_else(|p| p.into_inner()) = AppliedPoint {
            last_applied: stored.meta.last_log_id,
            membership: stored.meta.last_membership,
        };
    }

    // openraft's own error type, which its traits require.
    #[allow(clippy::result_large_err)]
    fn snapshot_of(stored: &StoredSnapshot) -> Result<Snapshot<TypeConfig>, StorageError> {
        let bytes =
            serde_json::to_vec(stored).map_err(|e| StorageIOError::read_snapshot(None, &e))?;
        Ok(Snapshot {
            meta: stored.meta.clone(),
            snapshot: Box::new(Cursor::new(bytes)),
        })
    }
}

impl RaftSnapshotBuilder<TypeConfig> for StateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        // Taken under both locks so state and applied point belong together.
        let applied = self
            .applied
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let state = self
            .replicas
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let snapshot_id = match applied.last_applied {
            Some(id) => format!("{}-{}", id.leader_id.term, id.index),
            None => "empty".to_string(),
        };
        let stored = StoredSnapshot {
            meta: SnapshotMeta {
                last_log_id: applied.last_applied,
                last_membership: applied.membership,
                snapshot_id,
            },
            state,
        };
        let snapshot = Self::snapshot_of(&stored)?;
        let bytes = snapshot.snapshot.get_ref();
        self.snapshot_file()
            .save(bytes)
            .map_err(|e| StorageIOError::write_snapshot(Some(stored.meta.signature()), &e))?;
        Ok(snapshot)
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = Self;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        let applied = self.applied.read().unwrap_or_else(|p| p.into_inner());
        Ok((applied.last_applied, applied.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Applied>, StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut replicas = self.replicas.write().unwrap_or_else(|p| p.into_inner());
        let mut applied = self.applied.write().unwrap_or_else(|p| p.into_inner());
        let mut results = Vec::new();
        for entry in entries {
            applied.last_applied = Some(entry.log_id);
            match entry.payload {
                EntryPayload::Blank => {}
                EntryPayload::Normal(command) => {
                    for event in &command.events {
                        replicas.apply(event);
                    }
                }
                EntryPayload::Membership(membership) => {
                    applied.membership = StoredMembership::new(Some(entry.log_id), membership);
                }
            }
            results.push(Applied);
        }
        Ok(results)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<NodeId, openraft::BasicNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let bytes = snapshot.into_inner();
        let stored: StoredSnapshot = serde_json::from_slice(&bytes)
            .map_err(|e| StorageIOError::read_snapshot(Some(meta.signature()), &e))?;
        self.snapshot_file()
            .save(&bytes)
            .map_err(|e| StorageIOError::write_snapshot(Some(meta.signature()), &e))?;
        self.restore(StoredSnapshot {
            meta: meta.clone(),
            state: stored.state,
        });
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        let stored = self
            .load_snapshot()
            .map_err(|e| StorageIOError::read_snapshot(None, &e))?;
        stored.as_ref().map(Self::snapshot_of).transpose()
    }
}
