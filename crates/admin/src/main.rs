//! `namesrv-admin`: look at and change what RocketMQ name servers know — ours or Java's,
//! one replica or all of them — and see where replicas disagree (`diff`).
//!
//! Every command speaks the remoting protocol, as `mqadmin` does; `--namesrv` takes the same
//! `host:port;host:port` list. Exit codes: 0 done, 1 a replica refused or answered nonsense,
//! 2 a replica could not be reached, 3 `diff` found replicas disagreeing.

mod diff;
mod freshness;
mod output;
mod queries;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};
use serde_json::{json, Value};

use namesrv_client::{Client, ClientError};

#[derive(Parser)]
#[command(
    version,
    about = "Admin tool for RocketMQ name servers (ours and Java's)"
)]
struct Cli {
    /// Name servers, `host:port;host:port`, as RocketMQ tools take them.
    #[arg(
        long,
        short = 'n',
        env = "NAMESRV_ADDR",
        default_value = "127.0.0.1:9876",
        global = true
    )]
    namesrv: String,
    /// Ask every replica instead of the first reachable one.
    #[arg(long, global = true)]
    all_replicas: bool,
    /// Machine-readable output.
    #[arg(long, global = true)]
    json: bool,
    /// Connect and per-request timeout, milliseconds.
    #[arg(long, default_value_t = 3000, global = true)]
    timeout_ms: u64,
    /// Our HTTP endpoints (`host:port;…`, same order as --namesrv) for heartbeat freshness.
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
    TopicRoute { topic: String },
    /// All topics, or one cluster's.
    TopicList {
        #[arg(long, short = 'c')]
        cluster: Option<String>,
    },
    /// KV config.
    #[command(subcommand)]
    Kv(KvCommand),
    /// Name-server configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Take write permission from every topic of a broker (before taking it down).
    WipeWritePerm { broker_name: String },
    /// Give write permission back.
    AddWritePerm { broker_name: String },
    /// Remove a topic's route from the name server(s).
    DeleteTopic {
        topic: String,
        #[arg(long, short = 'c')]
        cluster: Option<String>,
    },
    /// The data version a name server holds for each broker (or one broker).
    DataVersion {
        #[arg(long)]
        broker_name: Option<String>,
    },
    /// Compare replicas: brokers, data versions, routes and KV namespaces.
    Diff {
        /// KV namespaces to compare.
        #[arg(long, default_value = "ORDER_TOPIC_CONFIG")]
        namespaces: Vec<String>,
    },
    /// Shell completions.
    Completions { shell: clap_complete::Shell },
}

#[derive(Subcommand)]
enum KvCommand {
    Get {
        namespace: String,
        key: String,
    },
    Put {
        namespace: String,
        key: String,
        value: String,
    },
    Delete {
        namespace: String,
        key: String,
    },
    List {
        namespace: String,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    Get,
    /// `key=value …`
    Update {
        settings: Vec<String>,
    },
}

/// What stops a command.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{addr}: unreachable: {why}")]
    Unreachable { addr: String, why: String },
    #[error("{addr}: answered code {code}: {remark}")]
    Refused {
        addr: String,
        code: i32,
        remark: String,
    },
    #[error("{addr}: unreadable answer: {why}")]
    BadAnswer { addr: String, why: String },
    #[error("{0}")]
    Usage(String),
}

impl From<ClientError> for AdminError {
    fn from(e: ClientError) -> Self {
        AdminError::Unreachable {
            addr: e.addr,
            why: e.kind.to_string(),
        }
    }
}

