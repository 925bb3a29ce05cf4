//! The name server's configuration, under the Java key names.
//!
//! One flat struct holds every NamesrvConfig and NettyServerConfig key an operator's
//! `namesrv.properties` may contain, plus our own additions. Java names are the contract:
//! a file written for `mqnamesrv` works here unchanged, GET_NAMESRV_CONFIG shows the same
//! keys, and UPDATE_NAMESRV_CONFIG accepts the same ones.
//!
//! Conversion to and from properties goes through the serde (JSON) view of the struct, so a
//! key added to the struct is automatically printable, loadable and updatable.
//!
//! A value that does not fit its key is refused, never replaced by the default: Java's
//! setter matching silently keeps the default for `listenPort=abc` and reads `yes` as
//! false, so a typo there changes behaviour without a word. Here the start fails (and a
//! run-time update is refused) naming the key, the value and what the key takes.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub mod actor;
pub use actor::ConfigActor;

/// Keys never changeable at run time, whatever `configBlackList` says: they name files or
/// the black list itself. (A remote config update that rewrote file paths is how
/// CVE-2023-37582 reached code execution on Java name servers.)
pub const ALWAYS_BLACK_LISTED: [&str; 4] = [
    "configBlackList",
    "configStorePath",
    "kvConfigPath",
    "rocketmqHome",
];

