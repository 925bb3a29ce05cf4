//! The KV config as plain data: namespace → key → value.
//!
//! Namespaces are kept once created, even when their last key is deleted (Java does the
//! same, and GET_KVLIST_BY_NAMESPACE tells an empty namespace from a missing one).

use std::collections::BTreeMap;

use namesrv_protocol::body::{JsonBody, JsonDialect, KvConfigFile};
use namesrv_protocol::error::BodyError;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KvStore {
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
}

impl KvStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the Java `kvConfig.json` format; an empty (or blank) file is an empty store.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, BodyError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::new());
        }
        let file = KvConfigFile::from_json(bytes)?;
        Ok(Self {
            namespaces: file.config_table,
        })
    }

    /// The whole store in the Java file format.
    pub fn to_file_bytes(&self) -> Vec<u8> {
        KvConfigFile {
            config_table: self.namespaces.clone(),
        }
        .to_json(JsonDialect::Standard)
    }

    pub fn put(&mut self, namespace: &str, key: &str, value: &str) {
        self.namespaces
            .entry(namespace.to_owned())
            .or_default()
            .insert(key.to_owned(), value.to_owned());
    }

    /// What Java's put of a null value amounts to: the namespace exists afterwards and the
    /// key has no value (GET answers "not found", lists and the file leave it out).
    pub fn put_null(&mut self, namespace: &str, key: &str) {
        self.namespaces
            .entry(namespace.to_owned())
            .or_default()
            .remove(key);
    }

    pub fn get(&self, namespace: &str, key: &str) -> Option<&str> {
        self.namespaces.get(namespace)?.get(key).map(String::as_str)
    }

    /// Removes a key; true if it was there.
    pub fn delete(&mut self, namespace: &str, key: &str) -> bool {
        self.namespaces
            .get_mut(namespace)
            .is_some_and(|ns| ns.remove(key).is_some())
    }

    pub fn namespace(&self, namespace: &str) -> Option<&BTreeMap<String, String>> {
        self.namespaces.get(namespace)
    }

    pub fn namespace_count(&self) -> usize {
        self.namespaces.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_list_and_delete() {
        let mut kv = KvStore::new();
        kv.put("ORDER_TOPIC_CONFIG", "UnitTest", "test");
        assert_eq!(kv.get("ORDER_TOPIC_CONFIG", "UnitTest"), Some("test"));
        assert_eq!(kv.namespace("ORDER_TOPIC_CONFIG").unwrap().len(), 1);
        kv.put("ORDER_TOPIC_CONFIG", "UnitTest", "again");
        assert_eq!(kv.get("ORDER_TOPIC_CONFIG", "UnitTest"), Some("again"));
        assert!(kv.delete("ORDER_TOPIC_CONFIG", "UnitTest"));
        assert_eq!(kv.get("ORDER_TOPIC_CONFIG", "UnitTest"), None);
        // The namespace outlives its last key.
        assert!(kv.namespace("ORDER_TOPIC_CONFIG").unwrap().is_empty());
    }

    #[test]
    fn a_null_put_hides_the_old_value_and_creates_the_namespace() {
        let mut kv = KvStore::new();
        kv.put("ns", "k", "v");
        kv.put_null("ns", "k");
        assert_eq!(kv.get("ns", "k"), None);
        assert!(kv.namespace("ns").unwrap().is_empty());
        kv.put_null("fresh", "k");
        assert!(kv.namespace("fresh").unwrap().is_empty());
    }

    #[test]
    fn deleting_from_a_namespace_that_never_existed_changes_nothing() {
        let mut kv = KvStore::new();
        assert!(!kv.delete("ORDER_TOPIC_CONFIG", "UnitTest"));
        assert!(kv.namespace("ORDER_TOPIC_CONFIG").is_none());
        assert_eq!(kv.get("ORDER_TOPIC_CONFIG", "UnitTest"), None);
    }

    #[test]
    fn the_java_file_format_round_trips() {
        let java = br#"{"configTable":{"ORDER_TOPIC_CONFIG":{"broker-name":"broker-a:8","topic-name":"t","cid":"c"}}}"#;
        let kv = KvStore::from_file_bytes(java).unwrap();
        assert_eq!(kv.get("ORDER_TOPIC_CONFIG", "cid"), Some("c"));
        let back = KvStore::from_file_bytes(&kv.to_file_bytes()).unwrap();
        assert_eq!(back, kv);
        assert_eq!(back.namespace("ORDER_TOPIC_CONFIG").unwrap().len(), 3);
    }

    #[test]
    fn empty_file_is_an_empty_store_and_garbage_is_an_error() {
        assert_eq!(KvStore::from_file_bytes(b"").unwrap(), KvStore::new());
        assert_eq!(KvStore::from_file_bytes(b" \n").unwrap(), KvStore::new());
        assert!(KvStore::from_file_bytes(b"{\"configTable\":").is_err());
    }
}
