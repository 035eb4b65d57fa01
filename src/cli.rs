//! The command line, and nothing else: netstat's options with netstat's meaning, plus
//! rnetstat's own (`--format`, `--json`, `--source`). Also feeds the man page and the shell
//! completions (`assets`), so every option is documented in one place.

// Doc comments here are clap's help text, not rustdoc: `[EXPRESSION]` is usage notation.
#![allow(rustdoc::broken_intra_doc_links)]

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

mod record;
mod trace;
pub use record::{DiffArgs, HistoryArgs, RecordArgs};
pub use trace::TraceArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// netstat-compatible text
    Text,
    /// a table for people
    Table,
    /// one JSON document
    Json,
    /// one JSON record per line
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StackArg {
    /// the kernel's sockets
    Kernel,
    /// the userspace stacks' sockets (`rnetstat stack`)
    User,
    /// both, with a Stack column in text
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    /// sock_diag netlink, falling back to /proc/net per protocol
    Auto,
    /// sock_diag netlink only
    Netlink,
    /// /proc/net only
    Proc,
}

/// Show the kernel's sockets: Recv-Q, Send-Q, addresses, states and owners, as netstat does
/// and as JSON for scripts.
#[derive(Debug, Parser)]
#[command(
    name = "rnetstat",
    disable_version_flag = true,
    disable_help_subcommand = true,
    about = "A netstat clone and socket inspector: netstat-compatible text, tables and JSON",
    long_about = None,
    after_help = "Without -t/-u/-w/-x every family is shown. Without -a or -l only \
                  connected (non-listening) sockets are shown, as netstat does.\n\
                  One difference from netstat: for LISTEN sockets Send-Q is the backlog \
                  limit and Recv-Q the accept-queue length, as the kernel reports them."
)]
pub struct Cli {
    /// Print the version, the kernel, and which sock_diag protocols and socket destroy
    /// (-K) this kernel serves
    #[arg(short = 'V', long = "version")]
    pub version: bool,

    #[command(flatten)]
    pub protocols: Protocols,

    /// Show only listening sockets
    #[arg(short = 'l', long = "listening")]
    pub listening: bool,

    /// Show listening and non-listening sockets
    #[arg(short = 'a', long = "all")]
    pub all: bool,

    /// Don't resolve host, port or user names
    #[arg(short = 'n', long = "numeric")]
    pub numeric: bool,

    /// Don't resolve host names
    #[arg(long = "numeric-hosts")]
    pub numeric_hosts: bool,

    /// Don't resolve port names
    #[arg(long = "numeric-ports")]
    pub numeric_ports: bool,

    /// Don't resolve user names
    #[arg(long = "numeric-users")]
    pub numeric_users: bool,

    /// Show the PID and name of the program holding each socket
    #[arg(short = 'p', long = "programs")]
    pub programs: bool,

    /// Show more information (User and Inode columns); -ee adds the socket cookie,
    /// cgroup, fwmark, v6only and shutdown state. With -i: the long (ifconfig) form; with
    /// -r: Metric/Ref/Use columns, -ee both layouts
    #[arg(short = 'e', long = "extend", action = ArgAction::Count)]
    pub extend: u8,

    /// Show timers
    #[arg(short = 'o', long = "timers")]
    pub timers: bool,

    /// Don't truncate IP addresses
    #[arg(short = 'W', long = "wide")]
    pub wide: bool,