/// The only keys UPDATE_NAMESRV_CONFIG may change: flags read on every request, which take
/// effect at once and name no file, thread or socket. Java accepts any key outside its black
/// list (and rewrites the config file with it), which is how CVE-2023-37582 turned a remote
/// config update into code execution; and most keys it accepts do nothing until a restart.
pub const RUNTIME_UPDATABLE: [&str; 9] = [
    "orderMessageEnable",
    "returnOrderTopicConfigToBroker",
    "supportActingMaster",
    "enableAllTopicList",
    "enableTopicList",
    "notifyMinBrokerIdChanged",
    "needWaitForService",
    "waitSecondsForService",
    "deleteTopicWithBrokerRegistration",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NamesrvConfig {
    // --- NamesrvConfig ---
    pub rocketmq_home: String,
    pub kv_config_path: String,
    pub config_store_path: String,
    pub product_env_name: String,
    pub cluster_test: bool,
    pub order_message_enable: bool,
    pub return_order_topic_config_to_broker: bool,
    pub client_request_thread_pool_nums: i64,
    pub default_thread_pool_nums: i64,
    pub client_request_thread_pool_queue_capacity: i64,
    pub default_thread_pool_queue_capacity: i64,
    pub scan_not_active_broker_interval: i64,
    pub un_register_broker_queue_capacity: i64,
    pub support_acting_master: bool,
    pub enable_all_topic_list: bool,
    pub enable_topic_list: bool,
    pub notify_min_broker_id_changed: bool,
    pub enable_controller_in_namesrv: bool,
    pub need_wait_for_service: bool,
    pub wait_seconds_for_service: i64,
    pub delete_topic_with_broker_registration: bool,
    pub config_black_list: String,
    // --- NettyServerConfig ---
    pub bind_address: String,
    pub listen_port: i64,
    pub server_worker_threads: i64,
    pub server_callback_executor_threads: i64,
    pub server_selector_threads: i64,
    pub server_oneway_semaphore_value: i64,
    pub server_async_semaphore_value: i64,
    pub server_channel_max_idle_time_seconds: i64,
    pub server_socket_snd_buf_size: i64,
    pub server_socket_rcv_buf_size: i64,
    pub write_buffer_high_water_mark: i64,
    pub write_buffer_low_water_mark: i64,
    pub server_socket_backlog: i64,
    pub server_netty_worker_group_enable: bool,
    pub server_pooled_byte_buf_allocator_enable: bool,
    pub enable_shutdown_gracefully: bool,
    pub shutdown_wait_time_seconds: i64,
    pub use_epoll_native_selector: bool,
    // --- ours ---
    /// Largest accepted frame (`totalLength + 4`), Java's `com.rocketmq.remoting.frameMaxLength`.
    pub frame_max_length: i64,
    /// Header encoding of our replies: `REQUEST` (mirror each request), `JSON` or `ROCKETMQ`.
    pub serialize_type: String,
    /// Threads serving connections; 0 means half the CPUs (at least one).
    pub io_threads: i64,
    /// `human` or `json` log lines.
    pub log_format: String,
    /// Open connections at most; more are closed as soon as they are accepted.
    pub max_connections: i64,
    /// Requests of one connection in progress at most; more get SYSTEM_BUSY.
    pub max_in_flight_per_connection: i64,
    /// Bytes of answers a peer may leave unread before its connection is closed.
    pub max_write_backlog_bytes: i64,
    /// A frame must arrive whole within this many ms of its first byte (0 = no limit).
    pub frame_read_timeout_millis: i64,
    /// Warm restart: route snapshot file, written periodically and on shutdown and restored
    /// at start (empty = off).
    pub route_snapshot_path: String,
    /// Seconds between route snapshots (written only when routes changed).
    pub route_snapshot_interval_seconds: i64,
    /// While stopping, answer requests from clients newer than V5_3_1 with GO_AWAY and close
    /// their connection (false: serve them as usual until the process exits).
    pub go_away_on_shutdown: bool,
    /// Port of the HTTP endpoint (/metrics, /healthz, /readyz) on `bindAddress`; -1 = off,
    /// 0 = any free port.
    pub http_port: i64,
    /// Admin requests (KV put/delete, topic delete/register, write-perm changes, config
    /// update) allowed from these CIDRs or addresses, `;`-separated (empty: not this way).
    pub auth_admin_addresses: String,
    /// A properties file of `accessKey=secretKey` lines; admin requests signed with one of
    /// them (RocketMQ ACL signature) are allowed.
    pub auth_credentials_file: String,
    /// TLS client-certificate subject CNs allowed to make admin requests, `;`-separated
    /// (certificates verified per `tls.server.need.client.auth`).
    pub auth_tls_subjects: String,
    /// Require the same for reads (route, cluster, topic lists, KV/config reads).
    pub auth_reads: bool,
    /// Load balancers (CIDRs or addresses, `;`-separated) whose PROXY protocol preamble is
    /// believed for authorization: from them, the client address the preamble names is what
    /// `authAdminAddresses` judges. From anyone else a preamble's address is only logged.
    pub proxy_protocol_trusted_addresses: String,
    /// TLS on the remoting port (Java: `tls.server.mode`): `disabled`, `permissive` (TLS and
    /// plain on one port) or `enforcing`.
    pub tls_server_mode: String,
    /// PEM certificate chain (Java: `tls.server.certPath`).
    pub tls_server_cert_path: String,
    /// PEM private key, PKCS#8, RSA or EC (Java: `tls.server.keyPath`).
    pub tls_server_key_path: String,
    /// Java: `tls.server.keyPassword`: decrypts an `ENCRYPTED PRIVATE KEY` (PKCS#8, PBES2).
    pub tls_server_key_password: String,
    /// Client certificates (Java: `tls.server.need.client.auth`): `none`, `optional`, `require`.
    pub tls_server_need_client_auth: String,
    /// Java: `tls.server.authClient`; client certificates are always verified against
    /// `tlsServerTrustCertPath` here when asked for, so this only has to agree.
    pub tls_server_auth_client: bool,
    /// PEM CA certificates that client certificates must chain to (Java:
    /// `tls.server.trustCertPath`).
    pub tls_server_trust_cert_path: String,
    /// The replica list the HTTP endpoint serves at `/rocketmq/nsaddr` as RocketMQ's address
    /// server (`host:port;host:port`), for clients configured with a name-server domain.
    pub address_server_list: String,
}

impl Default for NamesrvConfig {
    fn default() -> Self {
        let home = std::env::var("HOME").unwrap_or_else(|_| ".".into());
        NamesrvConfig {
            rocketmq_home: std::env::var("ROCKETMQ_HOME").unwrap_or_default(),
            kv_config_path: format!("{home}/namesrv/kvConfig.json"),
            config_store_path: format!("{home}/namesrv/namesrv.properties"),
            product_env_name: "center".into(),
            cluster_test: false,
            order_message_enable: false,
            return_order_topic_config_to_broker: true,
            client_request_thread_pool_nums: 8,
            default_thread_pool_nums: 16,
            client_request_thread_pool_queue_capacity: 50_000,
            default_thread_pool_queue_capacity: 10_000,
            scan_not_active_broker_interval: 5_000,
            un_register_broker_queue_capacity: 3_000,
            support_acting_master: false,
            enable_all_topic_list: true,
            enable_topic_list: true,
            notify_min_broker_id_changed: false,
            enable_controller_in_namesrv: false,
            need_wait_for_service: false,
            wait_seconds_for_service: 45,
            delete_topic_with_broker_registration: false,
            config_black_list: "configBlackList;configStorePath;kvConfigPath".into(),
            bind_address: "0.0.0.0".into(),
            listen_port: 9876,
            server_worker_threads: 8,
            server_callback_executor_threads: 0,
            server_selector_threads: 3,
            server_oneway_semaphore_value: 256,
            server_async_semaphore_value: 64,
            server_channel_max_idle_time_seconds: 120,
            server_socket_snd_buf_size: 0,
            server_socket_rcv_buf_size: 0,
            write_buffer_high_water_mark: 0,
            write_buffer_low_water_mark: 0,
            server_socket_backlog: 1024,
            server_netty_worker_group_enable: true,
            server_pooled_byte_buf_allocator_enable: true,
            enable_shutdown_gracefully: false,
            shutdown_wait_time_seconds: 30,
            use_epoll_native_selector: false,
            frame_max_length: 16 * 1024 * 1024,
            serialize_type: "REQUEST".into(),
            io_threads: 0,
            log_format: "human".into(),
            max_connections: 50_000,
            max_in_flight_per_connection: 1024,
            max_write_backlog_bytes: 16 * 1024 * 1024,
            frame_read_timeout_millis: 60_000,
            route_snapshot_path: String::new(),
            route_snapshot_interval_seconds: 10,
            go_away_on_shutdown: false,
            http_port: -1,
            tls_server_mode: "disabled".into(),
            tls_server_cert_path: String::new(),
            tls_server_key_path: String::new(),
            tls_server_key_password: String::new(),
            tls_server_need_client_auth: "none".into(),
            tls_server_auth_client: false,
            tls_server_trust_cert_path: String::new(),
            auth_admin_addresses: String::new(),
            auth_credentials_file: String::new(),
            auth_tls_subjects: String::new(),
            auth_reads: false,
            proxy_protocol_trusted_addresses: String::new(),
            address_server_list: String::new(),
        }
    }
}

/// The flags read on every request, pushed to the route owner whenever they change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeFlags {
    pub order_message_enable: bool,
    pub return_order_topic_config_to_broker: bool,
    pub support_acting_master: bool,
    pub enable_all_topic_list: bool,
    pub enable_topic_list: bool,
    pub notify_min_broker_id_changed: bool,
    pub need_wait_for_service: bool,
    pub wait_seconds_for_service: i64,
    pub delete_topic_with_broker_registration: bool,
}

