//! The recorder's commands: `record`, `history`, `diff` (docs/history.md).

use clap::Args;

use super::{NetnsArgs, Protocols};

#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub protocols: Protocols,

    #[command(flatten)]
    pub netns: NetnsArgs,

    /// The database (default /var/lib/rnetstat/history.db as root, else
    /// $XDG_STATE_HOME/rnetstat/history.db); its directory must not be writable by others
    #[arg(long = "db", value_name = "PATH")]
    pub db: Option<std::path::PathBuf>,

    /// Seconds between dumps (default 10)
    #[arg(long = "interval", value_name = "SECS", default_value = "10")]
    pub interval: String,

    /// How long closed sockets are kept: a number with s, m, h or d (default 7d)
    #[arg(long = "retention", value_name = "DURATION", default_value = "7d")]
    pub retention: String,

    /// The most the data may take: a number with K, M or G (default 1G); the oldest goes
    /// first
    #[arg(long = "max-size", value_name = "SIZE", default_value = "1G")]
    pub max_size: String,

    /// A filter in ss's language, as for the listing
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub protocols: Protocols,

    /// From this time (default: the first recorded); as --at takes it
    #[arg(long = "since", value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,

    /// Up to this time (default: now)
    #[arg(long = "until", value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,

    /// JSON lines, as watch --json writes them: {"time", "event", "previous_state", "socket"}
    #[arg(long = "json")]
    pub json: bool,

    /// The recorder's database (default as for record)
    #[arg(long = "db", value_name = "PATH")]
    pub db: Option<std::path::PathBuf>,

    /// A filter in ss's language (e.g. `dport = :5432`), as for the listing
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub protocols: Protocols,

    #[command(flatten)]
    pub netns: NetnsArgs,

    /// The first moment, as --at takes it
    #[arg(value_name = "TIME", allow_hyphen_values = true)]
    pub from: String,

    /// The second moment (default: now, from a live dump of the selected namespaces)
    #[arg(value_name = "TIME", allow_hyphen_values = true)]
    pub to: Option<String>,

    /// One JSON document: {"from", "to", "listeners_added", "listeners_removed", "opened",
    /// "closed", "changed"}
    #[arg(long = "json")]
    pub json: bool,

    /// The recorder's database (default as for record)
    #[arg(long = "db", value_name = "PATH")]
    pub db: Option<std::path::PathBuf>,
}