impl AdminError {
    fn exit_code(&self) -> i32 {
        match self {
            AdminError::Unreachable { .. } => 2,
            _ => 1,
        }
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
    let replicas: Vec<String> = cli
        .namesrv
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let timeout = Duration::from_millis(cli.timeout_ms);
    let code = match run(&cli, &replicas, timeout) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("namesrv-admin: {e}");
            e.exit_code()
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn run(cli: &Cli, replicas: &[String], timeout: Duration) -> Result<i32, AdminError> {
    if replicas.is_empty() {
        return Err(AdminError::Usage("--namesrv is empty".into()));
    }
    if let Command::Diff { namespaces } = &cli.command {
        let report = diff::diff(replicas, namespaces, timeout)?;
        output::print(cli.json, &report.to_json(), &report.to_text());
        return Ok(report.exit_code());
    }
    let http: Vec<String> = cli
        .http
        .as_deref()
        .map(|h| h.split(';').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    if !cli.all_replicas {
        // The first reachable replica answers, as clients fail over.
        let mut last = None;
        for (i, addr) in replicas.iter().enumerate() {
            match Client::connect(addr, timeout).map_err(AdminError::from) {
                Ok(mut c) => {
                    let (value, text) = one(&cli.command, &mut c, http.get(i), timeout)?;
                    output::print(cli.json, &value, &text);
                    return Ok(0);
                }
                Err(e) => {
                    eprintln!("namesrv-admin: {e}; trying the next replica");
                    last = Some(e);
                }
            }
        }
        return Err(last.expect("at least one replica"));
    }
    let mut all = serde_json::Map::new();
    let mut text = String::new();
    let mut worst = 0;
    for (i, addr) in replicas.iter().enumerate() {
        let result = Client::connect(addr, timeout)
            .map_err(AdminError::from)
            .and_then(|mut c| one(&cli.command, &mut c, http.get(i), timeout));
        match result {
            Ok((value, t)) => {
                all.insert(addr.clone(), value);
                text.push_str(&format!("== {addr}\n{t}\n"));
            }
            Err(e) => {
                worst = worst.max(e.exit_code());
                eprintln!("namesrv-admin: {e}");
                all.insert(addr.clone(), json!({ "error": e.to_string() }));
                text.push_str(&format!("== {addr}\nerror: {e}\n\n"));
            }
        }
    }
    output::print(cli.json, &Value::Object(all), &text);
    Ok(worst)
}

/// Runs one command against one replica: (JSON value, human text).
fn one(
    command: &Command,
    c: &mut Client,
    http: Option<&String>,
    timeout: Duration,
) -> Result<(Value, String), AdminError> {
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
                    addr: c.addr().to_owned(),
                    code: 17,
                    remark: format!("no route for topic {topic}"),
                })
            }
        },
        Command::TopicList { cluster } => {
            let list = queries::topic_list(c, cluster.as_deref())?;
            (json!(list), list.join("\n") + "\n")
        }
        Command::Kv(KvCommand::Get { namespace, key }) => match queries::kv_get(c, namespace, key)?
        {
            Some(v) => (
                json!({ "namespace": namespace, "key": key, "value": v }),
                format!("{v}\n"),
            ),
            None => {
                return Err(AdminError::Refused {
                    addr: c.addr().to_owned(),
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
            (json!({ "ok": true }), "OK\n".into())
        }
        Command::Kv(KvCommand::Delete { namespace, key }) => {
            queries::kv_delete(c, namespace, key)?;
            (json!({ "ok": true }), "OK\n".into())
        }
        Command::Kv(KvCommand::List { namespace }) => {
            let table = queries::kv_list(c, namespace)?;
            output::key_values(&table)
        }
        Command::Config(ConfigCommand::Get) => output::key_values(&queries::config_get(c)?),
        Command::Config(ConfigCommand::Update { settings }) => {
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
            queries::config_update(c, &map)?;
            (json!({ "ok": true }), "OK\n".into())
        }
        Command::WipeWritePerm { broker_name } => {
            let n = queries::change_write_perm(c, broker_name, false)?;
            (
                json!({ "wipeTopicCount": n }),
                format!("write permission taken from {n} topics\n"),
            )
        }
        Command::AddWritePerm { broker_name } => {
            let n = queries::change_write_perm(c, broker_name, true)?;
            (
                json!({ "addTopicCount": n }),
                format!("write permission given to {n} topics\n"),
            )
        }
        Command::DeleteTopic { topic, cluster } => {
            queries::delete_topic(c, topic, cluster.as_deref())?;
            (json!({ "ok": true }), "OK\n".into())
        }
        Command::DataVersion { broker_name } => {
            let info = queries::cluster_info(c)?;
            let versions = diff::data_versions(c, &info, broker_name.as_deref())?;
            output::data_versions(&versions)
        }
        Command::Diff { .. } | Command::Completions { .. } => unreachable!("handled in run"),
    })
}
