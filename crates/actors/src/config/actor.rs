//! ConfigActor: the run-time owner of the configuration.
//!
//! It answers GET/UPDATE_NAMESRV_CONFIG, refuses black-listed keys (the list is fixed when the
//! server starts, so an update cannot shrink it), any key outside [`RUNTIME_UPDATABLE`] and
//! any value its key cannot take, and pushes the per-request flags to the route owner.
//!
//! An accepted update is persisted to `configStorePath`, which is often the operator's own
//! `-c` file. Java rewrites that file with every key it holds, dropping the comments and
//! making permanent whatever the environment or a flag set for this run only. Here only
//! the keys whose value the update changed are written: their lines are replaced in place
//! and new keys appended, everything else in the file stays as the operator wrote it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use actix::prelude::*;
use namesrv_protocol::body::{set_properties_in_text, try_parse_properties, write_properties};
use tracing::{info, warn};

use super::{NamesrvConfig, REDACTED, RUNTIME_UPDATABLE, SECRET_KEYS};
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

    /// Writes `changes` into the store file, leaving the rest of it as it is.
    fn persist(&self, changes: &[(String, String)]) -> Result<(), ConfigUpdateError> {
        let failed = |why: String| {
            ConfigUpdateError::Persist(format!("{}: {why}", self.store.path().display()))
        };
        let text = match self.store.load().map_err(|e| failed(e.to_string()))? {
            Some(bytes) => String::from_utf8(bytes)
                .map_err(|_| failed("not UTF-8 text, left unchanged".into()))?,
            None => String::new(),
        };
        let text = set_properties_in_text(&text, changes, |a, b| a.eq_ignore_ascii_case(b))
            .map_err(|e| failed(e.to_string()))?;
        self.store
            .save(text.as_bytes())
            .map_err(|e| failed(e.to_string()))
    }
}

impl Actor for ConfigActor {
    type Context = Context<Self>;
}

impl Handler<GetNamesrvConfig> for ConfigActor {
    type Result = String;

    /// Secrets are shown as set or not, never their value: the answer goes to anyone who
    /// may read the configuration over the network.
    fn handle(&mut self, _: GetNamesrvConfig, _: &mut Self::Context) -> String {
        let mut all = self.all_properties();
        for key in SECRET_KEYS {
            if let Some(value) = all.get_mut(key).filter(|v| !v.is_empty()) {
                *value = REDACTED.to_owned();
            }
        }
        write_properties(&all)
    }
}

impl Handler<UpdateNamesrvConfig> for ConfigActor {
    type Result = ResponseFuture<Result<(), ConfigUpdateError>>;

    fn handle(&mut self, msg: UpdateNamesrvConfig, _: &mut Self::Context) -> Self::Result {
        let applied = match self.apply(&msg.0) {
            Ok(true) => self
                .route
                .send(UpdateRuntimeFlags(self.config.runtime_flags())),
            Ok(false) => return Box::pin(async { Ok(()) }),
            Err(e) => return Box::pin(async move { Err(e) }),
        };
        // Acknowledged only once the route owner holds the new flags: a client that saw OK
        // never gets an answer shaped by the old ones afterwards (the workers' kept answers
        // included, since the route owner publishes the change before it replies).
        Box::pin(async move {
            applied
                .await
                .map_err(|e| ConfigUpdateError::NotApplied(e.to_string()))
        })
    }
}

