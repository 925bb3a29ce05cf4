//! Loading the configuration: defaults < `-c` properties file < environment < flags.
//!
//! The `config` crate does the layering; every layer speaks the Java key names
//! (`listenPort`, `kvConfigPath`, …). The properties file is read with Java's
//! `java.util.Properties` rules, so an operator's `namesrv.properties` works unchanged.
//! Environment variables are `NAMESRV_` plus the key in upper snake case
//! (`NAMESRV_LISTEN_PORT=9877`). Flags are `--listen-port`-style shortcuts plus
//! `-o key=value` for any key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use config::{ConfigError, Map, Source, Value};
use namesrv_actors::config::NamesrvConfig;
use namesrv_protocol::body::parse_properties;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("flag '{0}' is not key=value")]
    BadOverride(String),
}

/// The effective configuration and what loading it noticed.
#[derive(Debug)]
pub struct Loaded {
    pub config: NamesrvConfig,
    /// Keys from the file or overrides that no config field has (warned about, kept).
    pub unknown: BTreeMap<String, String>,
    /// Known keys whose value could not be converted (warned about, ignored).
    pub rejected: Vec<(String, String)>,
    pub file: Option<PathBuf>,
}

/// A layer of `key → text` pairs under Java key names.
#[derive(Debug, Clone)]
struct Layer(Vec<(String, String)>);

impl Source for Layer {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<Map<String, Value>, ConfigError> {
        Ok(self
            .0
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect())
    }
}

/// Java's dotted system-property names (`tls.server.mode`) → our key (`tlsServerMode`); the
/// `config` crate would read a dot as nesting.
fn undotted(key: &str) -> String {
    let mut parts = key.split('.');
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// `NAMESRV_LISTEN_PORT` → `listenPort`.
fn env_key_to_java(var: &str) -> Option<String> {
    let rest = var.strip_prefix("NAMESRV_")?;
    let mut out = String::new();
    for (i, part) in rest.split('_').filter(|p| !p.is_empty()).enumerate() {
        let lower = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(chars);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Builds the effective configuration.
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
    overrides: &[(String, String)],
) -> Result<Loaded, LoadError> {
    let defaults = NamesrvConfig::default().to_properties();
    let file_layer = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| LoadError::ReadFile {
                path: path.to_owned(),
                source,
            })?;
            parse_properties(&text)
                .into_iter()
                .map(|(k, v)| (undotted(&k), v))
                .collect()
        }
        None => Vec::new(),
    };
    let env_layer: Vec<(String, String)> = env
        .into_iter()
        .filter_map(|(k, v)| env_key_to_java(&k).map(|k| (k, v)))
        // NAMESRV_ADDR is the clients' variable, not a setting of ours.
        .filter(|(k, _)| k != "addr")
        .collect();

    let mut builder = config::Config::builder()
        .add_source(Layer(defaults.into_iter().collect()))
        .add_source(Layer(file_layer))
        .add_source(Layer(env_layer));
    for (k, v) in overrides {
        builder = builder.set_override(undotted(k).as_str(), v.as_str())?;
    }
    let merged: BTreeMap<String, String> = builder.build()?.try_deserialize()?;

    // The `config` crate may fold key case; restore the Java spelling of known keys.
    let known: Vec<String> = NamesrvConfig::default()
        .to_properties()
        .into_keys()
        .collect();
    let mut config = NamesrvConfig::default();
    let mut pairs = Vec::with_capacity(merged.len());
    let mut unknown = BTreeMap::new();
    for (k, v) in merged {
        match known.iter().find(|j| j.eq_ignore_ascii_case(&k)) {
            Some(java) => pairs.push((java.clone(), v)),
            None => {
                unknown.insert(k, v);
            }
        }
    }
    let applied = config.apply_properties(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(path) = file {
        // As in Java, the `-c` file is where run-time config updates are persisted.
        config.config_store_path = path.display().to_string();
    }
    Ok(Loaded {
        config,
        unknown,
        rejected: applied.rejected,
        file: file.map(Path::to_owned),
    })
}

