//! Which name server a replica is — ours or another (Java's) — because QUERY_DATA_VERSION
//! means different things to them. Ours reads without touching liveness when asked with
//! `__READ_ONLY=true`; Java ignores the key and counts the query as hearing from the broker
//! (5.x always, 4.9.x when the answer is "unchanged"). Reading data versions from a Java name
//! server every few seconds would keep a broker that stopped heartbeating routed forever, so
//! the tool asks only ours unless told otherwise (`--touch-liveness`).
//!
//! Ours is recognised by its GET_NAMESRV_CONFIG answer, which lists keys of our own
//! (`frameMaxLength`, `maxWriteBacklogBytes`): Java has neither, and its UPDATE_NAMESRV_CONFIG
//! only changes keys it has, so no Java configuration lists them. A replica whose
//! configuration cannot be read counts as not ours: guessing wrong that way costs a missing
//! column, the other way a dead broker kept alive.

use std::collections::{BTreeMap, HashMap};

use namesrv_client::Client;

use crate::{queries, AdminError};

/// Keys only our name server's configuration has.
const OUR_KEYS: [&str; 2] = ["frameMaxLength", "maxWriteBacklogBytes"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flavor {
    Ours,
    /// Java's, or one that could not be told apart from it; why it does not count as ours.
    Other(String),
}

/// What each replica turned out to be, asked once per replica and process.
#[derive(Default)]
pub struct Flavors(HashMap<String, Flavor>);

impl Flavors {
    pub fn of(&mut self, c: &mut Client) -> Result<Flavor, AdminError> {
        if let Some(known) = self.0.get(c.addr()) {
            return Ok(known.clone());
        }
        let flavor = match queries::config_get(c) {
            Ok(config) => from_config(&config),
            Err(AdminError::Refused { code, remark, .. }) => Flavor::Other(format!(
                "its configuration could not be read (code {code}: {remark})"
            )),
            Err(e) => return Err(e),
        };
        self.0.insert(c.addr().to_owned(), flavor.clone());
        Ok(flavor)
    }

    /// Why data versions must not be read from this replica, or `None` when they may: always
    /// from ours, from any other only when the operator accepts that the query refreshes the
    /// brokers' liveness.
    pub fn data_versions_declined(
        &mut self,
        c: &mut Client,
        touch_liveness: bool,
    ) -> Result<Option<String>, AdminError> {
        if touch_liveness {
            return Ok(None);
        }
        Ok(match self.of(c)? {
            Flavor::Ours => None,
            Flavor::Other(why) => Some(format!(
                "not known to be our name server ({why}); a Java name server counts \
                 QUERY_DATA_VERSION as a heartbeat from the broker, so reading data versions \
                 would keep a broker that stopped heartbeating alive (--touch-liveness to ask \
                 anyway)"
            )),
        })
    }
}

pub fn from_config(config: &BTreeMap<String, String>) -> Flavor {
    if OUR_KEYS.iter().any(|k| config.contains_key(*k)) {
        Flavor::Ours
    } else {
        Flavor::Other(format!(
            "its configuration has neither {} nor {}",
            OUR_KEYS[0], OUR_KEYS[1]
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(keys: &[&str]) -> BTreeMap<String, String> {
        keys.iter().map(|k| (k.to_string(), "1".into())).collect()
    }

    #[test]
    fn ours_is_told_by_a_key_of_its_own() {
        assert_eq!(
            from_config(&config(&["listenPort", "frameMaxLength"])),
            Flavor::Ours
        );
        assert_eq!(
            from_config(&config(&["listenPort", "maxWriteBacklogBytes"])),
            Flavor::Ours
        );
    }

    #[test]
    fn a_java_configuration_is_not_ours() {
        let java = config(&[
            "listenPort",
            "kvConfigPath",
            "serverWorkerThreads",
            "enableTopicList",
            "rocketmqHome",
        ]);
        assert!(matches!(from_config(&java), Flavor::Other(_)));
    }
}