    /// Address families to show: inet, inet6, unix (comma-separated)
    #[arg(
        short = 'A',
        long = "protocol",
        value_name = "FAMILY",
        value_delimiter = ','
    )]
    pub families: Vec<String>,

    /// Refresh every SECS seconds (default 1) until interrupted
    #[arg(
        short = 'c',
        long = "continuous",
        value_name = "SECS",
        num_args = 0..=1,
        default_missing_value = "1",
        require_equals = false
    )]
    pub continuous: Option<String>,

    /// Output format
    #[arg(long = "format", value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Same as --format json
    #[arg(long = "json", conflicts_with = "format")]
    pub json: bool,

    /// Where to read kernel sockets from
    #[arg(long = "source", value_enum, default_value_t = SourceArg::Auto)]
    pub source: SourceArg,

    /// Which protocol stacks to list
    #[arg(long = "stack", value_enum, default_value_t = StackArg::Kernel)]
    pub stack: StackArg,

    /// Show SCTP sockets
    #[arg(short = 'S', long = "sctp")]
    pub sctp: bool,

    /// Show MPTCP sockets
    #[arg(long = "mptcp")]
    pub mptcp: bool,

    /// Show packet sockets (AF_PACKET)
    #[arg(short = '0', long = "packet")]
    pub packet: bool,

    /// Show netlink sockets
    #[arg(long = "netlink")]
    pub netlink: bool,

    /// Show the socket at the other end when it is on this host: unix peers, loopback and
    /// other namespaces (searched whether or not --all-netns is given), with its process
    #[arg(long = "peer")]
    pub peer: bool,

    /// Show TCP internals (tcp_info and congestion control), like ss -i
    #[arg(long = "info")]
    pub info: bool,

    /// Show socket memory (skmeminfo), like ss -m
    #[arg(short = 'm', long = "memory")]
    pub memory: bool,

    /// Add each TCP socket's verdicts (what limits or troubles it, docs/why.md): a Why
    /// column in text and table, a `why` array in JSON. One sample unless --interval
    #[arg(long = "why", conflicts_with_all = ["summary", "kill", "peer", "statistics", "interfaces", "groups", "route"])]
    pub why: bool,

    /// List what the recorder (`rnetstat record`) saw at TIME instead of what is there now:
    /// RFC 3339, 'YYYY-MM-DD HH:MM[:SS]' (local time), a time ago (-10m, '2h ago'), or now
    #[arg(long = "at", value_name = "TIME", allow_hyphen_values = true,
          conflicts_with_all = ["continuous", "why", "kill", "peer", "statistics", "interfaces", "groups", "route", "summary"])]
    pub at: Option<String>,

    /// The recorder's database, for --at and --age (default /var/lib/rnetstat/history.db
    /// as root, else $XDG_STATE_HOME/rnetstat/history.db)
    #[arg(long = "db", value_name = "PATH")]
    pub db: Option<std::path::PathBuf>,

    /// An Age column: how long since the recorder first saw each socket (JSON:
    /// first_seen, first_seen_exact); needs the recorder's database
    #[arg(long = "age", conflicts_with_all = ["at", "why", "summary", "kill", "peer", "statistics", "interfaces", "groups", "route"])]
    pub age: bool,

    /// A Reasons column: the retransmits, resets and drops (by the kernel's reason) its
    /// tracepoints counted for each socket while `trace`, `serve` or `record` runs (root);
    /// JSON has them as `events` whenever a tracer runs
    #[arg(long = "reasons", conflicts_with_all = ["at", "why", "summary", "kill", "peer", "statistics", "interfaces", "groups", "route"])]
    pub reasons: bool,

    /// With --why: take two samples SECS apart, for the verdicts that need a rate (0: one
    /// sample, as without it)
    #[arg(
        long = "interval",
        value_name = "SECS",
        requires = "why",
        allow_hyphen_values = true
    )]
    pub interval: Option<String>,

    #[command(flatten)]
    pub netns: NetnsArgs,

    /// Show the interface table (netstat -i): counters and flags; with -a also down ones
    #[arg(short = 'i', long = "interfaces", conflicts_with_all = ["groups", "statistics", "summary", "kill"])]
    pub interfaces: bool,

    /// Show IPv4 and IPv6 multicast group memberships (netstat -g)
    #[arg(short = 'g', long = "groups", conflicts_with_all = ["statistics", "summary", "kill"])]
    pub groups: bool,

    /// Show the kernel routing table (netstat -r): IPv4 unless -6; -e and -ee widen it
    #[arg(short = 'r', long = "route", conflicts_with_all = ["interfaces", "groups", "statistics", "summary", "kill"])]
    pub route: bool,

    /// Show the protocol counters (netstat -s): IPv4 unless -6; -t/-u/-w narrow them
    #[arg(short = 's', long = "statistics", conflicts_with_all = ["summary", "kill"])]
    pub statistics: bool,

    /// With -s: show the change since the previous `-s --delta` run (kept per user and
    /// network namespace; RNETSTAT_HISTORY names the file), or over each -c interval
    #[arg(long = "delta", requires = "statistics")]
    pub delta: bool,

    /// Show counts per protocol and state instead of sockets, like ss -s
    #[arg(long = "summary")]
    pub summary: bool,

    /// Close the sockets the filter selects (SOCK_DESTROY; root). Needs a filter
    #[arg(short = 'K', long = "kill")]
    pub kill: bool,

    /// Read the filter expression from FILE (one or more lines; # starts a comment)
    #[arg(short = 'F', long = "filter", value_name = "FILE")]
    pub filter_file: Option<std::path::PathBuf>,

    /// Evaluate the filter in rnetstat rather than in the kernel (for testing)
    #[arg(long = "userspace-filter", hide = true)]
    pub userspace_filter: bool,

    /// A filter in ss's language: [state NAME | exclude NAME]... [EXPRESSION],
    /// e.g. `state established '( dport = :ssh or sport = :ssh )'`
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the userspace TCP/IP stack (smoltcp) over a new TUN device, in the foreground
    Stack(StackArgs),
    /// Kernel sockets beside the userspace-stack sockets at the other end of the same connection
    Compare(CompareArgs),
    /// A self-contained lab (root): a private namespace, the stack, and kernel connections
    /// walked through the TCP life cycle, shown side by side at each step
    Lab(LabArgs),
    /// Print the sockets as Prometheus metrics once (for cron and node_exporter's textfile
    /// collector)
    Metrics(MetricsArgs),
    /// Serve the sockets as Prometheus metrics over HTTP: GET /metrics, collected afresh for
    /// each scrape
    Serve(ServeArgs),
    /// Print sockets as they open, change state and close: dumps every interval diffed, TCP
    /// closes as the kernel announces them (with their final byte counts) and, as root,
    /// every TCP transition from the kernel's inet_sock_set_state tracepoint
    Watch(WatchArgs),
    /// Throughput per connection, process, container or port, from the kernel's own TCP
    /// counters (no packet capture), refreshed every interval
    Top(TopArgs),
    /// Say what limits each connection and what troubles listeners, processes, namespaces
    /// and the host, with the evidence and the usual fix (docs/why.md)
    Explain(ExplainArgs),
    /// Record every socket's life into a SQLite database, every interval, until stopped
    /// (docs/history.md)
    Record(RecordArgs),
    /// What the recorder saw happen: sockets opened, changing state, closed, in order
    History(HistoryArgs),
    /// What changed between two moments (the second defaults to now, live): listeners
    /// added and removed, connections opened and closed, state changes
    Diff(DiffArgs),
    /// Print what happens to TCP sockets as the kernel's tracepoints tell it: retransmits,
    /// resets sent and received, drops with their reasons, state changes (root; docs/trace.md)
    Trace(TraceArgs),
    /// Print the help of rnetstat, or of one of its commands
    Help(HelpArgs),
}