impl ConfigActor {
    /// Checks, persists and takes an update; `Ok(true)` if it changed anything.
    fn apply(&mut self, text: &str) -> Result<bool, ConfigUpdateError> {
        let entries = try_parse_properties(text).map_err(|e| {
            warn!(error = %e, "config update refused: body is not properties text");
            ConfigUpdateError::Unparsable(e.to_string())
        })?;
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
        if let Some(invalid) = applied.rejected.into_iter().next() {
            warn!(key = %invalid.key, value = %invalid.value, "config update refused: {invalid}");
            return Err(invalid.into());
        }
        let before = self.config.to_properties();
        let after = updated.to_properties();
        let mut changes: Vec<(String, String)> = Vec::new();
        for (key, _) in &entries {
            let (Some(old), Some(new)) = (before.get(key), after.get(key)) else {
                continue;
            };
            if old != new && !changes.iter().any(|(k, _)| k == key) {
                changes.push((key.clone(), new.clone()));
            }
        }
        if changes.is_empty() {
            info!(keys = ?entries.iter().map(|(k, _)| k).collect::<Vec<_>>(), "configuration update changes nothing");
            return Ok(false);
        }
        if let Err(e) = self.persist(&changes) {
            warn!(error = %e, "config update refused");
            return Err(e);
        }
        self.config = updated;
        info!(?changes, "configuration updated");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FlagSink;

    impl Actor for FlagSink {
        type Context = Context<Self>;
    }

    impl Handler<UpdateRuntimeFlags> for FlagSink {
        type Result = ();

        fn handle(&mut self, _: UpdateRuntimeFlags, _: &mut Self::Context) {}
    }

    /// Records the flags it was given.
    struct SeenFlags(std::sync::Arc<std::sync::Mutex<Vec<bool>>>);

    impl Actor for SeenFlags {
        type Context = Context<Self>;
    }

    impl Handler<UpdateRuntimeFlags> for SeenFlags {
        type Result = ();

        fn handle(&mut self, msg: UpdateRuntimeFlags, _: &mut Self::Context) {
            self.0.lock().unwrap().push(msg.0.enable_topic_list);
        }
    }

    /// A client that saw an update acknowledged must never get an answer shaped by the old
    /// flags: the acknowledgement waits for the route owner.
    #[actix_rt::test]
    async fn an_update_is_acknowledged_only_after_the_route_owner_took_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = NamesrvConfig {
            config_store_path: dir.path().join("namesrv.properties").display().to_string(),
            ..NamesrvConfig::default()
        };
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let route = SeenFlags(seen.clone()).start().recipient();
        let addr = ConfigActor::new(config, BTreeMap::new(), route).start();
        update(&addr, "enableTopicList=false").await.unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![false]);
        update(&addr, "enableTopicList=false").await.unwrap();
        assert_eq!(seen.lock().unwrap().len(), 1, "no change, nothing to tell");
    }

    const OPERATORS_FILE: &str = "# production name server\r\n\
        listenPort=9876\r\n\
        \r\n\
        ! topic lists are for the console only\r\n\
        enableTopicList = true\r\n\
        kvConfigPath=/data/kv.json\r\n";

    /// The actor as the server starts it: `config` is the effective configuration, which
    /// also holds what the environment and flags set on top of `file`.
    fn actor(dir: &tempfile::TempDir, file: Option<&str>) -> (Addr<ConfigActor>, PathBuf) {
        let store = dir.path().join("namesrv.properties");
        if let Some(text) = file {
            std::fs::write(&store, text).unwrap();
        }
        let config = NamesrvConfig {
            config_store_path: store.display().to_string(),
            listen_port: 19876,
            scan_not_active_broker_interval: 1000,
            ..NamesrvConfig::default()
        };
        let sink = FlagSink.start().recipient();
        (
            ConfigActor::new(config, BTreeMap::new(), sink).start(),
            store,
        )
    }

    async fn update(addr: &Addr<ConfigActor>, body: &str) -> Result<(), ConfigUpdateError> {
        addr.send(UpdateNamesrvConfig(body.into())).await.unwrap()
    }

    #[actix_rt::test]
    async fn an_update_rewrites_only_the_changed_keys_of_the_operators_file() {
        let dir = tempfile::tempdir().unwrap();
        let (addr, store) = actor(&dir, Some(OPERATORS_FILE));
        update(
            &addr,
            "enableTopicList=FALSE\norderMessageEnable=true\nsupportActingMaster=false",
        )
        .await
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&store).unwrap(),
            "# production name server\r\n\
             listenPort=9876\r\n\
             \r\n\
             ! topic lists are for the console only\r\n\
             enableTopicList=false\r\n\
             kvConfigPath=/data/kv.json\r\n\
             orderMessageEnable=true\r\n",
            "comments, order and terminators kept; the unchanged supportActingMaster and \
             the flag-set listenPort and scanNotActiveBrokerInterval not written"
        );
        let shown = addr.send(GetNamesrvConfig).await.unwrap();
        assert!(shown.contains("enableTopicList=false\n"), "{shown}");
        assert!(shown.contains("orderMessageEnable=true\n"));
    }

    #[actix_rt::test]
    async fn an_update_that_changes_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (addr, store) = actor(&dir, None);
        update(&addr, "enableTopicList=true").await.unwrap();
        assert!(!store.exists());
        update(&addr, "waitSecondsForService=10").await.unwrap();
        assert_eq!(
            std::fs::read_to_string(&store).unwrap(),
            "waitSecondsForService=10\n"
        );
    }

    #[actix_rt::test]
    async fn a_value_its_key_cannot_take_is_refused_and_nothing_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (addr, store) = actor(&dir, Some(OPERATORS_FILE));
        for (body, key) in [
            ("enableTopicList=maybe", "enableTopicList"),
            (
                "orderMessageEnable=true\nneedWaitForService=1",
                "needWaitForService",
            ),
            ("waitSecondsForService=-1", "waitSecondsForService"),
        ] {
            match update(&addr, body).await {
                Err(e @ ConfigUpdateError::Invalid(_)) => {
                    assert!(e.to_string().contains(key), "{e}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        assert_eq!(std::fs::read_to_string(&store).unwrap(), OPERATORS_FILE);
        let shown = addr.send(GetNamesrvConfig).await.unwrap();
        assert!(shown.contains("enableTopicList=true\n"), "{shown}");
        assert!(shown.contains("orderMessageEnable=false\n"));
    }

    #[actix_rt::test]
    async fn the_key_password_is_not_shown() {
        let config = NamesrvConfig {
            tls_server_key_password: "k3y-pass".into(),
            ..NamesrvConfig::default()
        };
        let addr = ConfigActor::new(config, BTreeMap::new(), FlagSink.start().recipient()).start();
        let shown = addr.send(GetNamesrvConfig).await.unwrap();
        assert!(!shown.contains("k3y-pass"), "{shown}");
        assert!(shown.contains(&format!("tlsServerKeyPassword={REDACTED}\n")));

        let (unset, _) = actor(&tempfile::tempdir().unwrap(), None);
        let shown = unset.send(GetNamesrvConfig).await.unwrap();
        assert!(
            shown.contains("tlsServerKeyPassword=\n"),
            "unset stays empty"
        );
    }

    #[actix_rt::test]
    async fn a_body_java_cannot_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (addr, _) = actor(&dir, None);
        assert!(matches!(
            update(&addr, "enableTopicList=\\u00").await,
            Err(ConfigUpdateError::Unparsable(_))
        ));
    }

    #[actix_rt::test]
    async fn an_unwritable_store_refuses_the_update_and_keeps_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let config = NamesrvConfig {
            config_store_path: blocker.join("namesrv.properties").display().to_string(),
            ..NamesrvConfig::default()
        };
        let sink = FlagSink.start().recipient();
        let addr = ConfigActor::new(config, BTreeMap::new(), sink).start();
        assert!(matches!(
            update(&addr, "enableTopicList=false").await,
            Err(ConfigUpdateError::Persist(_))
        ));
        let shown = addr.send(GetNamesrvConfig).await.unwrap();
        assert!(shown.contains("enableTopicList=true\n"), "{shown}");
    }
}
