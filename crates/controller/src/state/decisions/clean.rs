//! CLEAN_BROKER_DATA (`mqadmin cleanBrokerMetadata`): forget replicas, or a whole group, so
//! their ids and history do not outlive decommissioned brokers.

use std::collections::BTreeSet;

use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::{CleanControllerBrokerDataRequestHeader, NoHeader};

use crate::state::liveness::ReplicaLiveness;
use crate::state::{ControllerEvent, Decision, ReplicasInfo};

impl ReplicasInfo {
    /// Without `isCleanLivingBroker`: a whole group only once it has no master, listed ids
    /// only if none of them is alive. With it, Java never reads the id list, so the whole
    /// group goes even when ids were given; we do the same, as `mqadmin` users get today.
    pub fn clean_broker_data(
        &self,
        header: &CleanControllerBrokerDataRequestHeader,
        liveness: &impl ReplicaLiveness,
    ) -> Decision<NoHeader> {
        let refuse = |remark: String| {
            Decision::refuse(
                ResponseCode::CONTROLLER_INVALID_CLEAN_BROKER_METADATA,
                remark,
                None,
            )
        };
        let name = &header.broker_name;
        let listed = header
            .broker_controller_ids_to_clean
            .as_deref()
            .filter(|ids| !ids.trim().is_empty());
        let mut ids = None;
        if !header.is_clean_living_broker {
            match listed {
                None => {
                    let has_master = self
                        .sync_state_info(name)
                        .is_some_and(|sync| sync.master_broker_id().is_some());
                    if has_master {
                        return refuse(format!(
                            "broker group {name} still has a master; clean refused"
                        ));
                    }
                }
                Some(text) => {
                    let Some(parsed) = parse_ids(text) else {
                        return refuse(format!(
                            "brokerControllerIdsToClean must be broker ids joined by ';', not {text:?}"
                        ));
                    };
                    for &id in &parsed {
                        // Java asks with a null cluster, which is never alive.
                        let alive = header
                            .cluster_name
                            .as_deref()
                            .is_some_and(|cluster| liveness.is_alive(cluster, name, id));
                        if alive {
                            return refuse(format!(
                                "broker {id} of broker group {name} is alive; clean refused"
                            ));
                        }
                    }
                    ids = Some(parsed);
                }
            }
        }
        if self.group(name).is_none() {
            return refuse(format!("broker group {name} is unknown to the controller"));
        }
        Decision::success(None).with_event(ControllerEvent::CleanBrokerData {
            broker_name: name.clone(),
            broker_id_set_to_clean: ids,
        })
    }
}

/// `1;2;3` as Java's `split(";")` and `Long.valueOf` read it: trailing empty parts are
/// dropped, any other empty or non-numeric part fails.
fn parse_ids(text: &str) -> Option<BTreeSet<i64>> {
    let mut parts: Vec<&str> = text.split(';').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts.into_iter().map(|part| part.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::parse_ids;

    #[test]
    fn ids_parse_like_java_split_and_long_value_of() {
        assert_eq!(parse_ids("1;2;3"), Some([1, 2, 3].into()));
        assert_eq!(parse_ids("1;2;"), Some([1, 2].into()));
        assert_eq!(parse_ids("+1"), Some([1].into()));
        assert_eq!(parse_ids(";1"), None);
        assert_eq!(parse_ids("1;;2"), None);
        assert_eq!(parse_ids("1; 2"), None);
        assert_eq!(parse_ids("a"), None);
    }
}