#[derive(Debug, Args)]
pub struct HelpArgs {
    /// The command whose help to print (stack, compare, lab, metrics, serve, watch, top)
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopView {
    Connections,
    Processes,
    Containers,
    Ports,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub netns: NetnsArgs,

    /// Seconds between refreshes (default 1); the rates cover one interval
    #[arg(long = "interval", value_name = "SECS", conflicts_with = "continuous")]
    pub interval: Option<String>,

    /// Continuous text, as netstat -c: a frame printed every SECS seconds (default 1) until
    /// interrupted, instead of the full screen
    #[arg(
        short = 'c',
        long = "continuous",
        value_name = "SECS",
        num_args = 0..=1,
        default_missing_value = "1"
    )]
    pub continuous: Option<String>,

    /// Only TCP (what top shows: rates come from tcp_info)
    #[arg(short = 't', long = "tcp")]
    pub tcp: bool,

    /// Only IPv4
    #[arg(short = '4', long = "inet")]
    pub inet4: bool,

    /// Only IPv6
    #[arg(short = '6', long = "inet6")]
    pub inet6: bool,

    /// Numeric addresses and ports (top never resolves names; accepted as everywhere else)
    #[arg(short = 'n', long = "numeric")]
    pub numeric: bool,

    /// Print one frame (two samples an interval apart) and exit
    #[arg(long = "once")]
    pub once: bool,

    /// Print N frames as text, one an interval, then exit (the first has no rates yet)
    #[arg(long = "count", value_name = "N", conflicts_with = "once", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// One JSON document per frame
    #[arg(long = "json")]
    pub json: bool,

    /// What the rows are
    #[arg(long = "view", value_enum, default_value_t = TopView::Connections)]
    pub view: TopView,

    /// Rows per frame (1 to 100000)
    #[arg(long = "rows", value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub rows: u64,

    /// A filter in ss's language, as for the listing
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub protocols: Protocols,

    #[command(flatten)]
    pub netns: NetnsArgs,

    /// Seconds between the two samples (default 1, at most a day); 0 takes one sample and
    /// gives only the verdicts that need no rate
    #[arg(
        long = "interval",
        value_name = "SECS",
        default_value = "1",
        allow_hyphen_values = true
    )]
    pub interval: String,

    /// Only listening sockets (listener verdicts)
    #[arg(short = 'l', long = "listening")]
    pub listening: bool,

    /// Every socket, listening or not (explain's default; accepted as for the listing)
    #[arg(short = 'a', long = "all", conflicts_with = "listening")]
    pub all: bool,

    /// Accepted as for the listing: every socket explain shows has a finding, and each is
    /// always named with its process
    #[arg(short = 'p', long = "programs")]
    pub programs: bool,

    /// Read the filter expression from FILE, as for the listing
    #[arg(short = 'F', long = "filter", value_name = "FILE")]
    pub filter_file: Option<std::path::PathBuf>,

    /// Don't resolve names (explain prints numbers; accepted as everywhere else)
    #[arg(short = 'n', long = "numeric")]
    pub numeric: bool,

    /// {"sockets": [records with findings], "findings": [process, netns, host and listener findings]}
    #[arg(long = "json")]
    pub json: bool,

    /// Which protocol stacks to look at
    #[arg(long = "stack", value_enum, default_value_t = StackArg::Kernel)]
    pub stack: StackArg,

    /// A filter in ss's language, as for the listing
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub protocols: Protocols,

    #[command(flatten)]
    pub netns: NetnsArgs,

    /// Seconds between dumps (default 1)
    #[arg(long = "interval", value_name = "SECS", conflicts_with = "continuous")]
    pub interval: Option<String>,

    /// As netstat -c: a dump every SECS seconds (default 1); watch is always continuous
    #[arg(
        short = 'c',
        long = "continuous",
        value_name = "SECS",
        num_args = 0..=1,
        default_missing_value = "1"
    )]
    pub continuous: Option<String>,

    /// JSON lines: {"time", "event", "previous_state", "socket"}
    #[arg(long = "json")]
    pub json: bool,

    /// Name the process holding each socket (a /proc walk per dump)
    #[arg(short = 'p', long = "programs")]
    pub programs: bool,

    /// A filter in ss's language, as for the listing
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
}

