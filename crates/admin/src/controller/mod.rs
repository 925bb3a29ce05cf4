//! Commands for the RocketMQ 5 controller (ours, embedded in the name server, or Java's): the
//! `mqadmin` controller commands, with the tool's output, `--json` and exit codes.
//!
//! The controller is not the name server: it listens on each node's address in
//! `controllerDLegerPeers`, so these commands take their own address list (`-a`), not
//! `--namesrv`. What a command does with the list follows from what the controller shares:
//! its decisions (sync-state sets, elections, cleaning) are made by the leader alone, so
//! those commands find the leader through the list (`leader`); each node's view of the group
//! and its configuration are its own, so `controller-metadata` asks every node, and
//! `controller-config` reads like a name-server read (the first node that answers, every one
//! with `--all-replicas`) and writes to every node, as `mqadmin updateControllerConfig` does.

mod args;
mod leader;
mod output;
mod requests;

use std::time::Duration;

use serde_json::{json, Value};

pub use args::ControllerCommand;

use crate::error::{self, AdminError};
use crate::{fanout, queries};

pub fn run(
    command: &ControllerCommand,
    json: bool,
    all_replicas: bool,
    timeout: Duration,
) -> Result<i32, AdminError> {
    let addrs = crate::replica_list(command.addresses());
    if addrs.is_empty() {
        return Err(AdminError::Usage("--controller (-a) is empty".into()));
    }
    match command {
        ControllerCommand::ControllerMetadata(_) => Ok(metadata(&addrs, json, timeout)),
        ControllerCommand::SyncStateSet(a) => {
            let names: Vec<String> = a
                .broker_name
                .iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect();
            if names.is_empty() {
                return Err(AdminError::Usage(
                    "sync-state-set needs a broker name".into(),
                ));
            }
            let (leader, info) =
                leader::on_leader(&addrs, timeout, |c| requests::sync_state_data(c, &names))?;
            let unknown: Vec<String> = names
                .iter()
                .filter(|n| !info.replicas_info_table.contains_key(*n))
                .cloned()
                .collect();
            let (value, text) = output::sync_state_set(&leader, &info, &unknown);
            crate::output::print(json, &value, &text);
            if unknown.is_empty() {
                return Ok(0);
            }
            let e = AdminError::Rejected {
                addr: leader,
                why: format!(
                    "the controller knows no broker group {}",
                    unknown.join(", ")
                ),
            };
            if !json {
                eprintln!("namesrv-admin: {e}");
            }
            Ok(e.exit_code())
        }
        ControllerCommand::ElectMaster(a) => {
            let (leader, (header, body)) = leader::on_leader(&addrs, timeout, |c| {
                requests::elect_master(c, &a.cluster, &a.broker_name, a.broker_id)
            })?;
            let (value, text) =
                output::elect_master(&leader, &a.cluster, &a.broker_name, &header, &body);
            crate::output::print(json, &value, &text);
            Ok(0)
        }
        ControllerCommand::CleanBrokerData(a) => {
            let has_cluster = a.cluster.as_deref().is_some_and(|c| !c.trim().is_empty());
            if !a.clean_living && !has_cluster {
                return Err(AdminError::Usage(
                    "clean-broker-data needs -c CLUSTER unless --clean-living (without a \
                     cluster the controller takes every replica for dead)"
                        .into(),
                ));
            }
            let ids = a.broker_ids.as_deref().map(broker_ids).transpose()?;
            let (leader, ()) = leader::on_leader(&addrs, timeout, |c| {
                requests::clean_broker_data(
                    c,
                    a.cluster.as_deref(),
                    &a.broker_name,
                    ids.as_deref(),
                    a.clean_living,
                )
            })?;
            let what = match &ids {
                Some(ids) if !a.clean_living => format!("broker ids {ids} of {}", a.broker_name),
                _ => format!("broker group {}", a.broker_name),
            };
            crate::output::print(
                json,
                &json!({ "ok": true, "leader": leader, "brokerName": a.broker_name,
                         "brokerIds": ids, "cleanLivingBroker": a.clean_living }),
                &format!("{what} cleaned from the controller (leader {leader})\n"),
            );
            Ok(0)
        }
        ControllerCommand::ControllerConfig(a) if a.set.is_empty() => {
            let ask = |_: usize, addr: &str| {
                let mut c = queries::connect(addr, timeout)?;
                Ok(crate::output::key_values(&requests::config(&mut c)?))
            };
            if all_replicas {
                Ok(fanout::every(&addrs, json, ask))
            } else {
                fanout::first(&addrs, json, ask)
            }
        }
        ControllerCommand::ControllerConfig(a) => {
            let settings = crate::parse_settings(&a.set)?;
            Ok(fanout::every(&addrs, json, |_, addr| {
                let mut c = queries::connect(addr, timeout)?;
                requests::update_config(&mut c, &settings)?;
                Ok(crate::ok())
            }))
        }
    }
}

/// `1;2;` → `1;2`, checked as the controller will parse it (a trailing `;` is allowed, as
/// Java's `split` drops it; blanks and non-numbers are not).
fn broker_ids(text: &str) -> Result<String, AdminError> {
    let mut parts: Vec<&str> = text.split(';').collect();
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    if parts.iter().any(|p| p.parse::<i64>().is_err()) {
        return Err(AdminError::Usage(format!(
            "-i takes broker ids joined by ';' (like 1;2), not {text:?}"
        )));
    }
    Ok(parts.join(";"))
}

/// Asks every node for its view; one table, a row per node that answered.
fn metadata(addrs: &[String], json: bool, timeout: Duration) -> i32 {
    let mut answers = Vec::new();
    let mut all = serde_json::Map::new();
    let mut codes = Vec::new();
    for addr in addrs {
        let answer = queries::connect(addr, timeout).and_then(|mut c| requests::metadata(&mut c));
        match answer {
            Ok(m) => {
                all.insert(addr.clone(), output::metadata_json(&m));
                answers.push((addr.clone(), m));
            }
            Err(e) => {
                codes.push(e.exit_code());
                if !json {
                    eprintln!("namesrv-admin: {e}");
                }
                all.insert(addr.clone(), e.to_json());
            }
        }
    }
    let mut leaders: Vec<&str> = answers
        .iter()
        .filter_map(|(_, m)| m.controller_leader_address.as_deref())
        .filter(|a| !a.is_empty())
        .collect();
    leaders.sort_unstable();
    leaders.dedup();
    if leaders.len() > 1 {
        eprintln!(
            "namesrv-admin: the nodes name different leaders ({}); an election may be under way",
            leaders.join(", ")
        );
    } else if leaders.is_empty() && !answers.is_empty() {
        eprintln!("namesrv-admin: no node names a controller leader");
    }
    let text = if answers.is_empty() {
        String::new()
    } else {
        output::metadata_table(&answers)
    };
    crate::output::print(json, &Value::Object(all), &text);
    error::worst(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_ids_parse_as_the_controller_will() {
        assert_eq!(broker_ids("1;2;").unwrap(), "1;2");
        assert_eq!(broker_ids("3").unwrap(), "3");
        for bad in ["", "1; 2", "a", "1;;2", ";"] {
            let e = broker_ids(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }
}
