//! Durable, atomic replacement of a small file (the KV config, the config store).
//!
//! Java rewrites `kvConfig.json` in place, so a crash mid-write can leave a truncated file
//! that then stops the server from starting. We write a temporary file beside it, fsync it,
//! keep the previous content as `<path>.bak` (as Java does), rename over the original and
//! fsync the directory: after [`DurableFile::save`] returns, the new content survives a crash, and
//! at every instant the path holds either the old or the new content, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct DurableFile {
    path: PathBuf,
}

impl DurableFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's bytes, or `None` if it does not exist.
    pub fn load(&self) -> io::Result<Option<Vec<u8>>> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Atomically replaces the file's content with `bytes`, durably.
    pub fn save(&self, bytes: &[u8]) -> io::Result<()> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)?;
        let tmp = with_suffix(&self.path, ".tmp");
        {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
        }
        if self.path.exists() {
            // The backup is a convenience for operators; failing to make it must not lose
            // the write itself.
            let _ = fs::copy(&self.path, with_suffix(&self.path, ".bak"));
        }
        fs::rename(&tmp, &self.path)?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// An actor that writes one file, so the actor producing its content (the route owner,
/// for snapshots) never waits on a disk.
pub struct FileWriter {
    file: DurableFile,
}

impl FileWriter {
    pub fn new(file: DurableFile) -> Self {
        Self { file }
    }
}

impl actix::Actor for FileWriter {
    type Context = actix::Context<Self>;
}

impl actix::Handler<crate::messages::WriteFile> for FileWriter {
    type Result = ();

    fn handle(&mut self, msg: crate::messages::WriteFile, _: &mut Self::Context) {
        if let Err(e) = self.file.save(&msg.0) {
            tracing::warn!(path = %self.file.path().display(), error = %e, "cannot write file");
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_creates_directories_replaces_content_and_keeps_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let file = DurableFile::new(dir.path().join("namesrv/kvConfig.json"));
        assert_eq!(file.load().unwrap(), None);
        file.save(b"one").unwrap();
        assert_eq!(file.load().unwrap().as_deref(), Some(&b"one"[..]));
        file.save(b"two").unwrap();
        assert_eq!(file.load().unwrap().as_deref(), Some(&b"two"[..]));
        let bak = fs::read(dir.path().join("namesrv/kvConfig.json.bak")).unwrap();
        assert_eq!(bak, b"one");
        assert!(!dir.path().join("namesrv/kvConfig.json.tmp").exists());
    }

    #[test]
    fn save_into_an_unwritable_place_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"x").unwrap();
        let file = DurableFile::new(blocker.join("kvConfig.json"));
        assert!(file.save(b"x").is_err());
    }
}
