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
}

impl Cli {
    fn overrides(&self) -> Result<Vec<(String, String)>, config::LoadError> {
        let mut out = config::parse_overrides(&self.set)?;
        let mut add = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k.to_owned(), v));
            }
        };
        add("listenPort", self.listen_port.map(|p| p.to_string()));
        add("bindAddress", self.bind_address.clone());
        add(
            "kvConfigPath",
            self.kv_config_path
                .as_ref()
                .map(|p| p.display().to_string()),
        );
        add("logFormat", self.log_format.clone());
        Ok(out)
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
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
    let cli = Cli::parse();
    let loaded = match cli
        .overrides()
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
    for key in loaded.unknown.keys() {
        warn!(%key, "unknown configuration key (kept, not used)");
    }
    for (key, value) in &loaded.rejected {
        warn!(%key, %value, "configuration value has the wrong type; default kept");
    }
    if loaded.config.enable_controller_in_namesrv {
        warn!("enableControllerInNamesrv is set, but this name server has no embedded controller; run the controller separately");
    }
    if loaded.config.cluster_test {
        warn!("clusterTest mode is not supported; serving as a normal name server");
    }
    match namesrv::run(loaded, Shutdown::Signals, |_| {}) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            eprintln!("namesrv: {e}");
            ExitCode::from(2)
        }
    }
}