/// The socket families to show (netstat's `-t -u -w -x -4 -6`), for the listing and the
/// exporter alike.
#[derive(Debug, Clone, Args)]
pub struct Protocols {
    /// Show TCP sockets
    #[arg(short = 't', long = "tcp")]
    pub tcp: bool,

    /// Show UDP sockets
    #[arg(short = 'u', long = "udp")]
    pub udp: bool,

    /// Show RAW sockets
    #[arg(short = 'w', long = "raw")]
    pub raw: bool,

    /// Show UNIX domain sockets
    #[arg(short = 'x', long = "unix")]
    pub unix: bool,

    /// Only IPv4
    #[arg(short = '4', long = "inet")]
    pub inet4: bool,

    /// Only IPv6
    #[arg(short = '6', long = "inet6")]
    pub inet6: bool,
}

/// Which network namespaces (docs/netns.md), for the listing and the exporter alike.
#[derive(Debug, Clone, Args)]
pub struct NetnsArgs {
    /// Network namespace NS instead of rnetstat's own (ss -N): a name under
    /// /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or
    /// net:[INODE] as rnetstat prints it
    #[arg(short = 'N', long = "net", value_name = "NS", conflicts_with_all = ["all_netns", "container"])]
    pub net: Option<String>,

    /// Every network namespace on the host, each once; a listing gains a column naming
    /// where each socket lives (container, /run/netns name, or net:[inode])
    #[arg(long = "all-netns", conflicts_with = "container")]
    pub all_netns: bool,

