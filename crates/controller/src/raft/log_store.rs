//! The durable Raft log and vote.
//!
//! Raft's safety rests on two promises a node keeps across crashes: it never forgets a vote it
//! cast, and it never forgets an entry it acknowledged. So the vote is replaced atomically and
//! fsynced before openraft is told it is saved, and appended entries are fsynced before the
//! flush callback fires (which is what lets the leader count this node towards a majority).
//!
//! Layout under `<controllerStorePath>/raft/`: `vote.json`; `log` (records of `len u32 LE,
//! crc32 u32 LE, JSON entry`, appended); `log-meta.json` (the last purged log id). A torn or
//! corrupt record at the tail (a crash mid-append, never acknowledged) ends the log on reading.
//! Truncation and purging rewrite the file atomically; both are rare, and the snapshot policy
//! keeps the log short, so the rewrite stays small.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use namesrv_actors::durable_file::DurableFile;
use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{LogState, OptionalSend, RaftLogId, RaftLogReader, StorageIOError};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::{Entry, LogId, StorageError, TypeConfig, Vote};

/// The log, shared between openraft's writer side and its log readers (replication streams).
#[derive(Clone)]
pub struct LogStore {
    inner: Arc<Mutex<Log>>,
}

struct Log {
    dir: PathBuf,
    file: File,
    entries: BTreeMap<u64, Entry>,
    last_purged: Option<LogId>,
    vote: Option<Vote>,
}

#[derive(Serialize, Deserialize, Default)]
struct LogMeta {
    last_purged: Option<LogId>,
}

impl LogStore {
    /// Opens (or creates) the log under `dir`, reading back what a previous run left.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let vote = match DurableFile::new(dir.join("vote.json")).load()? {
            Some(bytes) => Some(serde_json::from_slice(&bytes).map_err(invalid)?),
            None => None,
        };
        let meta: LogMeta = match DurableFile::new(dir.join("log-meta.json")).load()? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(invalid)?,
            None => LogMeta::default(),
        };
        let path = dir.join("log");
        let (entries, valid_len) = read_records(&path, meta.last_purged.map(|l| l.index))?;
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        // Drop a torn tail so the next append starts on a record boundary.
        file.set_len(valid_len)?;
        Ok(Self {
            inner: Arc::new(Mutex::new(Log {
                dir: dir.to_path_buf(),
                file,
                entries,
                last_purged: meta.last_purged,
                vote,
            })),
        })
    }
}

fn invalid(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

fn read_records(path: &Path, purged: Option<u64>) -> io::Result<(BTreeMap<u64, Entry>, u64)> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((BTreeMap::new(), 0)),
        Err(e) => return Err(e),
    };
    let mut entries = BTreeMap::new();
    let mut at = 0usize;
    while at + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes"));
        let Some(payload) = bytes.get(at + 8..at + 8 + len) else {
            break;
        };
        if crc32fast::hash(payload) != crc {
            break;
        }
        let Ok(entry) = serde_json::from_slice::<Entry>(payload) else {
            break;
        };
        if purged.is_none_or(|p| entry.log_id.index > p) {
            entries.insert(entry.log_id.index, entry);
        }
        at += 8 + len;
    }
    Ok((entries, at as u64))
}

fn encode_record(entry: &Entry, out: &mut Vec<u8>) -> io::Result<()> {
    let payload = serde_json::to_vec(entry).map_err(invalid)?;
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(())
}

impl Log {
    /// Rewrites the log file from the entries held, atomically.
    fn rewrite(&mut self) -> io::Result<()> {
        let mut bytes = Vec::new();
        for entry in self.entries.values() {
            encode_record(entry, &mut bytes)?;
        }
        let path = self.dir.join("log");
        DurableFile::new(&path).save(&bytes)?;
        let _ = fs::remove_file(self.dir.join("log.bak"));
        self.file = OpenOptions::new().append(true).open(&path)?;
        Ok(())
    }