impl Default for RuntimeFlags {
    fn default() -> Self {
        NamesrvConfig::default().runtime_flags()
    }
}

/// What applying a set of properties did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Keys this server does not know (kept, and shown by GET_NAMESRV_CONFIG, as Java does).
    pub unknown: Vec<String>,
    /// Known keys whose value does not fit them; they keep their previous value.
    pub rejected: Vec<InvalidValue>,
}

/// A value a key cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: '{value}' is not {expected}")]
pub struct InvalidValue {
    pub key: String,
    pub value: String,
    /// What the key takes, as a phrase ("true or false", "an integer from 0 to 65535").
    pub expected: String,
}

/// Keys whose value GET_NAMESRV_CONFIG shows as [`REDACTED`] when set.
pub const SECRET_KEYS: [&str; 1] = ["tlsServerKeyPassword"];
pub const REDACTED: &str = "******";

/// Java's largest `int`: the bound of every limit below, which also keeps durations made
/// from them far from overflowing a clock.
const INT_MAX: i64 = i32::MAX as i64;

/// Integer keys that have an effect here, with the values that make sense for them. Other
/// integer keys (Java's thread-pool sizes and the like, accepted for compatibility) only
/// have to be integers.
const INTEGER_RANGES: [(&str, i64, i64); 12] = [
    ("listenPort", 0, 65535),
    ("httpPort", -1, 65535),
    ("scanNotActiveBrokerInterval", 100, INT_MAX),
    ("waitSecondsForService", 0, INT_MAX),
    ("serverChannelMaxIdleTimeSeconds", 0, INT_MAX),
    ("frameMaxLength", 1024, INT_MAX),
    ("ioThreads", 0, 1024),
    ("maxConnections", 1, INT_MAX),
    ("maxInFlightPerConnection", 1, INT_MAX),
    ("maxWriteBacklogBytes", 0, INT_MAX),
    ("frameReadTimeoutMillis", 0, INT_MAX),
    ("routeSnapshotIntervalSeconds", 1, INT_MAX),
];

