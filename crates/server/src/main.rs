//! `namesrv`: a drop-in replacement for the Apache RocketMQ name server.
//!
//! Startup mirrors `mqnamesrv`: `-c FILE` loads a Java `namesrv.properties`, `-p` prints the
//! effective configuration and exits. Everything else is the library's [`namesrv::run`],
//! stopped by SIGTERM/SIGINT.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use namesrv::{config, Shutdown};
use tracing::{error, info, warn};

#[derive(Parser, Debug)]
#[command(
    name = "namesrv",
    version,
    about = "RocketMQ name server (drop-in replacement)"
)]
struct Cli {
    /// Java namesrv.properties file to load.
    #[arg(short = 'c', long = "configFile")]
    config_file: Option<PathBuf>,
    /// Print the effective configuration and exit.
    #[arg(short = 'p', long = "printConfigItem")]
    print_config: bool,
    /// Accepted for compatibility with RocketMQ tools; a name server ignores it.
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv_addr: Option<String>,
    /// Port to listen on (listenPort).
    #[arg(long)]
    listen_port: Option<u16>,
    /// Address to bind (bindAddress).
    #[arg(long)]
    bind_address: Option<String>,
    /// KV config file (kvConfigPath).
    #[arg(long)]
    kv_config_path: Option<PathBuf>,
    /// Log format: human or json (logFormat).
    #[arg(long)]
    log_format: Option<String>,
    /// Any configuration key, as key=value (repeatable).
    #[arg(short = 'o', long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Run only the RocketMQ 5 controller, as Java's `mqcontroller` (no name-server port);
    /// the controller keys come from the same file.
    #[arg(long)]
    controller: bool,
}

impl Cli {
    /// The named flags are `-o` under another name: in command-line order, the later wins.
    fn overrides(
        &self,
        matches: &clap::ArgMatches,
    ) -> Result<Vec<(String, String)>, config::LoadError> {
        let named = [
            (
                "listen_port",
                "listenPort",
                self.listen_port.map(|p| p.to_string()),
            ),
            ("bind_address", "bindAddress", self.bind_address.clone()),
            (
                "kv_config_path",
                "kvConfigPath",
                self.kv_config_path
                    .as_ref()
                    .map(|p| p.display().to_string()),
            ),
            ("log_format", "logFormat", self.log_format.clone()),
        ];
        config::flags_in_order(matches, "set", &self.set, &named)
    }
}

/// `RUST_LOG` selects the level; unset or empty means `info`, and a filter that does not
/// parse is named on stderr rather than silently replaced.
fn init_logging(format: &str) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => tracing_subscriber::EnvFilter::try_new(&spec)
            .unwrap_or_else(|e| {
                eprintln!(
                    "namesrv: RUST_LOG='{spec}' is not a valid log filter ({e}); logging at info"
                );
                tracing_subscriber::EnvFilter::new("info")
            }),
        Err(std::env::VarError::NotUnicode(spec)) => {
            eprintln!("namesrv: RUST_LOG={spec:?} is not UTF-8; logging at info");
            tracing_subscriber::EnvFilter::new("info")
        }
        _ => tracing_subscriber::EnvFilter::new("info"),
    };
    // Colour is for terminals: a log written to a file or a pipe stays plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if format.eq_ignore_ascii_case("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let loaded = match cli
        .overrides(&matches)
        .and_then(|o| config::load(cli.config_file.as_deref(), std::env::vars(), &o))
    {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("namesrv: {e}");
            return ExitCode::from(1);
        }
    };
    if cli.print_config {
        let mut all = loaded.unknown.clone();
        all.extend(loaded.config.to_properties());
        print!("{}", namesrv_protocol::body::write_properties(&all));
        return ExitCode::SUCCESS;
    }
    init_logging(&loaded.config.log_format);
    if let Some(file) = &loaded.file {
        info!("load config properties file OK, {}", file.display());
    }
    for key in loaded
        .unknown
        .keys()
        .filter(|k| !namesrv_controller::ControllerConfig::is_controller_key(k))
    {
        warn!(%key, "unknown configuration key (kept, not used)");
    }
    if loaded.config.cluster_test {
        warn!("clusterTest mode is not supported; serving as a normal name server");
    }
    let outcome = if cli.controller {
        namesrv::run_controller(loaded, Shutdown::Signals, |_| {})
    } else {
        namesrv::run(loaded, Shutdown::Signals, |_| {})
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            eprintln!("namesrv: {e}");
            ExitCode::from(2)
        }
    }
}