/// Parses `key=value` flags.
pub fn parse_overrides(raw: &[String]) -> Result<Vec<(String, String)>, LoadError> {
    raw.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| LoadError::BadOverride(s.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_dotted_tls_names_map_to_our_keys() {
        assert_eq!(undotted("tls.server.mode"), "tlsServerMode");
        assert_eq!(
            undotted("tls.server.need.client.auth"),
            "tlsServerNeedClientAuth"
        );
        assert_eq!(
            undotted("tls.server.trustCertPath"),
            "tlsServerTrustCertPath"
        );
        assert_eq!(undotted("listenPort"), "listenPort");
        let loaded = load(
            None,
            vec![],
            &[("tls.server.mode".into(), "enforcing".into())],
        )
        .unwrap();
        assert_eq!(loaded.config.tls_server_mode, "enforcing");
    }

    #[test]
    fn env_names_map_to_java_keys() {
        assert_eq!(
            env_key_to_java("NAMESRV_LISTEN_PORT").as_deref(),
            Some("listenPort")
        );
        assert_eq!(
            env_key_to_java("NAMESRV_SCAN_NOT_ACTIVE_BROKER_INTERVAL").as_deref(),
            Some("scanNotActiveBrokerInterval")
        );
        assert_eq!(env_key_to_java("HOME"), None);
    }

    #[test]
    fn layers_apply_in_order_defaults_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("namesrv.properties");
        std::fs::write(
            &file,
            "listenPort=10000\n# a comment\nenableTopicList = false\nscanNotActiveBrokerInterval: 1000\nbrokerIP1=1.2.3.4\n",
        )
        .unwrap();
        let env = vec![
            ("NAMESRV_LISTEN_PORT".to_string(), "10001".to_string()),
            ("NAMESRV_ADDR".to_string(), "127.0.0.1:9876".to_string()),
        ];
        let overrides = parse_overrides(&["scanNotActiveBrokerInterval=2000".into()]).unwrap();
        let loaded = load(Some(&file), env, &overrides).unwrap();
        assert_eq!(loaded.config.listen_port, 10001, "env beats file");
        assert!(!loaded.config.enable_topic_list, "file beats defaults");
        assert_eq!(
            loaded.config.scan_not_active_broker_interval, 2000,
            "flags beat all"
        );
        assert_eq!(loaded.config.config_store_path, file.display().to_string());
        assert!(loaded
            .unknown
            .keys()
            .any(|k| k.eq_ignore_ascii_case("brokerIP1")));
        assert!(loaded.config.enable_all_topic_list);
    }

    #[test]
    fn a_missing_file_and_a_bad_flag_are_errors() {
        assert!(matches!(
            load(
                Some(Path::new("/nonexistent/namesrv.properties")),
                vec![],
                &[]
            ),
            Err(LoadError::ReadFile { .. })
        ));
        assert!(parse_overrides(&["novalue".into()]).is_err());
    }

    /// Every `.properties` file under `deploy/` (sample configs, the container and
    /// Kubernetes ones), loaded through the real loader.
    #[test]
    fn every_shipped_config_loads_with_only_known_keys() {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "properties") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy"),
            &mut files,
        );
        assert!(files.len() >= 3, "sample configs found: {files:?}");
        for file in files {
            let loaded = load(Some(&file), vec![], &[]).unwrap();
            assert!(loaded.unknown.is_empty(), "{file:?}: {:?}", loaded.unknown);
            assert!(
                loaded.rejected.is_empty(),
                "{file:?}: {:?}",
                loaded.rejected
            );
        }
    }

    #[test]
    fn the_operations_guide_documents_every_key() {
        let guide = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/operations.md"),
        )
        .unwrap();
        let reference = guide
            .split("## Configuration reference")
            .nth(1)
            .expect("a configuration reference section");
        let missing: Vec<String> = NamesrvConfig::default()
            .to_properties()
            .into_keys()
            .filter(|key| !reference.contains(&format!("| `{key}` |")))
            .collect();
        assert!(missing.is_empty(), "undocumented keys: {missing:?}");
    }
}