/// Text keys that take one of a few words (compared without case).
const CHOICES: [(&str, &[&str]); 4] = [
    ("logFormat", &["human", "json"]),
    ("serializeType", &["REQUEST", "JSON", "ROCKETMQ"]),
    ("tlsServerMode", &["disabled", "permissive", "enforcing"]),
    ("tlsServerNeedClientAuth", &["none", "optional", "require"]),
];

/// Text keys that take a list of CIDRs and addresses.
const ADDRESS_LISTS: [&str; 2] = ["authAdminAddresses", "proxyProtocolTrustedAddresses"];

/// The value `raw` gives `key`, whose current value is `current`, or what the key takes.
fn convert(key: &str, current: &serde_json::Value, raw: &str) -> Result<serde_json::Value, String> {
    match current {
        serde_json::Value::Bool(_) => {
            if raw.eq_ignore_ascii_case("true") {
                Ok(true.into())
            } else if raw.eq_ignore_ascii_case("false") {
                Ok(false.into())
            } else {
                Err("true or false".into())
            }
        }
        serde_json::Value::Number(_) => {
            let range = INTEGER_RANGES.iter().find(|(k, _, _)| *k == key);
            let n = raw.parse::<i64>().ok();
            match (n, range) {
                (Some(n), None) => Ok(n.into()),
                (Some(n), Some((_, min, max))) if (*min..=*max).contains(&n) => Ok(n.into()),
                (_, None) => Err("an integer".into()),
                (_, Some((_, min, max))) if *max == INT_MAX => {
                    Err(format!("an integer of at least {min}"))
                }
                (_, Some((_, min, max))) => Err(format!("an integer from {min} to {max}")),
            }
        }
        _ => {
            if let Some((_, words)) = CHOICES.iter().find(|(k, _)| *k == key) {
                if !words.iter().any(|w| w.eq_ignore_ascii_case(raw)) {
                    return Err(format!("one of {}", words.join(", ")));
                }
            }
            if key == "bindAddress" && raw.parse::<IpAddr>().is_err() {
                return Err("an IP address".into());
            }
            if ADDRESS_LISTS.contains(&key) {
                if let Err(entry) = crate::auth::networks::parse(raw) {
                    return Err(format!(
                        "a ;-separated list of addresses and CIDRs ('{entry}' is neither)"
                    ));
                }
            }
            Ok(serde_json::Value::String(raw.to_owned()))
        }
    }
}

impl NamesrvConfig {
    pub fn runtime_flags(&self) -> RuntimeFlags {
        RuntimeFlags {
            order_message_enable: self.order_message_enable,
            return_order_topic_config_to_broker: self.return_order_topic_config_to_broker,
            support_acting_master: self.support_acting_master,
            enable_all_topic_list: self.enable_all_topic_list,
            enable_topic_list: self.enable_topic_list,
            notify_min_broker_id_changed: self.notify_min_broker_id_changed,
            need_wait_for_service: self.need_wait_for_service,
            wait_seconds_for_service: self.wait_seconds_for_service,
            delete_topic_with_broker_registration: self.delete_topic_with_broker_registration,
        }
    }