    /// Only the network namespace of container NAME or ID (a unique id prefix is enough)
    #[arg(long = "container", value_name = "NAME|ID")]
    pub container: Option<String>,
}

/// What the exporter collects and how many series it may make.
#[derive(Debug, Args)]
pub struct ExporterArgs {
    #[command(flatten)]
    pub protocols: Protocols,

    #[command(flatten)]
    pub netns: NetnsArgs,

    /// Ports that get rnetstat_connections series (comma-separated): local ports for
    /// direction="in", remote ports for direction="out". Default: every port with a
    /// listener (in) and the 20 busiest remote ports (out)
    #[arg(long = "ports", value_name = "LIST", value_delimiter = ',')]
    pub ports: Vec<String>,

    /// Most series of each per-port family; the rest are counted in
    /// rnetstat_series_dropped_total
    #[arg(long = "max-series", value_name = "N", default_value_t = 10_000)]
    pub max_series: usize,

    /// A filter in ss's language, as for the listing
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub exporter: ExporterArgs,

    /// Write to FILE (a temporary file in the same directory, then renamed over it)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// OpenMetrics 1.0 text instead of Prometheus text 0.0.4
    #[arg(long = "openmetrics")]
    pub openmetrics: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub exporter: ExporterArgs,

    /// Address and port to listen on (loopback unless told otherwise)
    #[arg(
        long = "listen",
        value_name = "ADDR:PORT",
        default_value = "127.0.0.1:9977"
    )]
    pub listen: String,

    /// Seconds a client has to send its request, and to read the reply
    #[arg(long = "timeout", value_name = "SECS", default_value = "5")]
    pub timeout: String,

    /// Most connections served at once; when all are taken, the one waiting longest on
    /// a slow client is dropped for the newcomer (503 only when none is waiting)
    #[arg(long = "max-connections", value_name = "N", default_value_t = 256)]
    pub max_connections: usize,

    /// TLS and basic authentication, in the Prometheus exporters' web configuration
    /// format (exporter-toolkit: tls_server_config, basic_auth_users)
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub web_config_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct StackArgs {
    /// TUN device name
    #[arg(long, default_value = "rns0")]
    pub device: String,

    /// The stack's IPv4 address and prefix; the kernel's side gets the first host address
    #[arg(long, value_name = "ADDR/PREFIX", default_value = "10.77.0.2/24")]
    pub addr4: String,

    /// The stack's IPv6 address and prefix; the kernel's side gets the first host address
    #[arg(long, value_name = "ADDR/PREFIX", default_value = "fd00:77::2/64")]
    pub addr6: String,

    /// Device MTU
    #[arg(long, default_value_t = 1500, value_parser = clap::value_parser!(u32).range(1280..=65535))]
    pub mtu: u32,

    /// Receive buffer of each TCP socket, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 262_144)]
    pub rx_buffer: usize,

    /// Send buffer of each TCP socket, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 262_144)]
    pub tx_buffer: usize,

    /// Listening sockets kept ready per service (smoltcp has no accept backlog)
    #[arg(long, default_value_t = 4)]
    pub backlog: usize,

    /// Most sockets the stack holds at once (bounds memory under a SYN flood)
    #[arg(long, default_value_t = 256)]
    pub max_sockets: usize,

    /// Port of the hold service (accepts, never reads)
    #[arg(long, default_value_t = 9999)]
    pub hold_port: u16,

    /// Keep-alive probes after SECS of silence on an idle connection, and every SECS
    /// after; a peer silent for 4×SECS is dropped (off by default: idle connections live)
    #[arg(long, value_name = "SECS", allow_hyphen_values = true)]
    pub keepalive: Option<String>,

    /// Transmit queue length of the device
    #[arg(long, default_value_t = 10_000)]
    pub txqueuelen: u32,

    /// Plain TUN frames: no virtio-net header, no GSO/checksum offload
    #[arg(long)]
    pub no_vnet_hdr: bool,

    #[command(flatten)]
    pub impair: ImpairArgs,
}

