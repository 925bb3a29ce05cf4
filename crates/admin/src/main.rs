//! `namesrv-admin`: look at and change what RocketMQ name servers know — ours or Java's,
//! one replica or all of them — and see where replicas disagree (`diff`).
//!
//! Every command speaks the remoting protocol, as `mqadmin` does; `--namesrv` takes the same
//! `host:port;host:port` list.
//!
//! Replicas share nothing, so what the tool does with the list follows from what clients and
//! brokers do with it. A read is answered by the first replica that can answer: one that is
//! unreachable, times out, closes the connection, answers GO_AWAY (draining or stopping) or is
//! not a name server at all is skipped with a note on stderr, as clients fail over; a replica
//! that answers "no" ends the command, since that is what it holds. A write goes to every
//! replica, as brokers register with every one and `mqadmin` writes KV to every one: a change
//! made on one replica only is a disagreement waiting to be found by `diff`. `--all-replicas`
//! makes reads ask every replica too.
//!
//! Output: answers on stdout; in text mode every error once on stderr; with `--json`, stdout
//! holds one JSON document whatever happens — the answer, per replica when several were asked
//! (`{"error": …, "replica": …}` for a replica that failed), or that object alone when the
//! command failed as a whole. Notes about replicas skipped on the way to an answer go to stderr
//! in both modes.
//!
//! Exit codes: 0 done; 1 a replica refused or answered nonsense (or showed the command changed
//! nothing there: an unknown cluster or broker); 2 a replica could not be reached (unreachable,
//! timed out, closed, going away), an `--http` endpoint failed, or the command line is wrong
//! (clap's usage errors exit 2 too); 3 `diff` found replicas disagreeing. When several
//! replicas failed, 2 wins over 1, and both over 3.

mod controller;
mod diff;
mod error;
mod fanout;
mod flavor;
mod freshness;
mod output;
mod queries;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};
use serde_json::{json, Value};

use namesrv_client::Client;

pub use error::AdminError;
use flavor::Flavors;

