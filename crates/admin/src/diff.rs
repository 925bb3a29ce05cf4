//! `diff`: where replicas disagree. Every broker should register with every replica, so
//! their routing state should match; a broker missing from one replica, a stale data
//! version, a route that differs or a KV value set on one replica only all mean clients get
//! different answers depending on which replica they ask.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use namesrv_protocol::body::{ClusterInfo, DataVersion, TopicRouteData};
use serde_json::{json, Value};

use crate::error::{self, AdminError};
use crate::flavor::Flavors;
use crate::queries;
use namesrv_client::Client;

/// What one replica knows, normalised so equal state compares equal.
#[derive(Debug)]
struct Snapshot {
    /// "cluster/brokerName/brokerId" → address.
    brokers: BTreeMap<String, String>,
    /// broker address → its data version here; `Err(why)` when not asked (see `flavor`).
    versions: Result<BTreeMap<String, Option<DataVersion>>, String>,
    /// topic → route, as sorted text.
    routes: BTreeMap<String, String>,
    /// namespace → key → value.
    kv: BTreeMap<String, BTreeMap<String, String>>,
}

pub struct DiffReport {
    replicas: Vec<String>,
    /// Replicas that could not be compared, with why.
    pub failed: Vec<AdminError>,
    /// (replica, why) for replicas whose data versions were not asked.
    versions_not_compared: Vec<(String, String)>,
    /// (what, per-replica value)
    differences: Vec<(String, BTreeMap<String, String>)>,
}

impl DiffReport {
    pub fn exit_code(&self) -> i32 {
        if !self.failed.is_empty() {
            error::worst(self.failed.iter().map(AdminError::exit_code))
        } else if !self.differences.is_empty() {
            3
        } else {
            0
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "replicas": self.replicas,
            "failed": self.failed.iter().map(AdminError::to_json).collect::<Vec<_>>(),
            "dataVersionsNotCompared": self.versions_not_compared.iter().map(|(replica, why)| json!({ "replica": replica, "why": why })).collect::<Vec<_>>(),
            "differences": self.differences.iter().map(|(what, by)| json!({ "what": what, "byReplica": by })).collect::<Vec<_>>(),
        })
    }

    /// The report without the failures, which are errors and printed as such.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (replica, why) in &self.versions_not_compared {
            out.push_str(&format!("NOT COMPARED data versions on {replica}: {why}\n"));
        }
        for (what, by) in &self.differences {
            out.push_str(&format!("DIFFERS {what}\n"));
            for (replica, value) in by {
                out.push_str(&format!("  {replica}: {value}\n"));
            }
        }
        if self.differences.is_empty() {
            let compared = self.replicas.len() - self.failed.len();
            if self.failed.is_empty() {
                out.push_str(&format!("{compared} replica(s) agree\n"));
            } else {
                out.push_str(&format!(
                    "the {compared} replica(s) that answered agree; {} could not be compared\n",
                    self.failed.len()
                ));
            }
        }
        out
    }
}

pub fn data_versions(
    c: &mut Client,
    info: &ClusterInfo,
    only: Option<&str>,
) -> Result<BTreeMap<String, Option<DataVersion>>, AdminError> {
    let mut out = BTreeMap::new();
    for (cluster, names) in &info.cluster_addr_table {
        for name in names
            .iter()
            .filter(|n| !matches!(only, Some(o) if o != n.as_str()))
        {
            let Some(data) = info.broker_addr_table.get(name) else {
                continue;
            };
            for (id, addr) in &data.broker_addrs {
                out.insert(
                    addr.clone(),
                    queries::data_version(c, cluster, name, addr, *id)?,
                );
            }
        }
    }
    Ok(out)
}

fn route_text(route: &TopicRouteData) -> String {
    let mut queues: Vec<String> = route
        .queue_datas
        .iter()
        .map(|q| {
            format!(
                "{}:r{}w{}p{}",
                q.broker_name, q.read_queue_nums, q.write_queue_nums, q.perm
            )
        })
        .collect();
    queues.sort();
    let mut brokers: Vec<String> = route
        .broker_datas
        .iter()
        .map(|b| format!("{}{:?}", b.broker_name, b.broker_addrs))
        .collect();
    brokers.sort();
    format!(
        "queues [{}] brokers [{}]{}",
        queues.join(" "),
        brokers.join(" "),
        route
            .order_topic_conf
            .as_ref()
            .map(|o| format!(" order {o}"))
            .unwrap_or_default()
    )
}

struct Options<'a> {
    namespaces: &'a [String],
    timeout: Duration,
    touch_liveness: bool,
}