/// Impairment of the TUN link, as netem does it, for `stack` and `lab`.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Link impairment (both directions unless --to-stack or --to-kernel)")]
pub struct ImpairArgs {
    /// Drop this percentage of packets, at random
    #[arg(long, value_name = "PCT")]
    pub loss: Option<String>,

    /// Delay every packet by MS milliseconds, ± a uniform JITTER
    #[arg(long, value_name = "MS[:JITTER]")]
    pub delay: Option<String>,

    /// Send this percentage of packets out of order (held back so the next overtakes)
    #[arg(long, value_name = "PCT")]
    pub reorder: Option<String>,

    /// Send this percentage of packets twice
    #[arg(long, value_name = "PCT")]
    pub duplicate: Option<String>,

    /// A token bucket of KBIT kilobits per second that delays, never drops
    #[arg(long, value_name = "KBIT")]
    pub rate: Option<String>,

    /// Drop the Nth segment of a KIND (any, syn, syn-ack, data, ack, fin); repeatable
    #[arg(long = "drop", value_name = "KIND:N")]
    pub drop: Vec<String>,

    /// Hold the Nth segment of a KIND for MS milliseconds; repeatable
    #[arg(long = "delay-segment", value_name = "KIND:N:MS")]
    pub delay_segment: Vec<String>,

    /// Send the Nth segment of a KIND twice; repeatable
    #[arg(long = "duplicate-segment", value_name = "KIND:N")]
    pub duplicate_segment: Vec<String>,

    /// Impair only packets from the kernel to the stack
    #[arg(long = "to-stack", conflicts_with = "to_kernel")]
    pub to_stack: bool,

    /// Impair only packets from the stack to the kernel
    #[arg(long = "to-kernel")]
    pub to_kernel: bool,

    /// Seed of the random impairments (and of smoltcp's sequence numbers): the same seed
    /// drops the same packets
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub netns: NetnsArgs,

    /// Output one JSON document
    #[arg(long)]
    pub json: bool,

    /// Refresh every SECS seconds (default 1) until interrupted
    #[arg(short = 'c', long = "continuous", value_name = "SECS", num_args = 0..=1, default_missing_value = "1")]
    pub continuous: Option<String>,
}

#[derive(Debug, Args)]
pub struct LabArgs {
    /// Release one packet at a time and show both sockets after each
    #[arg(long)]
    pub step: bool,

    /// With --step: go on by itself every DELAY seconds (0: no pause) instead of waiting
    /// for Enter
    #[arg(long, value_name = "DELAY", requires = "step")]
    pub auto: Option<String>,

    /// Run a built-in scenario both ways (kernel sending to the stack, then the stack to
    /// the kernel); see --list
    #[arg(long, value_name = "NAME", conflicts_with = "script")]
    pub scenario: Option<String>,

    /// Run a scenario from a file in the lab's script format (docs/lab-scripts.md)
    #[arg(long, value_name = "FILE")]
    pub script: Option<std::path::PathBuf>,

    /// List the built-in scenarios and exit
    #[arg(long)]
    pub list: bool,

    /// Run only one way: `kernel` (the kernel is side a) or `stack` (the stack is side a)
    #[arg(long, value_name = "SIDE", value_parser = ["kernel", "stack"])]
    pub way: Option<String>,

    /// Congestion control of the stack's socket
    #[arg(long, value_name = "CC", value_parser = ["reno", "cubic", "none"], default_value = "cubic")]
    pub cc: String,

    /// Write every packet on the link to FILE as pcapng, each with a comment holding the
    /// scenario step and both sockets' state after it
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<std::path::PathBuf>,

    /// Draw the exchange as a ladder diagram (kernel and stack time lines) after each run
    #[arg(long)]
    pub ladder: bool,

    /// Write the ladder diagram as SVG to FILE (one file; both ways side by side)
    #[arg(long = "ladder-svg", value_name = "FILE")]
    pub ladder_svg: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub impair: ImpairArgs,
}

/// The clap command, for the man page and completions.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
