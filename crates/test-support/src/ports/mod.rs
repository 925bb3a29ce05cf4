//! Loopback ports reserved for a peer that binds them later.
//!
//! Asking the kernel for port 0, closing the socket and handing the number to a Java broker
//! that binds it seconds later races: port 0 draws from the ephemeral range, which every
//! outgoing connection on the machine draws its local port from too (it happened: a
//! `java.net.BindException` in a broker's HA service). Ports here come from a fixed window
//! outside the ephemeral range ([`range`]); each is reserved across processes by an
//! exclusive `flock(2)` on `/tmp/namesrv-test-ports/<port>.lock`, held for as long as the
//! [`Reservation`] lives, and `tests/ports.sh` takes the same locks from bash. A bind check
//! skips ports that something outside the tests holds. Scans start at a point drawn from the
//! process id and the clock, so parallel test processes rarely try the same ports.

pub mod range;

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use range::{ephemeral_range, Candidates};

/// Shared by every test process and by `tests/ports.sh`.
pub const LOCK_DIR: &str = "/tmp/namesrv-test-ports";

/// A broker listens on its port p, on p-2 (the "fast" port) and on p+1 (HA).
const BROKER_OFFSETS: [i64; 3] = [-2, 0, 1];

/// Ports held for the caller: nobody else using this module or `tests/ports.sh` gets them
/// until this is dropped.
#[derive(Debug)]
#[must_use = "the port is reserved only while the Reservation lives"]
pub struct Reservation {
    port: u16,
    _locks: Vec<File>,
}

impl Reservation {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

#[derive(Debug)]
pub enum PortError {
    /// The ephemeral range covers every port a test could use.
    NoPortOutsideEphemeral {
        ephemeral: (u16, u16),
    },
    LockDir {
        path: PathBuf,
        source: io::Error,
    },
    /// Every candidate was reserved, in use or could not be locked.
    Exhausted {
        candidates: usize,
    },
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::NoPortOutsideEphemeral {
                ephemeral: (low, high),
            } => write!(
                f,
                "no port outside the ephemeral range {low}-{high} is left for tests"
            ),
            PortError::LockDir { path, source } => {
                write!(f, "port lock directory {}: {source}", path.display())
            }
            PortError::Exhausted { candidates } => {
                write!(f, "all {candidates} candidate ports are reserved or in use")
            }
        }
    }
}

impl std::error::Error for PortError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PortError::LockDir { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// One free loopback port, reserved.
pub fn reserve_port() -> Result<Reservation, PortError> {
    reserve(&[0])
}

/// A broker's port p, reserved together with p-2 and p+1, which the broker binds too.
pub fn reserve_broker_port() -> Result<Reservation, PortError> {
    reserve(&BROKER_OFFSETS)
}

fn reserve(offsets: &[i64]) -> Result<Reservation, PortError> {
    let ephemeral = ephemeral_range();
    let candidates = Candidates::outside(&ephemeral).ok_or(PortError::NoPortOutsideEphemeral {
        ephemeral: (*ephemeral.start(), *ephemeral.end()),
    })?;
    reserve_in(Path::new(LOCK_DIR), &candidates, offsets)
}

fn reserve_in(
    dir: &Path,
    candidates: &Candidates,
    offsets: &[i64],
) -> Result<Reservation, PortError> {
    open_lock_dir(dir)?;
    let start = scan_start() % candidates.len();
    for step in 0..candidates.len() {
        let port = candidates.nth((start + step) % candidates.len());
        let group: Vec<i64> = offsets.iter().map(|o| i64::from(port) + o).collect();
        if !group.iter().all(|p| candidates.contains(*p)) {
            continue;
        }
        let group: Vec<u16> = group.into_iter().map(|p| p as u16).collect();
        if let Some(locks) = lock_all(dir, &group) {
            if group.iter().all(|p| bindable(*p)) {
                return Ok(Reservation {
                    port,
                    _locks: locks,
                });
            }
        }
    }
    Err(PortError::Exhausted {
        candidates: candidates.len(),
    })
}

fn open_lock_dir(dir: &Path) -> Result<(), PortError> {
    std::fs::create_dir_all(dir).map_err(|source| PortError::LockDir {
        path: dir.to_owned(),
        source,
    })?;
    // Other users' test runs share the directory; failing to widen it only affects them.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777));
    Ok(())
}

/// The lock of every port in `ports`, or `None` (and no lock kept) if any is taken.
fn lock_all(dir: &Path, ports: &[u16]) -> Option<Vec<File>> {
    ports.iter().map(|p| lock(dir, *p)).collect()
}

fn lock(dir: &Path, port: u16) -> Option<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(format!("{port}.lock")))
        .ok()?;
    match file.try_lock() {
        Ok(()) => Some(file),
        Err(TryLockError::WouldBlock | TryLockError::Error(_)) => None,
    }
}

