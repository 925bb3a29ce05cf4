//! Loading the configuration, by one rule: defaults < `-c` properties file < environment <
//! flags, and of two flags setting one key the later wins.
//!
//! The `config` crate does the layering; every layer speaks the Java key names
//! (`listenPort`, `kvConfigPath`, …). The properties file is read with Java's
//! `java.util.Properties` rules, so an operator's `namesrv.properties` works unchanged.
//! Environment variables are `NAMESRV_` plus the key in upper snake case
//! (`NAMESRV_LISTEN_PORT=9877`), and Java's own `ROCKETMQ_SERIALIZE_TYPE`, which is just
//! another environment variable for `serializeType` (below the `NAMESRV_` one). Flags are
//! `--listen-port`-style shortcuts plus `-o key=value` for any key, all alike: the shortcut
//! is `-o` under another name, so command-line order decides between them. What is loaded
//! is what runs, so `-p` and GET_NAMESRV_CONFIG show what is in effect.
//!
//! A value its key cannot take stops the start (and `-p`) with the key, the value and what
//! the key takes; so does a file the server will have to write and cannot, found here
//! rather than at the first write or at shutdown.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use config::{ConfigError, Map, Source, Value};
use namesrv_actors::config::{InvalidValue, NamesrvConfig};
use namesrv_protocol::body::{try_parse_properties, PropertiesError};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Properties {
        path: PathBuf,
        source: PropertiesError,
    },
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("invalid configuration: {}", list(.0))]
    Invalid(Vec<InvalidValue>),
    #[error("flag '{0}' is not key=value")]
    BadOverride(String),
}

fn list(invalid: &[InvalidValue]) -> String {
    invalid
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The effective configuration and what loading it noticed.
#[derive(Debug)]
pub struct Loaded {
    pub config: NamesrvConfig,
    /// Keys from the file or overrides that no config field has (warned about, kept).
    pub unknown: BTreeMap<String, String>,
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
    let mut file_layer: Vec<(String, String)> = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| LoadError::ReadFile {
                path: path.to_owned(),
                source,
            })?;
            try_parse_properties(&text)
                .map_err(|source| LoadError::Properties {
                    path: path.to_owned(),
                    source,
                })?
                .into_iter()
                .map(|(k, v)| (undotted(&k), v))
                .collect()
        }
        None => Vec::new(),
    };
    if let Some(path) = file {
        // The `-c` file is where run-time config updates are persisted unless a layer names
        // another store: first in the file's layer, so the file's own `configStorePath` wins
        // (Java ignores that one, and a read-only `-c` file would then stop the start).
        file_layer.insert(0, ("configStorePath".into(), path.display().to_string()));
    }
    let env_layer = env_layer(env);

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
    if !applied.rejected.is_empty() {
        return Err(LoadError::Invalid(applied.rejected));
    }
    Ok(Loaded {
        config,
        unknown,
        file: file.map(Path::to_owned),
    })
}

/// The environment under Java key names: `ROCKETMQ_SERIALIZE_TYPE` first, so that
/// `NAMESRV_SERIALIZE_TYPE`, later in the layer, wins over it.
fn env_layer(env: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut java = Vec::new();
    let mut ours = Vec::new();
    for (var, value) in env {
        if var == "ROCKETMQ_SERIALIZE_TYPE" {
            if !value.trim().is_empty() {
                java.push(("serializeType".to_owned(), value));
            }
        } else if let Some(key) = env_key_to_java(&var) {
            // NAMESRV_ADDR is the clients' variable, not a setting of ours.
            if key != "addr" {
                ours.push((key, value));
            }
        }
    }
    java.extend(ours);
    java
}

fn parse_override(s: &str) -> Result<(String, String), LoadError> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| LoadError::BadOverride(s.to_owned()))
}

/// Every flag as (key, value) in command-line order: the `-o key=value` values (`set`, in
/// the order clap collected them under the argument id `set_id`) and the named shortcuts,
/// given as (argument id, Java key, value). Applied in this order, the later of two flags
/// setting one key wins.
pub fn flags_in_order(
    matches: &clap::ArgMatches,
    set_id: &str,
    set: &[String],
    named: &[(&str, &str, Option<String>)],
) -> Result<Vec<(String, String)>, LoadError> {
    let mut flags: Vec<(usize, String, String)> = Vec::new();
    let positions = matches.indices_of(set_id).into_iter().flatten();
    for (position, raw) in positions.zip(set) {
        let (key, value) = parse_override(raw)?;
        flags.push((position, key, value));
    }
    for (id, key, value) in named {
        if let (Some(position), Some(value)) = (matches.index_of(id), value) {
            flags.push((position, (*key).to_owned(), value.clone()));
        }
    }
    flags.sort_by_key(|(position, _, _)| *position);
    Ok(flags.into_iter().map(|(_, k, v)| (k, v)).collect())
}