#[derive(Parser)]
#[command(
    version,
    about = "Admin tool for RocketMQ name servers (ours and Java's)"
)]
struct Cli {
    /// Name servers, `host:port;host:port`, as RocketMQ tools take them. Reads ask them in
    /// order until one answers; writes go to all of them.
    #[arg(
        long,
        short = 'n',
        env = "NAMESRV_ADDR",
        default_value = "127.0.0.1:9876",
        global = true
    )]
    namesrv: String,
    /// Ask every replica instead of the first that answers (writes always go to every one).
    #[arg(long, global = true)]
    all_replicas: bool,
    /// Machine-readable output: one JSON document on stdout, errors included.
    #[arg(long, global = true)]
    json: bool,
    /// Connect and per-request timeout, milliseconds.
    #[arg(long, default_value_t = 3000, global = true)]
    timeout_ms: u64,
    /// Our HTTP endpoints (`host:port` or `http://host:port`, `;`-separated, one per
    /// --namesrv entry and in the same order; an empty entry for a replica without one), for
    /// heartbeat freshness in cluster-list.
    #[arg(long, global = true)]
    http: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Clusters and their brokers (with seconds since each broker's last heartbeat, given --http).
    ClusterList,
    /// The route of a topic.
    TopicRoute {
        /// The topic.
        topic: String,
    },
    /// All topics, or one cluster's.
    TopicList {
        /// Only this cluster's topics; an unknown cluster is an error.
        #[arg(long, short = 'c')]
        cluster: Option<String>,
    },
    /// KV config: read, write and list values by namespace.
    #[command(subcommand)]
    Kv(KvCommand),
    /// Name-server configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Take write permission from every topic of a broker (before taking it down); every replica.
    WipeWritePerm {
        /// The broker name (`brokerName`), as cluster-list shows it.
        broker_name: String,
    },
    /// Give write permission back to every topic of a broker; every replica.
    AddWritePerm {
        /// The broker name (`brokerName`), as cluster-list shows it.
        broker_name: String,
    },
    /// Remove a topic's route from every replica.
    DeleteTopic {
        /// The topic.
        topic: String,
        /// Remove it only from this cluster's brokers.
        #[arg(long, short = 'c')]
        cluster: Option<String>,
    },
    /// The data version a name server holds for each broker (or one broker).
    DataVersion {
        /// Only this broker (`brokerName`); an unknown broker is an error.
        #[arg(long)]
        broker_name: Option<String>,
        /// Ask a name server that is not ours too. A Java name server counts the query as a
        /// heartbeat from the broker, so this keeps a broker that stopped heartbeating alive.
        #[arg(long)]
        touch_liveness: bool,
    },
    /// Compare replicas: brokers, data versions, routes and KV namespaces.
    Diff {
        /// KV namespaces to compare: several values, comma-separated or both.
        #[arg(
            long,
            num_args = 1..,
            value_delimiter = ',',
            default_value = "ORDER_TOPIC_CONFIG"
        )]
        namespaces: Vec<String>,
        /// Compare data versions on name servers that are not ours too (a Java name server
        /// counts the query as a heartbeat from the broker); without it they are left out there.
        #[arg(long)]
        touch_liveness: bool,
    },
    #[command(flatten)]
    Controller(controller::ControllerCommand),
    /// Shell completions.
    Completions {
        /// The shell to write completions for.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum KvCommand {
    /// One value (an error, code 22, when the key has none).
    Get {
        /// The namespace, e.g. ORDER_TOPIC_CONFIG.
        namespace: String,
        /// The key within the namespace.
        key: String,
    },
    /// Set a value on every replica.
    Put {
        /// The namespace, e.g. ORDER_TOPIC_CONFIG.
        namespace: String,
        /// The key within the namespace.
        key: String,
        /// The value to store.
        value: String,
    },
    /// Remove a value from every replica.
    Delete {
        /// The namespace, e.g. ORDER_TOPIC_CONFIG.
        namespace: String,
        /// The key within the namespace.
        key: String,
    },
    /// Every key and value of a namespace (empty when the namespace does not exist).
    List {
        /// The namespace, e.g. ORDER_TOPIC_CONFIG.
        namespace: String,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// The configuration in effect, key by key.
    Get,
    /// Change run-time settings on every replica.
    Update {
        /// `key=value`, one or more.
        #[arg(required = true)]
        settings: Vec<String>,
    },
}

impl Command {
    /// Whether the command changes what a name server holds, and so goes to every replica.
    fn is_write(&self) -> bool {
        matches!(
            self,
            Command::Kv(KvCommand::Put { .. } | KvCommand::Delete { .. })
                | Command::Config(ConfigCommand::Update { .. })
                | Command::WipeWritePerm { .. }
                | Command::AddWritePerm { .. }
                | Command::DeleteTopic { .. }
        )
    }
}

fn main() {
    let cli = Cli::parse();
    if let Command::Completions { shell } = &cli.command {
        clap_complete::generate(
            *shell,
            &mut Cli::command(),
            "namesrv-admin",
            &mut std::io::stdout(),
        );
        return;
    }
    let code = match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            report(cli.json, &e);
            e.exit_code()
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

/// Prints the error that ended the command: with `--json` as the JSON document on stdout,
/// otherwise on stderr. Of the attempts behind "no replica answered", all but the last were
/// printed as notes when they failed.
fn report(json: bool, e: &AdminError) {
    if json {
        output::print(true, &e.to_json(), "");
        return;
    }
    if let AdminError::NoneAnswered(attempts) = e {
        if let Some(last) = attempts.last() {
            eprintln!("namesrv-admin: {last}");
        }
    }
    eprintln!("namesrv-admin: {e}");
}

fn note(e: &AdminError, then: &str) {
    eprintln!("namesrv-admin: {e}; {then}");
}

/// `a;b;;c` → the non-empty entries.
fn replica_list(namesrv: &str) -> Vec<String> {
    namesrv
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One `--http` entry per replica, `None` where it is empty.
fn http_list(http: Option<&str>, replicas: usize) -> Result<Vec<Option<String>>, AdminError> {
    let Some(http) = http else {
        return Ok(vec![None; replicas]);
    };
    let mut entries: Vec<&str> = http.split(';').map(str::trim).collect();
    while entries.len() > replicas && entries.last() == Some(&"") {
        entries.pop();
    }
    if entries.len() != replicas {
        return Err(AdminError::Usage(format!(
            "--http lists {} endpoint(s) for {replicas} name server(s); give one per --namesrv \
             entry, in the same order (an empty entry for a replica without one)",
            entries.len()
        )));
    }
    entries
        .into_iter()
        .map(|e| (!e.is_empty()).then(|| freshness::endpoint(e)).transpose())
        .collect()
}

fn parse_settings(settings: &[String]) -> Result<BTreeMap<String, String>, AdminError> {
    let mut map = BTreeMap::new();
    for s in settings {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| AdminError::Usage(format!("'{s}' is not key=value")))?;
        map.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    if map.is_empty() {
        return Err(AdminError::Usage("config update needs key=value".into()));
    }
    Ok(map)
}

fn run(cli: &Cli) -> Result<i32, AdminError> {
    let timeout = Duration::from_millis(cli.timeout_ms);
    if let Command::Controller(command) = &cli.command {
        return controller::run(command, cli.json, cli.all_replicas, timeout);
    }
    let replicas = replica_list(&cli.namesrv);
    if replicas.is_empty() {
        return Err(AdminError::Usage("--namesrv is empty".into()));
    }
    if let Command::Diff {
        namespaces,
        touch_liveness,
    } = &cli.command
    {
        let report = diff::diff(&replicas, namespaces, timeout, *touch_liveness)?;
        output::print(cli.json, &report.to_json(), &report.to_text());
        return Ok(report.exit_code());
    }
    if let Command::Config(ConfigCommand::Update { settings }) = &cli.command {
        parse_settings(settings)?;
    }
    let http = http_list(cli.http.as_deref(), replicas.len())?;
    let mut flavors = Flavors::default();
    let ask = |i: usize, addr: &str| {
        let mut c = queries::connect(addr, timeout)?;
        one(
            &cli.command,
            &mut c,
            http[i].as_deref(),
            timeout,
            &mut flavors,
        )
    };
    if cli.command.is_write() || cli.all_replicas {
        Ok(fanout::every(&replicas, cli.json, ask))
    } else {
        fanout::first(&replicas, cli.json, ask)
    }
}

fn ok() -> (Value, String) {
    (json!({ "ok": true }), "OK\n".into())
}

/// Runs one command against one replica: (JSON value, human text).
fn one(
    command: &Command,
    c: &mut Client,
    http: Option<&str>,
    timeout: Duration,
    flavors: &mut Flavors,
) -> Result<(Value, String), AdminError> {
    let addr = c.addr().to_owned();
    Ok(match command {
        Command::ClusterList => {
            let info = queries::cluster_info(c)?;
            let ages = http
                .map(|h| freshness::heartbeat_ages(h, timeout))
                .transpose()?;
            output::cluster_list(&info, ages.as_ref())
        }
        Command::TopicRoute { topic } => match queries::topic_route(c, topic)? {
            Some(route) => output::route(&route),
            None => {
                return Err(AdminError::Refused {
                    addr,
                    code: 17,
                    remark: format!("no route for topic {topic}"),
                })
            }
        },
        Command::TopicList { cluster } => {
            if let Some(cluster) = cluster {
                let info = queries::cluster_info(c)?;
                if !info.cluster_addr_table.contains_key(cluster) {
                    let known: Vec<&str> =
                        info.cluster_addr_table.keys().map(String::as_str).collect();
                    return Err(AdminError::Rejected {
                        addr,
                        why: format!(
                            "unknown cluster {cluster} (known: {})",
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ),
                    });
                }
            }
            let list = queries::topic_list(c, cluster.as_deref())?;
            let text = list.iter().map(|t| format!("{t}\n")).collect();
            (json!(list), text)
        }
        Command::Kv(KvCommand::Get { namespace, key }) => match queries::kv_get(c, namespace, key)?
        {
            Some(v) => (
                json!({ "namespace": namespace, "key": key, "value": v }),
                format!("{v}\n"),
            ),
            None => {
                return Err(AdminError::Refused {
                    addr,
                    code: 22,
                    remark: format!("no value for {namespace}/{key}"),
                })
            }
        },
        Command::Kv(KvCommand::Put {
            namespace,
            key,
            value,
        }) => {
            queries::kv_put(c, namespace, key, value)?;
            ok()
        }
        Command::Kv(KvCommand::Delete { namespace, key }) => {
            queries::kv_delete(c, namespace, key)?;
            ok()
        }
        Command::Kv(KvCommand::List { namespace }) => {
            let table = queries::kv_list(c, namespace)?;
            output::key_values(&table)
        }
        Command::Config(ConfigCommand::Get) => output::key_values(&queries::config_get(c)?),
        Command::Config(ConfigCommand::Update { settings }) => {
            queries::config_update(c, &parse_settings(settings)?)?;
            ok()
        }
        Command::WipeWritePerm { broker_name } => {
            let n = queries::change_write_perm(c, broker_name, false)?;
            let text = format!("write permission taken from {n} topics\n");
            (
                json!({ "wipeTopicCount": n }),
                nothing_changed(c, broker_name, n, text)?,
            )
        }
        Command::AddWritePerm { broker_name } => {
            let n = queries::change_write_perm(c, broker_name, true)?;
            let text = format!("write permission given to {n} topics\n");
            (
                json!({ "addTopicCount": n }),
                nothing_changed(c, broker_name, n, text)?,
            )
        }
        Command::DeleteTopic { topic, cluster } => {
            queries::delete_topic(c, topic, cluster.as_deref())?;
            ok()
        }
        Command::DataVersion {
            broker_name,
            touch_liveness,
        } => {
            if let Some(why) = flavors.data_versions_declined(c, *touch_liveness)? {
                return Err(AdminError::Declined { addr, why });
            }
            let info = queries::cluster_info(c)?;
            if let Some(name) = broker_name {
                if !info.broker_addr_table.contains_key(name) {
                    return Err(AdminError::Rejected {
                        addr,
                        why: format!("broker {name} is not registered here"),
                    });
                }
            }
            let versions = diff::data_versions(c, &info, broker_name.as_deref())?;
            output::data_versions(&versions)
        }
        Command::Diff { .. } | Command::Completions { .. } | Command::Controller(_) => {
            unreachable!("handled in run")
        }
    })
}

/// A write-permission change that touched no topic: an error when the replica does not know
/// the broker (a typo, or the wrong cluster), otherwise said in the text.
fn nothing_changed(
    c: &mut Client,
    broker_name: &str,
    count: i64,
    text: String,
) -> Result<String, AdminError> {
    if count != 0 {
        return Ok(text);
    }
    let info = queries::cluster_info(c)?;
    if !info.broker_addr_table.contains_key(broker_name) {
        return Err(AdminError::Rejected {
            addr: c.addr().to_owned(),
            why: format!("broker {broker_name} is not registered here; no topic was changed"),
        });
    }
    Ok(format!(
        "no topic of broker {broker_name} was changed (it has no topics here)\n"
    ))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// `--help` says what every subcommand and argument is for.
    #[test]
    fn every_subcommand_and_argument_has_help() {
        fn check(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                let sub_path = format!("{path} {}", sub.get_name());
                if sub.get_name() != "help" && sub.get_about().is_none() {
                    missing.push(sub_path.clone());
                }
                check(sub, &sub_path, missing);
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "namesrv-admin", &mut missing);
        assert!(missing.is_empty(), "no help for: {missing:?}");
    }

    #[test]
    fn diff_takes_namespaces_as_several_values_or_comma_separated() {
        for args in [
            &["x", "diff", "--namespaces", "A", "B"][..],
            &["x", "diff", "--namespaces", "A,B"],
            &["x", "diff", "--namespaces", "A", "--namespaces", "B"],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            let Command::Diff { namespaces, .. } = cli.command else {
                panic!("diff");
            };
            assert_eq!(namespaces, ["A", "B"], "{args:?}");
        }
    }

    #[test]
    fn http_endpoints_pair_with_replicas() {
        assert_eq!(
            http_list(Some("http://127.0.0.1:1;"), 2).unwrap(),
            [Some("127.0.0.1:1".to_owned()), None]
        );
        assert_eq!(
            http_list(Some("127.0.0.1:1;"), 1).unwrap(),
            [Some("127.0.0.1:1".to_owned())]
        );
        assert!(http_list(Some("127.0.0.1:1"), 2).is_err());
        assert_eq!(http_list(None, 2).unwrap(), [None, None]);
    }

    #[test]
    fn usage_errors_exit_2_as_clap_does() {
        let clap_code = Cli::try_parse_from(["x", "--no-such-flag", "cluster-list"])
            .err()
            .map(|e| e.exit_code());
        assert_eq!(clap_code, Some(2));
        assert_eq!(
            parse_settings(&["novalue".into()]).unwrap_err().exit_code(),
            2
        );
    }
}
