//! `rnetstat trace`'s options (docs/trace.md).

use clap::Args;

use super::NetnsArgs;

#[derive(Debug, Args)]
pub struct TraceArgs {
    #[command(flatten)]
    pub netns: NetnsArgs,

    /// Only IPv4
    #[arg(short = '4', long = "ipv4")]
    pub ipv4: bool,

    /// Only IPv6
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,

    /// The events to print, comma-separated: retransmit, reset-sent, reset-received, drop,
    /// state (default: all)
    #[arg(long = "events", value_name = "LIST", value_delimiter = ',')]
    pub events: Vec<String>,

    /// JSON lines, as watch --json: {"time", "event", "previous_state"?, "kind"?,
    /// "reason"?, "segments"?, "socket_id"?, "socket"}
    #[arg(long = "json")]
    pub json: bool,

    /// Stop after this many seconds (default: until SIGTERM, SIGINT or SIGHUP)
    #[arg(long = "duration", value_name = "SECS")]
    pub duration: Option<String>,

    /// A filter in ss's language, as for the listing
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
}