    /// Every key with its value as text, sorted by key (GET_NAMESRV_CONFIG, `-p`).
    pub fn to_properties(&self) -> BTreeMap<String, String> {
        let value = serde_json::to_value(self).unwrap_or_default();
        let mut out = BTreeMap::new();
        if let serde_json::Value::Object(map) = value {
            for (k, v) in map {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(k, text);
            }
        }
        out
    }

    /// Whether `key` is a configuration key this server knows.
    pub fn is_known_key(key: &str) -> bool {
        matches!(
            serde_json::to_value(NamesrvConfig::default()),
            Ok(serde_json::Value::Object(map)) if map.contains_key(key)
        )
    }

    /// Applies properties by Java key: each value (trimmed) converted to the key's type and
    /// checked against what the key takes (booleans are `true` or `false` in any case,
    /// integers within the key's range, some texts one of a few words). A value that does
    /// not fit is reported and its key keeps its previous value; unknown keys are reported.
    pub fn apply_properties<'a>(
        &mut self,
        properties: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Applied {
        let mut applied = Applied::default();
        let Ok(serde_json::Value::Object(mut map)) = serde_json::to_value(&*self) else {
            return applied;
        };
        for (key, raw) in properties {
            let raw = raw.trim();
            let Some(slot) = map.get_mut(key) else {
                applied.unknown.push(key.to_owned());
                continue;
            };
            match convert(key, slot, raw) {
                Ok(v) => *slot = v,
                Err(expected) => applied.rejected.push(InvalidValue {
                    key: key.to_owned(),
                    value: raw.to_owned(),
                    expected,
                }),
            }
        }
        if let Ok(updated) = serde_json::from_value(serde_json::Value::Object(map)) {
            *self = updated;
        }
        applied
    }

    /// Keys UPDATE_NAMESRV_CONFIG refuses: the fixed ones plus `configBlackList` entries.
    pub fn black_list(&self) -> Vec<String> {
        let mut list: Vec<String> = ALWAYS_BLACK_LISTED.iter().map(|s| s.to_string()).collect();
        for key in self.config_black_list.split(';') {
            let key = key.trim();
            if !key.is_empty() && !list.iter().any(|k| k == key) {
                list.push(key.to_owned());
            }
        }
        list
    }