/// A file the server will write and cannot.
#[derive(Debug, thiserror::Error)]
#[error("{key} {path}: {why}")]
pub struct UnwritablePath {
    pub key: &'static str,
    pub path: String,
    pub why: String,
}

/// Checks, before anything is served, that every file the server writes can be written:
/// its directory exists or can be made (as the first write would make it) and a file can be
/// created and written there. Without this, a bad path shows only at the first KV or config
/// write, or when the route snapshot is written at shutdown.
pub fn check_writable_paths(config: &NamesrvConfig) -> Result<(), UnwritablePath> {
    let files = [
        ("kvConfigPath", &config.kv_config_path, true),
        ("configStorePath", &config.config_store_path, true),
        ("routeSnapshotPath", &config.route_snapshot_path, false),
    ];
    for (key, path, required) in files {
        let failed = |why: String| UnwritablePath {
            key,
            path: path.clone(),
            why,
        };
        if path.trim().is_empty() {
            if required {
                return Err(failed("a file path is needed".into()));
            }
            continue;
        }
        check_writable(Path::new(path)).map_err(failed)?;
    }
    Ok(())
}

fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err("is a directory".into());
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if let Some(existing) = dir.ancestors().find(|a| a.exists()) {
        if !existing.is_dir() {
            return Err(format!("{} is not a directory", existing.display()));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
    let mut probe = path.as_os_str().to_owned();
    probe.push(format!(".{}.writable", std::process::id()));
    let probe = PathBuf::from(probe);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut file| {
            file.write_all(b"namesrv")?;
            file.sync_all()
        });
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| format!("cannot write a file in {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_overrides(raw: &[String]) -> Result<Vec<(String, String)>, LoadError> {
        raw.iter().map(|s| parse_override(s)).collect()
    }

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
    fn rocketmq_serialize_type_is_an_environment_variable_like_the_others() {
        let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let java = ("ROCKETMQ_SERIALIZE_TYPE", "ROCKETMQ");
        let loaded = load(None, env(&[java]), &[]).unwrap();
        assert_eq!(
            loaded.config.serialize_type, "ROCKETMQ",
            "env beats defaults"
        );
        let flag = [("serializeType".to_string(), "JSON".to_string())];
        let loaded = load(None, env(&[java]), &flag).unwrap();
        assert_eq!(loaded.config.serialize_type, "JSON", "flags beat env");
        let ours = ("NAMESRV_SERIALIZE_TYPE", "REQUEST");
        for order in [[java, ours], [ours, java]] {
            let loaded = load(None, env(&order), &[]).unwrap();
            assert_eq!(loaded.config.serialize_type, "REQUEST", "{order:?}");
        }
        let loaded = load(None, env(&[("ROCKETMQ_SERIALIZE_TYPE", "")]), &[]).unwrap();
        assert_eq!(loaded.config.serialize_type, "REQUEST", "empty: unset");
    }

    #[test]
    fn the_config_file_is_the_store_unless_a_layer_names_another() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("namesrv.properties");
        std::fs::write(&file, "listenPort=9876\n").unwrap();
        let loaded = load(Some(&file), vec![], &[]).unwrap();
        assert_eq!(loaded.config.config_store_path, file.display().to_string());
        std::fs::write(&file, "configStorePath=/state/namesrv.properties\n").unwrap();
        let loaded = load(Some(&file), vec![], &[]).unwrap();
        assert_eq!(loaded.config.config_store_path, "/state/namesrv.properties");
        let env = vec![(
            "NAMESRV_CONFIG_STORE_PATH".to_string(),
            "/env.properties".to_string(),
        )];
        let flag = [("configStorePath".to_string(), "/x.properties".to_string())];
        let loaded = load(Some(&file), env.clone(), &[]).unwrap();
        assert_eq!(loaded.config.config_store_path, "/env.properties");
        let loaded = load(Some(&file), env, &flag).unwrap();
        assert_eq!(loaded.config.config_store_path, "/x.properties");
    }

    #[test]
    fn values_that_do_not_fit_their_key_stop_the_load_naming_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("namesrv.properties");
        std::fs::write(&file, "listenPort=abc\nenableTopicList=yes\n").unwrap();
        let env = vec![("NAMESRV_LOG_FORMAT".to_string(), "xml".to_string())];
        let flags = parse_overrides(&["scanNotActiveBrokerInterval=-1".into()]).unwrap();
        let err = load(Some(&file), env, &flags).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration: enableTopicList: 'yes' is not true or false; \
             listenPort: 'abc' is not an integer from 0 to 65535; \
             logFormat: 'xml' is not one of human, json; \
             scanNotActiveBrokerInterval: '-1' is not an integer of at least 100"
        );
        let fixed =
            parse_overrides(&["listenPort=9877".into(), "enableTopicList=false".into()]).unwrap();
        assert!(
            load(Some(&file), vec![], &fixed).is_ok(),
            "only the result counts"
        );
    }

    #[test]
    fn a_config_file_java_cannot_read_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("namesrv.properties");
        std::fs::write(&file, "listenPort=9876\nkvConfigPath=\\u00zz\n").unwrap();
        let err = load(Some(&file), vec![], &[]).unwrap_err();
        assert!(matches!(err, LoadError::Properties { .. }), "{err}");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn a_lone_carriage_return_separates_keys_in_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("namesrv.properties");
        std::fs::write(&file, "enableTopicList=false\rkvConfigPath=/x/kv.json").unwrap();
        let loaded = load(Some(&file), vec![], &[]).unwrap();
        assert!(!loaded.config.enable_topic_list);
        assert_eq!(loaded.config.kv_config_path, "/x/kv.json");
    }

    #[test]
    fn of_two_flags_setting_one_key_the_later_wins() {
        let command = || {
            clap::Command::new("t")
                .arg(clap::Arg::new("port").long("listen-port"))
                .arg(
                    clap::Arg::new("set")
                        .short('o')
                        .action(clap::ArgAction::Append),
                )
        };
        let run = |args: &[&str]| {
            let matches = command().get_matches_from(args);
            let set: Vec<String> = matches
                .get_many::<String>("set")
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            let port = matches.get_one::<String>("port").cloned();
            flags_in_order(&matches, "set", &set, &[("port", "listenPort", port)]).unwrap()
        };
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            run(&["t", "--listen-port", "1", "-o", "listenPort=2", "-o", "a=b"]),
            vec![
                pair("listenPort", "1"),
                pair("listenPort", "2"),
                pair("a", "b")
            ]
        );
        assert_eq!(
            run(&["t", "-o", "listenPort=2", "--listen-port=1"]),
            vec![pair("listenPort", "2"), pair("listenPort", "1")]
        );
        let loaded = load(
            None,
            vec![],
            &run(&["t", "-o", "listenPort=2", "--listen-port=1"]),
        );
        assert_eq!(loaded.unwrap().config.listen_port, 1);
    }

    #[test]
    fn files_the_server_cannot_write_are_found_before_it_starts() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("regular-file");
        std::fs::write(&blocker, "x").unwrap();
        let good = |name: &str| dir.path().join("new/dirs").join(name).display().to_string();
        let config = NamesrvConfig {
            kv_config_path: good("kvConfig.json"),
            config_store_path: good("namesrv.properties"),
            route_snapshot_path: good("routes.json"),
            ..NamesrvConfig::default()
        };
        check_writable_paths(&config).unwrap();
        assert!(
            dir.path().join("new/dirs").is_dir(),
            "made as a write would"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("new/dirs"))
            .unwrap()
            .collect();
        assert!(leftovers.is_empty(), "the probe is removed: {leftovers:?}");

        let under_file = blocker.join("kvConfig.json").display().to_string();
        let cases = [
            ("kvConfigPath", under_file.clone()),
            ("configStorePath", "/proc/namesrv.properties".to_string()),
            ("routeSnapshotPath", dir.path().display().to_string()),
            ("kvConfigPath", String::new()),
        ];
        for (key, path) in cases {
            let mut bad = config.clone();
            match key {
                "kvConfigPath" => bad.kv_config_path = path.clone(),
                "configStorePath" => bad.config_store_path = path.clone(),
                _ => bad.route_snapshot_path = path.clone(),
            }
            let err = check_writable_paths(&bad).unwrap_err();
            assert_eq!((err.key, err.path.as_str()), (key, path.as_str()), "{err}");
        }
        let off = NamesrvConfig {
            route_snapshot_path: String::new(),
            ..config
        };
        check_writable_paths(&off).unwrap();
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
            let loaded = load(Some(&file), vec![], &[])
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(loaded.unknown.is_empty(), "{file:?}: {:?}", loaded.unknown);
            assert_ne!(
                loaded.config.config_store_path,
                file.display().to_string(),
                "{file:?} is installed read-only (ConfigMap, image, /etc under systemd): the \
                 store must be elsewhere or the start is refused"
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