fn snapshot(addr: &str, options: &Options, flavors: &mut Flavors) -> Result<Snapshot, AdminError> {
    let mut c = queries::connect(addr, options.timeout)?;
    let info = queries::cluster_info(&mut c)?;
    let mut brokers = BTreeMap::new();
    for (cluster, names) in &info.cluster_addr_table {
        for name in names {
            if let Some(data) = info.broker_addr_table.get(name) {
                for (id, a) in &data.broker_addrs {
                    brokers.insert(format!("{cluster}/{name}/{id}"), a.clone());
                }
            }
        }
    }
    let versions = match flavors.data_versions_declined(&mut c, options.touch_liveness)? {
        None => Ok(data_versions(&mut c, &info, None)?),
        Some(why) => Err(why),
    };
    let mut routes = BTreeMap::new();
    for topic in queries::topic_list(&mut c, None)? {
        if let Some(route) = queries::topic_route(&mut c, &topic)? {
            routes.insert(topic, route_text(&route));
        }
    }
    let mut kv = BTreeMap::new();
    for ns in options.namespaces {
        kv.insert(ns.clone(), queries::kv_list(&mut c, ns)?);
    }
    Ok(Snapshot {
        brokers,
        versions,
        routes,
        kv,
    })
}

/// Compares one kind of keyed state across replicas, recording every key whose value is
/// not the same everywhere (absent counts as a value).
fn compare<V: PartialEq + std::fmt::Debug>(
    kind: &str,
    per_replica: &[(String, BTreeMap<String, V>)],
    show: impl Fn(&V) -> String,
    out: &mut Vec<(String, BTreeMap<String, String>)>,
) {
    let keys: BTreeSet<&String> = per_replica.iter().flat_map(|(_, m)| m.keys()).collect();
    for key in keys {
        let values: Vec<Option<&V>> = per_replica.iter().map(|(_, m)| m.get(key)).collect();
        if values.windows(2).all(|w| w[0] == w[1]) {
            continue;
        }
        let by = per_replica
            .iter()
            .zip(&values)
            .map(|((r, _), v)| (r.clone(), v.map_or("(absent)".into(), &show)))
            .collect();
        out.push((format!("{kind} {key}"), by));
    }
}

/// Every replica's state compared. Replicas that cannot be asked are reported and left out;
/// when none can be, there is nothing to compare and that is the error.
pub fn diff(
    replicas: &[String],
    namespaces: &[String],
    timeout: Duration,
    touch_liveness: bool,
) -> Result<DiffReport, AdminError> {
    let options = Options {
        namespaces,
        timeout,
        touch_liveness,
    };
    let mut flavors = Flavors::default();
    let mut failed = Vec::new();
    let mut snaps = Vec::new();
    for (i, r) in replicas.iter().enumerate() {
        match snapshot(r, &options, &mut flavors) {
            Ok(s) => snaps.push((r.clone(), s)),
            Err(e) => {
                // The last failure of an all-failed diff is printed as the error itself.
                if i + 1 < replicas.len() || !snaps.is_empty() {
                    eprintln!("namesrv-admin: {e}; left out of the comparison");
                }
                failed.push(e);
            }
        }
    }
    if snaps.is_empty() {
        return Err(AdminError::NoneAnswered(failed));
    }
    let mut differences = Vec::new();
    let brokers: Vec<_> = snaps
        .iter()
        .map(|(r, s)| (r.clone(), s.brokers.clone()))
        .collect();
    compare("broker", &brokers, |a| a.clone(), &mut differences);
    let mut versions_not_compared = Vec::new();
    let mut versions = Vec::new();
    for (r, s) in &snaps {
        match &s.versions {
            Ok(v) => versions.push((r.clone(), v.clone())),
            Err(why) => versions_not_compared.push((r.clone(), why.clone())),
        }
    }
    compare(
        "data version of",
        &versions,
        |v| {
            v.map_or("unknown".into(), |v| {
                format!("counter {} timestamp {}", v.counter, v.timestamp)
            })
        },
        &mut differences,
    );
    let routes: Vec<_> = snaps
        .iter()
        .map(|(r, s)| (r.clone(), s.routes.clone()))
        .collect();
    compare("route of topic", &routes, |t| t.clone(), &mut differences);
    for ns in namespaces {
        let kv: Vec<_> = snaps
            .iter()
            .map(|(r, s)| (r.clone(), s.kv.get(ns).cloned().unwrap_or_default()))
            .collect();
        compare(&format!("kv {ns}"), &kv, |v| v.clone(), &mut differences);
    }
    Ok(DiffReport {
        replicas: replicas.to_vec(),
        failed,
        versions_not_compared,
        differences,
    })
}