    pub fn kv_config_path(&self) -> PathBuf {
        PathBuf::from(&self.kv_config_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_key_names_and_defaults_are_printed() {
        let props = NamesrvConfig::default().to_properties();
        assert_eq!(props["listenPort"], "9876");
        assert_eq!(props["scanNotActiveBrokerInterval"], "5000");
        assert_eq!(props["unRegisterBrokerQueueCapacity"], "3000");
        assert_eq!(props["enableAllTopicList"], "true");
        assert_eq!(props["serverChannelMaxIdleTimeSeconds"], "120");
        assert_eq!(
            props["configBlackList"],
            "configBlackList;configStorePath;kvConfigPath"
        );
        assert!(props["kvConfigPath"].ends_with("/namesrv/kvConfig.json"));
    }

    #[test]
    fn properties_apply_converted_to_the_keys_types() {
        let mut config = NamesrvConfig::default();
        let applied = config.apply_properties([
            ("listenPort", " 19876 "),
            ("enableTopicList", "TRUE"),
            ("enableAllTopicList", "False"),
            ("supportActingMaster", "true"),
            ("logFormat", "JSON"),
            ("bindAddress", "::1"),
            ("serverWorkerThreads", "-3"),
            ("brokerIP1", "127.0.0.1"),
        ]);
        assert_eq!(config.listen_port, 19876);
        assert!(config.enable_topic_list);
        assert!(!config.enable_all_topic_list);
        assert!(config.support_acting_master);
        assert_eq!(config.log_format, "JSON");
        assert_eq!(config.bind_address, "::1");
        assert_eq!(
            config.server_worker_threads, -3,
            "no effect here: any integer"
        );
        assert_eq!(applied.unknown, vec!["brokerIP1".to_string()]);
        assert!(applied.rejected.is_empty(), "{:?}", applied.rejected);
    }

    #[test]
    fn values_that_do_not_fit_their_key_are_refused_naming_what_it_takes() {
        let cases = [
            ("listenPort", "abc", "an integer from 0 to 65535"),
            ("listenPort", "70000", "an integer from 0 to 65535"),
            ("enableTopicList", "yes", "true or false"),
            ("orderMessageEnable", "1", "true or false"),
            ("enableAllTopicList", "", "true or false"),
            (
                "scanNotActiveBrokerInterval",
                "-5000",
                "an integer of at least 100",
            ),
            ("waitSecondsForService", "-1", "an integer of at least 0"),
            (
                "routeSnapshotIntervalSeconds",
                "0",
                "an integer of at least 1",
            ),
            (
                "serverChannelMaxIdleTimeSeconds",
                "1.5",
                "an integer of at least 0",
            ),
            ("httpPort", "-2", "an integer from -1 to 65535"),
            ("frameMaxLength", "100", "an integer of at least 1024"),
            ("maxInFlightPerConnection", "0", "an integer of at least 1"),
            ("serverWorkerThreads", "eight", "an integer"),
            ("logFormat", "xml", "one of human, json"),
            ("serializeType", "XML", "one of REQUEST, JSON, ROCKETMQ"),
            (
                "tlsServerMode",
                "on",
                "one of disabled, permissive, enforcing",
            ),
            ("bindAddress", "localhost", "an IP address"),
            (
                "proxyProtocolTrustedAddresses",
                "10.0.0.0/8;lb.example",
                "a ;-separated list of addresses and CIDRs ('lb.example' is neither)",
            ),
            (
                "authAdminAddresses",
                "10.0.0.0/33",
                "a ;-separated list of addresses and CIDRs ('10.0.0.0/33' is neither)",
            ),
        ];
        for (key, value, expected) in cases {
            let mut config = NamesrvConfig::default();
            let applied = config.apply_properties([(key, value)]);
            assert_eq!(
                applied.rejected,
                vec![InvalidValue {
                    key: key.into(),
                    value: value.into(),
                    expected: expected.into()
                }],
                "{key}={value}"
            );
            assert_eq!(config, NamesrvConfig::default(), "{key} keeps its value");
        }
        let error = InvalidValue {
            key: "listenPort".into(),
            value: "abc".into(),
            expected: "an integer from 0 to 65535".into(),
        };
        assert_eq!(
            error.to_string(),
            "listenPort: 'abc' is not an integer from 0 to 65535"
        );
    }

    #[test]
    fn every_default_fits_its_key() {
        let defaults = NamesrvConfig::default().to_properties();
        let mut config = NamesrvConfig::default();
        let applied =
            config.apply_properties(defaults.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert!(applied.rejected.is_empty(), "{:?}", applied.rejected);
        for (key, _, _) in INTEGER_RANGES {
            assert!(NamesrvConfig::is_known_key(key), "{key}");
        }
        for (key, _) in CHOICES {
            assert!(NamesrvConfig::is_known_key(key), "{key}");
        }
        for key in ADDRESS_LISTS {
            assert!(NamesrvConfig::is_known_key(key), "{key}");
        }
    }

    #[test]
    fn every_runtime_updatable_key_is_a_known_flag() {
        let flags_before = NamesrvConfig::default().runtime_flags();
        for key in RUNTIME_UPDATABLE {
            assert!(NamesrvConfig::is_known_key(key), "{key}");
            assert!(!ALWAYS_BLACK_LISTED.contains(&key));
        }
        let mut config = NamesrvConfig::default();
        config.apply_properties(RUNTIME_UPDATABLE.iter().map(|k| (*k, "true")));
        assert_ne!(
            config.runtime_flags(),
            flags_before,
            "they are the run-time flags"
        );
    }

    #[test]
    fn black_list_always_holds_the_path_keys() {
        let config = NamesrvConfig {
            config_black_list: "listenPort; ".into(),
            ..Default::default()
        };
        let list = config.black_list();
        for key in ALWAYS_BLACK_LISTED {
            assert!(list.iter().any(|k| k == key));
        }
        assert!(list.iter().any(|k| k == "listenPort"));
        assert!(NamesrvConfig::is_known_key("enableTopicList"));
        assert!(!NamesrvConfig::is_known_key("nonsense"));
    }
}
