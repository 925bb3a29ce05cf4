//! Human tables and JSON for each answer. Tables are plain aligned columns, so they paste
//! into tickets and grep well.

use std::collections::BTreeMap;

use namesrv_protocol::body::{ClusterInfo, DataVersion, TopicRouteData};
use serde_json::{json, Value};

/// Writes the answer to stdout. A reader that went away (`| head`, `| grep -q`) ends the
/// process quietly with success, as `cat` does, instead of the panic `println!` would give.
pub fn print(as_json: bool, value: &Value, text: &str) {
    use std::io::Write;
    let body = if as_json {
        serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
    } else {
        text.to_owned()
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(body.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("namesrv-admin: cannot write the answer: {e}");
        std::process::exit(1);
    }
}

/// Left-aligned columns, two spaces apart.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
            + "\n"
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

/// `ages`: seconds since the last heartbeat by broker address, when known.
pub fn cluster_list(info: &ClusterInfo, ages: Option<&BTreeMap<String, f64>>) -> (Value, String) {
    let mut rows = Vec::new();
    let mut brokers = Vec::new();
    for (cluster, names) in &info.cluster_addr_table {
        for name in names {
            let Some(data) = info.broker_addr_table.get(name) else {
                continue;
            };
            for (id, addr) in &data.broker_addrs {
                let age = ages.and_then(|a| a.get(addr)).copied();
                rows.push(vec![
                    cluster.clone(),
                    name.clone(),
                    id.to_string(),
                    addr.clone(),
                    age.map_or("n/a".into(), |a| format!("{a:.0}")),
                ]);
                brokers.push(json!({
                    "cluster": cluster, "brokerName": name, "brokerId": id, "brokerAddr": addr,
                    "secondsSinceHeartbeat": age,
                }));
            }
        }
    }
    (
        json!({ "brokers": brokers }),
        table(
            &["CLUSTER", "BROKER", "ID", "ADDRESS", "HEARTBEAT_AGE_S"],
            &rows,
        ),
    )
}

pub fn route(route: &TopicRouteData) -> (Value, String) {
    let mut rows = Vec::new();
    for q in &route.queue_datas {
        let addrs = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == q.broker_name)
            .map(|b| {
                b.broker_addrs
                    .iter()
                    .map(|(id, a)| format!("{id}={a}"))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        rows.push(vec![
            q.broker_name.clone(),
            q.read_queue_nums.to_string(),
            q.write_queue_nums.to_string(),
            perm_text(q.perm),
            addrs,
        ]);
    }
    let value = json!({
        "queueDatas": route.queue_datas.iter().map(|q| json!({
            "brokerName": q.broker_name, "readQueueNums": q.read_queue_nums,
            "writeQueueNums": q.write_queue_nums, "perm": q.perm, "topicSysFlag": q.topic_sys_flag,
        })).collect::<Vec<_>>(),
        "brokerDatas": route.broker_datas.iter().map(|b| json!({
            "cluster": b.cluster, "brokerName": b.broker_name, "brokerAddrs": b.broker_addrs,
        })).collect::<Vec<_>>(),
        "orderTopicConf": route.order_topic_conf,
    });
    (
        value,
        table(&["BROKER", "READ_Q", "WRITE_Q", "PERM", "ADDRESSES"], &rows),
    )
}

/// RocketMQ's permission bits: 4 read, 2 write, 1 inherit.
pub fn perm_text(perm: i32) -> String {
    let r = if perm & 4 != 0 { "R" } else { "-" };
    let w = if perm & 2 != 0 { "W" } else { "-" };
    let x = if perm & 1 != 0 { "X" } else { "-" };
    format!("{r}{w}{x} ({perm})")
}

pub fn key_values(map: &BTreeMap<String, String>) -> (Value, String) {
    let rows: Vec<Vec<String>> = map
        .iter()
        .map(|(k, v)| vec![k.clone(), v.clone()])
        .collect();
    (json!(map), table(&["KEY", "VALUE"], &rows))
}

pub fn data_versions(versions: &BTreeMap<String, Option<DataVersion>>) -> (Value, String) {
    let mut rows = Vec::new();
    let mut value = serde_json::Map::new();
    for (addr, v) in versions {
        match v {
            Some(v) => {
                rows.push(vec![
                    addr.clone(),
                    v.counter.to_string(),
                    v.timestamp.to_string(),
                    v.state_version.to_string(),
                ]);
                value.insert(
                    addr.clone(),
                    json!({ "counter": v.counter, "timestamp": v.timestamp, "stateVersion": v.state_version }),
                );
            }
            None => {
                rows.push(vec![
                    addr.clone(),
                    "unknown".into(),
                    String::new(),
                    String::new(),
                ]);
                value.insert(addr.clone(), Value::Null);
            }
        }
    }
    (
        Value::Object(value),
        table(
            &["BROKER_ADDR", "COUNTER", "TIMESTAMP", "STATE_VERSION"],
            &rows,
        ),
    )
}