fn bindable(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// Differs between processes (pid, clock) and between calls of one process (a counter).
fn scan_start() -> usize {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    splitmix64(u64::from(std::process::id()) << 32 ^ nanos ^ call.wrapping_mul(0x9E37_79B9))
        as usize
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn held_by_someone(port: u16) -> bool {
        let file = File::open(Path::new(LOCK_DIR).join(format!("{port}.lock"))).unwrap();
        matches!(file.try_lock(), Err(TryLockError::WouldBlock))
    }

    #[test]
    fn reservations_held_at_once_never_share_a_port() {
        let singles: Vec<Reservation> = (0..40).map(|_| reserve_port().unwrap()).collect();
        let brokers: Vec<Reservation> = (0..10).map(|_| reserve_broker_port().unwrap()).collect();
        let mut seen = HashSet::new();
        for r in &singles {
            assert!(seen.insert(i64::from(r.port())), "{} twice", r.port());
        }
        for r in &brokers {
            for offset in BROKER_OFFSETS {
                let p = i64::from(r.port()) + offset;
                assert!(seen.insert(p), "{p} twice");
            }
        }
    }

    #[test]
    fn a_reserved_port_is_outside_the_ephemeral_range_and_bindable() {
        let ephemeral = ephemeral_range();
        for _ in 0..20 {
            let r = reserve_broker_port().unwrap();
            for offset in BROKER_OFFSETS {
                let p = (i64::from(r.port()) + offset) as u16;
                assert!(!ephemeral.contains(&p), "{p} is in {ephemeral:?}");
                assert!(TcpListener::bind((Ipv4Addr::LOCALHOST, p)).is_ok());
            }
        }
    }

    #[test]
    fn the_lock_is_held_while_the_reservation_lives_and_released_when_dropped() {
        let r = reserve_broker_port().unwrap();
        let ports: Vec<u16> = BROKER_OFFSETS
            .iter()
            .map(|o| (i64::from(r.port()) + o) as u16)
            .collect();
        assert!(ports.iter().all(|p| held_by_someone(*p)));
        drop(r);
        assert!(ports.iter().all(|p| !held_by_someone(*p)));
    }

    #[test]
    fn a_port_something_else_listens_on_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let busy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = busy.local_addr().unwrap().port();
        let candidates = Candidates::single(port);
        assert!(matches!(
            reserve_in(dir.path(), &candidates, &[0]),
            Err(PortError::Exhausted { candidates: 1 })
        ));
        drop(busy);
        let r = reserve_in(dir.path(), &candidates, &[0]).unwrap();
        assert_eq!(r.port(), port);
    }

    #[test]
    fn when_every_candidate_is_reserved_the_error_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let candidates = Candidates::single(port);
        let _held = reserve_in(dir.path(), &candidates, &[0]).unwrap();
        let err = reserve_in(dir.path(), &candidates, &[0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "all 1 candidate ports are reserved or in use"
        );
    }
}
