//! The controller subcommands and their arguments, named after the `mqadmin` commands they
//! stand in for (`getControllerMetaData`, `getSyncStateSet`, `electMaster`,
//! `cleanBrokerMetadata`, `getControllerConfig`/`updateControllerConfig`).

use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum ControllerCommand {
    /// RocketMQ 5 controller: each node's view of its group (leader, peers), as `mqadmin
    /// getControllerMetaData`.
    ControllerMetadata(Addresses),
    /// RocketMQ 5 controller: master, epochs and sync-state set of broker groups, from the
    /// leader, as `mqadmin getSyncStateSet`.
    SyncStateSet(SyncStateSetArgs),
    /// RocketMQ 5 controller: make a broker the master of its group, on the leader, as `mqadmin
    /// electMaster`.
    ElectMaster(ElectMasterArgs),
    /// RocketMQ 5 controller: forget replicas of a broker group, or the whole group, on the
    /// leader, as `mqadmin cleanBrokerMetadata`.
    CleanBrokerData(CleanBrokerDataArgs),
    /// RocketMQ 5 controller: a node's configuration, or change it on every listed node, as
    /// `mqadmin getControllerConfig` / `updateControllerConfig`.
    ControllerConfig(ControllerConfigArgs),
}

#[derive(Args)]
pub struct Addresses {
    /// Controller addresses, `host:port;host:port`: each node's own address from
    /// `controllerDLegerPeers`, not its name-server port.
    #[arg(long = "controller", short = 'a', env = "CONTROLLER_ADDR")]
    pub controller: String,
}

#[derive(Args)]
pub struct SyncStateSetArgs {
    #[command(flatten)]
    pub addresses: Addresses,
    /// Broker names (`brokerName`), comma-separated or repeated.
    #[arg(long, short = 'b', required = true, num_args = 1.., value_delimiter = ',')]
    pub broker_name: Vec<String>,
}

#[derive(Args)]
pub struct ElectMasterArgs {
    #[command(flatten)]
    pub addresses: Addresses,
    /// The cluster of the broker group.
    #[arg(long, short = 'c')]
    pub cluster: String,
    /// The broker group (`brokerName`).
    #[arg(long, short = 'b')]
    pub broker_name: String,
    /// The broker id (as the controller assigned it) to make master.
    #[arg(long, short = 'i')]
    pub broker_id: i64,
}

#[derive(Args)]
pub struct CleanBrokerDataArgs {
    #[command(flatten)]
    pub addresses: Addresses,
    /// The cluster of the broker group; required unless --clean-living (without it the
    /// controller would take every replica for dead).
    #[arg(long, short = 'c')]
    pub cluster: Option<String>,
    /// The broker group (`brokerName`).
    #[arg(long, short = 'b')]
    pub broker_name: String,
    /// Only these broker ids, `1;2` (all must be dead); without it the whole group, which must
    /// have no master.
    #[arg(long, short = 'i')]
    pub broker_ids: Option<String>,
    /// Remove the whole group even while its brokers live (the controller then ignores -i).
    #[arg(long)]
    pub clean_living: bool,
}

#[derive(Args)]
pub struct ControllerConfigArgs {
    #[command(flatten)]
    pub addresses: Addresses,
    /// `key=value` to change on every listed node (repeatable); without it, show the
    /// configuration.
    #[arg(long)]
    pub set: Vec<String>,
}

impl ControllerCommand {
    pub fn addresses(&self) -> &str {
        match self {
            ControllerCommand::ControllerMetadata(a) => &a.controller,
            ControllerCommand::SyncStateSet(a) => &a.addresses.controller,
            ControllerCommand::ElectMaster(a) => &a.addresses.controller,
            ControllerCommand::CleanBrokerData(a) => &a.addresses.controller,
            ControllerCommand::ControllerConfig(a) => &a.addresses.controller,
        }
    }
}
