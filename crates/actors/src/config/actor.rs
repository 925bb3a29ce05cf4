//! ConfigActor: the run-time owner of the configuration.
//!
//! It answers GET/UPDATE_NAMESRV_CONFIG, refuses black-listed keys (the list is fixed when the
//! server starts, so an update cannot shrink it) and any key outside [`RUNTIME_UPDATABLE`], persists accepted updates to
//! `configStorePath` as Java does, and pushes the per-request flags to the route owner.

use std::collections::BTreeMap;
use std::path::PathBuf;

use actix::prelude::*;
use namesrv_protocol::body::{parse_properties, write_properties};
use tracing::{info, warn};

use super::{NamesrvConfig, RUNTIME_UPDATABLE};
use crate::durable_file::DurableFile;
use crate::messages::{
    ConfigUpdateError, GetNamesrvConfig, UpdateNamesrvConfig, UpdateRuntimeFlags,
};

pub struct ConfigActor {
    config: NamesrvConfig,
    /// Keys from the operator's file this server does not know; shown and kept, as Java does.
    extra: BTreeMap<String, String>,
    black_list: Vec<String>,
    store: DurableFile,
    route: Recipient<UpdateRuntimeFlags>,
}

impl ConfigActor {
    pub fn new(
        config: NamesrvConfig,
        extra: BTreeMap<String, String>,
        route: Recipient<UpdateRuntimeFlags>,
    ) -> Self {
        Self {
            black_list: config.black_list(),
            store: DurableFile::new(PathBuf::from(&config.config_store_path)),
            config,
            extra,
            route,
        }
    }

    fn all_properties(&self) -> BTreeMap<String, String> {
        let mut all = self.extra.clone();
        all.extend(self.config.to_properties());
        all
    }
}

impl Actor for ConfigActor {
    type Context = Context<Self>;
}

impl Handler<GetNamesrvConfig> for ConfigActor {
    type Result = String;

    fn handle(&mut self, _: GetNamesrvConfig, _: &mut Self::Context) -> String {
        write_properties(&self.all_properties())
    }
}

impl Handler<UpdateNamesrvConfig> for ConfigActor {
    type Result = Result<(), ConfigUpdateError>;

    fn handle(&mut self, msg: UpdateNamesrvConfig, _: &mut Self::Context) -> Self::Result {
        let entries = parse_properties(&msg.0);
        if let Some((key, _)) = entries.iter().find(|(k, _)| self.black_list.contains(k)) {
            warn!(%key, "config update refused: key is black-listed");
            return Err(ConfigUpdateError::BlackListed(key.clone()));
        }
        if let Some((key, _)) = entries
            .iter()
            .find(|(k, _)| !RUNTIME_UPDATABLE.contains(&k.as_str()))
        {
            warn!(%key, "config update refused: key cannot change at run time");
            return Err(ConfigUpdateError::NotUpdatable(key.clone()));
        }
        let mut updated = self.config.clone();
        let applied =
            updated.apply_properties(entries.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if let Some((key, value)) = applied.rejected.into_iter().next() {
            return Err(ConfigUpdateError::Invalid(key, value));
        }
        let previous = std::mem::replace(&mut self.config, updated);
        if let Err(e) = self
            .store
            .save(write_properties(&self.all_properties()).as_bytes())
        {
            self.config = previous;
            return Err(ConfigUpdateError::Persist(format!(
                "{}: {e}",
                self.store.path().display()
            )));
        }
        info!(keys = ?entries.iter().map(|(k, _)| k).collect::<Vec<_>>(), "configuration updated");
        self.route
            .do_send(UpdateRuntimeFlags(self.config.runtime_flags()));
        Ok(())
    }
}
