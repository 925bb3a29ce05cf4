//! Tables and JSON for the controller's answers, in the tool's style (aligned columns, Java's
//! field names in JSON) rather than `mqadmin`'s `#Key\tvalue` lines.

use namesrv_protocol::body::{BrokerReplicasInfo, ElectMasterResponseBody, ReplicaIdentity};
use namesrv_protocol::headers::{ElectMasterResponseHeader, GetMetaDataResponseHeader};
use serde_json::{json, Value};

use crate::output::table;

fn or_dash<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// `n0:127.0.0.1:9878;n1:127.0.0.1:9868;` → (id, address) pairs.
fn peers(text: Option<&str>) -> Vec<(String, String)> {
    text.unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once(':') {
            Some((id, addr)) => (id.to_owned(), addr.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

/// One node's CONTROLLER_GET_METADATA_INFO answer as JSON.
pub fn metadata_json(m: &GetMetaDataResponseHeader) -> Value {
    json!({
        "group": m.group,
        "controllerLeaderId": m.controller_leader_id,
        "controllerLeaderAddress": m.controller_leader_address,
        "isLeader": m.is_leader,
        "peers": peers(m.peers.as_deref())
            .into_iter()
            .map(|(id, address)| json!({ "id": id, "address": address }))
            .collect::<Vec<_>>(),
    })
}

/// One row per node that answered.
pub fn metadata_table(answers: &[(String, GetMetaDataResponseHeader)]) -> String {
    let rows: Vec<Vec<String>> = answers
        .iter()
        .map(|(addr, m)| {
            let peers = peers(m.peers.as_deref())
                .into_iter()
                .map(|(id, a)| format!("{id}={a}"))
                .collect::<Vec<_>>()
                .join(",");
            vec![
                addr.clone(),
                or_dash(m.group.as_deref()),
                or_dash(m.controller_leader_id.as_deref()),
                or_dash(m.controller_leader_address.as_deref()),
                if m.is_leader { "yes" } else { "no" }.to_owned(),
                if peers.is_empty() { "-".into() } else { peers },
            ]
        })
        .collect();
    table(
        &[
            "ADDRESS",
            "GROUP",
            "LEADER_ID",
            "LEADER_ADDRESS",
            "IS_LEADER",
            "PEERS",
        ],
        &rows,
    )
}

fn alive_text(alive: Option<bool>) -> &'static str {
    match alive {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn replica_json(r: &ReplicaIdentity) -> Value {
    json!({ "brokerId": r.broker_id, "brokerAddress": r.broker_address, "alive": r.alive })
}

/// The groups' masters and epochs, then every replica with whether it is in the sync-state
/// set and alive.
pub fn sync_state_set(
    leader: &str,
    info: &BrokerReplicasInfo,
    unknown: &[String],
) -> (Value, String) {
    let mut groups = Vec::new();
    let mut replicas = Vec::new();
    let mut brokers = serde_json::Map::new();
    for (name, group) in &info.replicas_info_table {
        groups.push(vec![
            name.clone(),
            or_dash(group.master_broker_id),
            or_dash(group.master_address.as_deref()),
            group.master_epoch.to_string(),
            group.sync_state_set_epoch.to_string(),
        ]);
        let listed = group
            .in_sync_replicas
            .iter()
            .map(|r| (r, true))
            .chain(group.not_in_sync_replicas.iter().map(|r| (r, false)));
        for (r, in_sync) in listed {
            replicas.push(vec![
                name.clone(),
                r.broker_id.to_string(),
                r.broker_address.clone(),
                if group.master_broker_id == Some(r.broker_id) {
                    "master"
                } else {
                    "slave"
                }
                .to_owned(),
                if in_sync { "yes" } else { "no" }.to_owned(),
                alive_text(r.alive).to_owned(),
            ]);
        }
        brokers.insert(
            name.clone(),
            json!({
                "masterBrokerId": group.master_broker_id,
                "masterAddress": group.master_address,
                "masterEpoch": group.master_epoch,
                "syncStateSetEpoch": group.sync_state_set_epoch,
                "inSyncReplicas": group.in_sync_replicas.iter().map(replica_json).collect::<Vec<_>>(),
                "notInSyncReplicas": group.not_in_sync_replicas.iter().map(replica_json).collect::<Vec<_>>(),
            }),
        );
    }
    // Nothing known: the error about the unknown names says it all.
    let mut text = String::new();
    if !groups.is_empty() {
        text = table(
            &[
                "BROKER",
                "MASTER_ID",
                "MASTER_ADDRESS",
                "MASTER_EPOCH",
                "SYNC_STATE_SET_EPOCH",
            ],
            &groups,
        );
        text.push('\n');
        text.push_str(&table(
            &["BROKER", "ID", "ADDRESS", "ROLE", "IN_SYNC", "ALIVE"],
            &replicas,
        ));
    }
    (
        json!({ "leader": leader, "brokers": brokers, "unknownBrokerNames": unknown }),
        text,
    )
}

/// The new master and epochs, then the group's members when the answer lists them.
pub fn elect_master(
    leader: &str,
    cluster: &str,
    broker_name: &str,
    header: &ElectMasterResponseHeader,
    body: &ElectMasterResponseBody,
) -> (Value, String) {
    let set: Vec<String> = body.sync_state_set.iter().map(i64::to_string).collect();
    let mut text = table(
        &[
            "CLUSTER",
            "BROKER",
            "MASTER_ID",
            "MASTER_ADDRESS",
            "MASTER_EPOCH",
            "SYNC_STATE_SET_EPOCH",
            "SYNC_STATE_SET",
        ],
        &[vec![
            cluster.to_owned(),
            broker_name.to_owned(),
            or_dash(header.master_broker_id),
            or_dash(header.master_address.as_deref()),
            or_dash(header.master_epoch),
            or_dash(header.sync_state_set_epoch),
            if set.is_empty() {
                "-".into()
            } else {
                set.join(",")
            },
        ]],
    );
    let members = body.broker_member_group.as_ref().map(|g| {
        g.broker_addrs
            .iter()
            .map(|(id, addr)| vec![g.broker_name.clone(), id.to_string(), addr.clone()])
            .collect::<Vec<_>>()
    });
    if let Some(rows) = &members {
        text.push('\n');
        text.push_str(&table(&["BROKER", "ID", "ADDRESS"], rows));
    }
    let value = json!({
        "leader": leader,
        "clusterName": cluster,
        "brokerName": broker_name,
        "masterBrokerId": header.master_broker_id,
        "masterAddress": header.master_address,
        "masterEpoch": header.master_epoch,
        "syncStateSetEpoch": header.sync_state_set_epoch,
        "syncStateSet": body.sync_state_set,
        "brokerAddrs": body.broker_member_group.as_ref().map(|g| {
            g.broker_addrs
                .iter()
                .map(|(id, a)| (id.to_string(), Value::String(a.clone())))
                .collect::<serde_json::Map<_, _>>()
        }),
    });
    (value, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_read_as_id_and_address_with_the_trailing_separator_dropped() {
        assert_eq!(
            peers(Some("n0:127.0.0.1:9878;n1:127.0.0.1:9868;")),
            [
                ("n0".to_owned(), "127.0.0.1:9878".to_owned()),
                ("n1".to_owned(), "127.0.0.1:9868".to_owned())
            ]
        );
        assert!(peers(None).is_empty());
    }

    #[test]
    fn a_group_without_master_shows_dashes_and_replicas_their_roles() {
        use namesrv_protocol::body::JsonBody;
        let info = BrokerReplicasInfo::from_json(
            br#"{"replicasInfoTable":{"b":{"inSyncReplicas":[{"alive":true,"brokerAddress":"127.0.0.1:1","brokerId":1,"brokerName":"b"}],"masterEpoch":2,"notInSyncReplicas":[{"brokerAddress":"127.0.0.1:2","brokerId":2,"brokerName":"b"}],"syncStateSetEpoch":3}}}"#,
        )
        .unwrap();
        let (value, text) = sync_state_set("l", &info, &[]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["b", "-", "-", "2", "3"]
        );
        assert_eq!(
            lines[4].split_whitespace().collect::<Vec<_>>(),
            ["b", "1", "127.0.0.1:1", "slave", "yes", "yes"]
        );
        assert_eq!(
            lines[5].split_whitespace().collect::<Vec<_>>(),
            ["b", "2", "127.0.0.1:2", "slave", "no", "unknown"]
        );
        assert_eq!(value["brokers"]["b"]["masterBrokerId"], Value::Null);
    }
}
