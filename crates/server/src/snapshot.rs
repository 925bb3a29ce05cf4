//! Reading the warm-restart snapshot at start.
//!
//! A snapshot is a cache, not the source of truth: one that is missing or unreadable means
//! starting empty, as without warm restarts, with a warning that says why.

use namesrv_actors::durable_file::DurableFile;
use namesrv_actors::route::table::{RouteSnapshot, SNAPSHOT_FORMAT};
use tracing::warn;

/// The snapshot to warm-start from, if there is a usable one.
pub fn load(file: &DurableFile) -> Option<RouteSnapshot> {
    match file.load() {
        Ok(Some(bytes)) => match serde_json::from_slice::<RouteSnapshot>(&bytes) {
            Ok(s) if s.format == SNAPSHOT_FORMAT => Some(s),
            Ok(s) => {
                warn!(
                    format = s.format,
                    "route snapshot has an unknown format; starting empty"
                );
                None
            }
            Err(e) => {
                warn!(path = %file.path().display(), error = %e, "route snapshot unreadable; starting empty");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            warn!(path = %file.path().display(), error = %e, "cannot read route snapshot; starting empty");
            None
        }
    }
}