    fn last_log_id(&self) -> Option<LogId> {
        self.entries
            .values()
            .next_back()
            .map(|e| *e.get_log_id())
            .or(self.last_purged)
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        let log = self.inner.lock().await;
        Ok(log.entries.range(range).map(|(_, e)| e.clone()).collect())
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let log = self.inner.lock().await;
        Ok(LogState {
            last_purged_log_id: log.last_purged,
            last_log_id: log.last_log_id(),
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        let mut log = self.inner.lock().await;
        let bytes = serde_json::to_vec(vote).map_err(|e| StorageIOError::write_vote(&e))?;
        DurableFile::new(log.dir.join("vote.json"))
            .save(&bytes)
            .map_err(|e| StorageIOError::write_vote(&e))?;
        log.vote = Some(*vote);
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        Ok(self.inner.lock().await.vote)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut log = self.inner.lock().await;
        let mut bytes = Vec::new();
        let mut appended = Vec::new();
        for entry in entries {
            encode_record(&entry, &mut bytes).map_err(|e| StorageIOError::write_logs(&e))?;
            appended.push(entry);
        }
        let written = log
            .file
            .write_all(&bytes)
            .and_then(|_| log.file.sync_data());
        if let Err(e) = &written {
            callback.log_io_completed(Err(io::Error::new(e.kind(), e.to_string())));
            return Err(StorageIOError::write_logs(e).into());
        }
        for entry in appended {
            log.entries.insert(entry.log_id.index, entry);
        }
        callback.log_io_completed(Ok(()));
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let mut log = self.inner.lock().await;
        log.entries.split_off(&log_id.index);
        log.rewrite().map_err(|e| StorageIOError::write_logs(&e))?;
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let mut log = self.inner.lock().await;
        let meta = serde_json::to_vec(&LogMeta {
            last_purged: Some(log_id),
        })
        .map_err(|e| StorageIOError::write_logs(&e))?;
        // The purge point is recorded first: if the rewrite is then lost, reading skips the
        // purged entries anyway.
        DurableFile::new(log.dir.join("log-meta.json"))
            .save(&meta)
            .map_err(|e| StorageIOError::write_logs(&e))?;
        log.last_purged = Some(log_id);
        log.entries = log.entries.split_off(&(log_id.index + 1));
        log.rewrite().map_err(|e| StorageIOError::write_logs(&e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use openraft::{CommittedLeaderId, EntryPayload};

    use super::*;

    fn entry(term: u64, index: u64) -> Entry {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(term, 0), index),
            payload: EntryPayload::Blank,
        }
    }

    async fn append(store: &mut LogStore, entries: Vec<Entry>) {
        let mut log = store.inner.lock().await;
        let mut bytes = Vec::new();
        for e in &entries {
            encode_record(e, &mut bytes).unwrap();
        }
        log.file.write_all(&bytes).unwrap();
        for e in entries {
            log.entries.insert(e.log_id.index, e);
        }
    }

    async fn indexes(store: &mut LogStore) -> Vec<u64> {
        let entries = store.try_get_log_entries(0..).await.unwrap();
        entries.iter().map(|e| e.log_id.index).collect()
    }

    #[tokio::test]
    async fn entries_vote_and_purge_point_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = LogStore::open(dir.path()).unwrap();
        append(&mut store, (1..=5).map(|i| entry(1, i)).collect()).await;
        let vote = Vote::new(3, 1);
        store.save_vote(&vote).await.unwrap();
        store
            .purge(LogId::new(CommittedLeaderId::new(1, 0), 2))
            .await
            .unwrap();
        drop(store);

        let mut again = LogStore::open(dir.path()).unwrap();
        assert_eq!(again.read_vote().await.unwrap(), Some(vote));
        let state = again.get_log_state().await.unwrap();
        assert_eq!(state.last_purged_log_id.map(|l| l.index), Some(2));
        assert_eq!(state.last_log_id.map(|l| l.index), Some(5));
        let indexes = indexes(&mut again).await;
        assert_eq!(indexes, vec![3, 4, 5]);
    }

    #[tokio::test]
    async fn truncation_is_durable_and_a_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = LogStore::open(dir.path()).unwrap();
        append(&mut store, (1..=4).map(|i| entry(1, i)).collect()).await;
        store
            .truncate(LogId::new(CommittedLeaderId::new(1, 0), 3))
            .await
            .unwrap();
        drop(store);
        // A crash mid-append leaves half a record.
        let mut file = OpenOptions::new()
            .append(true)
            .open(dir.path().join("log"))
            .unwrap();
        file.write_all(&[200, 0, 0, 0, 1, 2]).unwrap();
        drop(file);

        let mut again = LogStore::open(dir.path()).unwrap();
        let indexes = indexes(&mut again).await;
        assert_eq!(indexes, vec![1, 2]);
        append(&mut again, vec![entry(2, 3)]).await;
        drop(again);
        let mut third = LogStore::open(dir.path()).unwrap();
        let last = third.get_log_state().await.unwrap().last_log_id.unwrap();
        assert_eq!((last.leader_id.term, last.index), (2, 3));
    }
}
