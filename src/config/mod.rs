//! Turns the parsed command line into a resolved [`Config`], once. Nothing below this module
//! sees clap types. netstat's rules for combining options live here (net-tools netstat.c
//! `main`): `-4`/`-6`/`-A inet*` alone select every inet protocol; `-t`/`-u`/`-w` alone
//! select both IP families; with no selection at all, everything is shown.

use std::time::Duration;

use crate::cli::{
    Cli, CompareArgs, ExporterArgs, FormatArg, ImpairArgs, LabArgs, MetricsArgs, NetnsArgs,
    ServeArgs, SourceArg, StackArg, StackArgs, TopArgs, WatchArgs,
};
use crate::error::Error;
use crate::exporter::metrics::Limits as SeriesLimits;
use crate::exporter::scrape::ExporterConfig;
use crate::filter::Filter;
use crate::lab::config::{CompareConfig, LabConfig, ScenarioSource};
use crate::output::Format;
use crate::output::counters_text::Groups;
use crate::output::names::Numeric;
use crate::output::netstat::TextOpts;
use crate::source::netns::Target;
use crate::source::{Listening, Selection, SourcePref};
use crate::stack::StackConfig;
use crate::stack::engine::Addrs;
use crate::stack::impair::Impairment;
use crate::stack::services::Limits;
use crate::stack::tap::Dir;

/// Which of netstat's views a run prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The socket tables (the default).
    Sockets,
    /// `-i`: the interface table.
    Interfaces,
    /// `-g`: multicast group memberships.
    Groups,
    /// `-s`: protocol counters.
    Statistics,
    /// `-r`: routing tables.
    Routes,
}

/// What `-s` and `-r` show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsOpts {
    /// IPv4's counters or routes (`-4`, and the default as in netstat).
    pub v4: bool,
    /// IPv6's (`-6`); with both, IPv4's then IPv6's.
    pub v6: bool,
    pub groups: Groups,
    /// `--delta`.
    pub delta: bool,
    /// `-e` as given (`-r`'s layouts).
    pub extend: u8,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub view: View,
    pub stats: StatsOpts,
    pub selection: Selection,
    /// `--summary`: counts instead of sockets.
    pub summary: bool,
    /// `--kill`: destroy what the filter selects.
    pub kill: bool,
    pub format: Format,
    pub numeric: Numeric,
    pub programs: bool,
    pub text: TextOpts,
    pub continuous: Option<Duration>,
    /// Which network namespaces (`-N`, `--all-netns`, `--container`).
    pub netns: Target,
    /// `--peer`: find the other end of each socket on this host.
    pub peer: bool,
    /// `--why`: each TCP socket's verdicts; `Some(d)` with `--interval`, two samples `d` apart.
    pub why: Option<Option<Duration>>,
    /// `--at`: list what the recorder saw then.
    pub at: Option<At>,
    /// `--age`: the recorder's database to read each socket's first sighting from.
    pub age: Option<std::path::PathBuf>,
}

/// `--at TIME [--db PATH]`, resolved.
#[derive(Debug, Clone)]
pub struct At {
    /// Unix milliseconds.
    pub ms: i64,
    pub db: std::path::PathBuf,
}

impl Config {
    pub fn from_cli(cli: &Cli) -> Result<Config, Error> {
        let p = &cli.protocols;
        let (mut inet4, mut inet6, mut unix) = (p.inet4, p.inet6, p.unix);
        let (mut packet, mut netlink) = (cli.packet, cli.netlink);
        for f in &cli.families {
            match f.trim() {
                "inet" | "ip" | "ipv4" => inet4 = true,
                "inet6" | "ip6" | "ipv6" => inet6 = true,
                "unix" | "local" => unix = true,
                "packet" | "link" => packet = true,
                "netlink" => netlink = true,
                other => {
                    return Err(Error::Usage(format!(
                        "unknown address family '{other}' (expected inet, inet6, unix, packet or netlink)"
                    )));
                }
            }
        }
        let stats = stats_opts(cli, inet4, inet6, unix || packet || netlink)?;
        let (mut tcp, mut udp, mut raw) = (p.tcp, p.udp, p.raw);
        let (sctp, mptcp) = (cli.sctp, cli.mptcp);
        let any_proto = tcp || udp || raw || sctp || mptcp;
        if (inet4 || inet6) && !any_proto {
            (tcp, udp, raw) = (true, true, true);
        }
        if (tcp || udp || raw || sctp || mptcp) && !(inet4 || inet6) {
            (inet4, inet6) = (true, true);
        }
        let any_arg = tcp || udp || raw || unix || sctp || mptcp || packet || netlink;
        if !any_arg {
            (tcp, udp, raw, unix, inet4, inet6) = (true, true, true, true, true, true);
        }
        // ss -s counts every socket; -l still narrows it.
        let listening = if cli.all || (cli.summary && !cli.listening) {
            Listening::All
        } else if cli.listening {
            Listening::Only
        } else {
            Listening::Connected
        };
        let format = if cli.json {
            Format::Json
        } else {
            match cli.format {
                FormatArg::Text => Format::Text,
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
                FormatArg::Jsonl => Format::Jsonl,
            }
        };
        if format == Format::Table && !cli.summary {
            // The table has a column per value; -ee, -m and --info print a detail line per
            // socket, which text and JSON carry and a table cell would not.
            let detail = [
                (cli.extend > 1, "-ee"),
                (cli.memory, "-m"),
                (cli.info, "--info"),
            ];
            if let Some((_, flag)) = detail.iter().find(|(on, _)| *on) {
                return Err(Error::Usage(format!(
                    "{flag} prints a detail line under each socket, which --format table does \
                     not show; use the text format or --json"
                )));
            }
        }
        let continuous = cli
            .continuous
            .as_deref()
            .map(|v| seconds("-c", v))
            .transpose()?;
        let filter = filter_of(cli)?;
        if cli.kill && filter.as_ref().is_none_or(|f| f.is_empty()) {
            return Err(Error::Usage(
                "--kill needs a filter (e.g. `dport = :8080`); it will not close every socket"
                    .into(),
            ));
        }
        if cli.kill && cli.stack != StackArg::Kernel {
            return Err(Error::Usage("--kill closes kernel sockets only".into()));
        }
        let (kernel, userspace) = match cli.stack {
            StackArg::Kernel => (true, false),
            StackArg::User => (false, true),
            StackArg::All => (true, true),
        };
        let view = if cli.interfaces {
            View::Interfaces
        } else if cli.groups {
            View::Groups
        } else if cli.statistics {
            View::Statistics
        } else if cli.route {
            View::Routes
        } else {
            View::Sockets
        };
        let netns = netns_target(&cli.netns)?;
        let netns_column = netns != Target::Current;
        if cli.peer && cli.kill {
            return Err(Error::Usage(
                "--peer shows sockets; it does not go with --kill".into(),
            ));
        }
        let why = cli
            .why
            .then(|| {
                cli.interval
                    .as_deref()
                    .map_or(Ok(None), |v| explain::one_or_two("--interval", v))
            })
            .transpose()?;
        let at = match &cli.at {
            None => None,
            Some(t) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                Some(At {
                    ms: time::parse("--at", t, now)?,
                    db: match &cli.db {
                        Some(p) => p.clone(),
                        None => record::default_db()?,
                    },
                })
            }
        };
        if cli.at.is_some() && cli.timers {
            return Err(Error::Usage(
                "-o: the recorder keeps no timers; --at lists without them".into(),
            ));
        }
        if cli.db.is_some() && cli.at.is_none() && !cli.age {
            return Err(Error::Usage(
                "--db names the recorder's database for --at or --age; give one of them".into(),
            ));
        }
        let age = if cli.age {
            Some(match &cli.db {
                Some(p) => p.clone(),
                None => record::default_db()?,
            })
        } else {
            None
        };
        Ok(Config {
            netns,
            peer: cli.peer,
            why,
            at,
            age,
            view,
            stats,
            summary: cli.summary,
            kill: cli.kill,
            selection: Selection {
                tcp,
                udp,
                raw,
                unix,
                sctp,
                mptcp,
                packet,
                netlink,
                memory: cli.memory,
                filter,
                kernel_filter: !cli.userspace_filter,
                inet4,
                inet6,
                listening,
                source: match cli.source {
                    SourceArg::Auto => SourcePref::Auto,
                    SourceArg::Netlink => SourcePref::Netlink,
                    SourceArg::Proc => SourcePref::Proc,
                },
                unix_proc_extras: unix && format == Format::Text && !cli.summary,
                tcp_info: cli.info || cli.why,
                kernel,
                userspace,
            },
            format,
            numeric: Numeric {
                hosts: cli.numeric || cli.numeric_hosts,
                ports: cli.numeric || cli.numeric_ports,
                users: cli.numeric || cli.numeric_users,
            },
            programs: cli.programs,
            text: TextOpts {
                extend: cli.extend > 0,
                extend_more: cli.extend > 1,
                info: cli.info,
                memory: cli.memory,
                programs: cli.programs,
                timers: cli.timers,
                wide: cli.wide,
                stack_column: kernel && userspace,
                netns_column,
                peer: cli.peer,
                why: cli.why,
                age: cli.age,
                reasons: cli.reasons,
            },
            continuous,
        })
    }
}

mod explain;
mod record;
mod time;
mod trace;
pub use explain::ExplainConfig;
pub use record::RecordConfig;
pub(crate) use time::parse as parse_time;
pub use trace::TraceConfig;

/// The filter from the trailing words, or from `-F FILE` (both: the file's, then the words).
fn filter_of(cli: &Cli) -> Result<Option<Filter>, Error> {
    let mut words: Vec<String> = Vec::new();
    if let Some(path) = &cli.filter_file {
        let bytes = crate::safe_file::read_input(path, crate::safe_file::MAX_INPUT)
            .map_err(|e| Error::Usage(format!("-F: {e}")))?;
        let text = String::from_utf8_lossy(&bytes);
        words.extend(
            text.lines()
                .map(|l| l.split('#').next().unwrap_or("").trim())
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    }
    words.extend(cli.filter.iter().cloned());
    if words.is_empty() {
        return Ok(None);
    }
    Filter::parse(&words)
        .map(Some)
        .map_err(|e| Error::Usage(e.to_string()))
}

/// `-s`'s families and groups, from the flags as given (before the socket view's defaults).
fn stats_opts(cli: &Cli, v4: bool, v6: bool, other: bool) -> Result<StatsOpts, Error> {
    if (cli.statistics || cli.route) && other {
        let what = if cli.route {
            "-r has routes"
        } else {
            "-s has counters"
        };
        return Err(Error::Usage(format!(
            "{what} for inet and inet6 only (not unix, packet or netlink)"
        )));
    }
    let p = &cli.protocols;
    let any = p.tcp || p.udp || p.raw || cli.sctp;
    Ok(StatsOpts {
        v4: v4 || !v6,
        v6,
        groups: if any {
            Groups {
                raw: p.raw,
                tcp: p.tcp,
                udp: p.udp,
                sctp: cli.sctp,
            }
        } else {
            Groups::ALL
        },
        delta: cli.delta,
        extend: cli.extend,
    })
}

/// The shortest interval any command takes: a shorter one only burns a core.
pub(crate) const MIN_INTERVAL: f64 = 0.05;
/// The longest: a day.
pub(crate) const MAX_INTERVAL: f64 = 86_400.0;

/// A number of seconds from [`MIN_INTERVAL`] to [`MAX_INTERVAL`], for every interval and
/// timeout (`-c`, `--interval`, `--timeout`, `--auto`): one rule and one message.
pub(crate) fn seconds(flag: &str, s: &str) -> Result<Duration, Error> {
    s.trim()
        .parse()
        .ok()
        .filter(|v: &f64| (MIN_INTERVAL..=MAX_INTERVAL).contains(v))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{flag}: '{}' is not a number of seconds from {MIN_INTERVAL} to {MAX_INTERVAL}",
                crate::output::sanitize::quoted(s)
            ))
        })
}

/// What the exporter collects, from its arguments.
pub(crate) fn exporter_config(a: &ExporterArgs) -> Result<ExporterConfig, Error> {
    {
        let p = &a.protocols;
        let (mut tcp, mut udp, mut raw, mut unix) = (p.tcp, p.udp, p.raw, p.unix);
        let (mut inet4, mut inet6) = (p.inet4, p.inet6);
        if !(tcp || udp || raw || unix) {
            // netstat's default: every family, unless -4/-6 narrowed it to inet.
            (tcp, udp, raw) = (true, true, true);
            unix = !(inet4 || inet6);
        }
        if !(inet4 || inet6) {
            (inet4, inet6) = (true, true);
        }
        let ports = if a.ports.is_empty() {
            None
        } else {
            Some(
                a.ports
                    .iter()
                    .map(|p| {
                        p.trim().parse::<u16>().map_err(|_| {
                            Error::Usage(format!("--ports: '{p}' is not a port number"))
                        })
                    })
                    .collect::<Result<Vec<u16>, Error>>()?,
            )
        };
        if a.max_series == 0 {
            return Err(Error::Usage("--max-series must be at least 1".into()));
        }
        let filter = if a.filter.is_empty() {
            None
        } else {
            Some(Filter::parse(&a.filter).map_err(|e| Error::Usage(e.to_string()))?)
        };
        let netns = netns_target(&a.netns)?;
        Ok(ExporterConfig {
            selection: Selection {
                tcp,
                udp,
                raw,
                unix,
                sctp: false,
                mptcp: false,
                packet: false,
                netlink: false,
                inet4,
                inet6,
                // Metrics count every state; a state filter narrows that.
                listening: Listening::All,
                source: SourcePref::Auto,
                unix_proc_extras: false,
                // rnetstat_findings reads tcp_info (docs/why.md).
                tcp_info: true,
                memory: false,
                filter,
                kernel_filter: true,
                kernel: true,
                userspace: false,
            },
            netns,
            limits: SeriesLimits {
                ports,
                max_series: a.max_series,
                ..SeriesLimits::default()
            },
        })
    }
}

/// `rnetstat metrics`.
#[derive(Debug, Clone)]
pub(crate) struct MetricsConfig {
    pub exporter: ExporterConfig,
    pub output: Option<std::path::PathBuf>,
    pub openmetrics: bool,
}

impl MetricsConfig {
    pub fn from_args(a: &MetricsArgs) -> Result<MetricsConfig, Error> {
        Ok(MetricsConfig {
            exporter: exporter_config(&a.exporter)?,
            output: a.output.clone(),
            openmetrics: a.openmetrics,
        })
    }
}

/// `rnetstat serve`.
#[derive(Debug, Clone)]
pub(crate) struct ServeConfig {
    pub exporter: ExporterConfig,
    pub listen: std::net::SocketAddr,
    pub timeout: Duration,
    pub max_connections: usize,
}

impl ServeConfig {
    pub fn from_args(a: &ServeArgs) -> Result<ServeConfig, Error> {
        let listen = a.listen.parse().map_err(|_| {
            Error::Usage(format!(
                "--listen: '{}' is not ADDR:PORT (e.g. 127.0.0.1:9977 or [::1]:9977)",
                a.listen
            ))
        })?;
        if a.max_connections == 0 {
            return Err(Error::Usage("--max-connections must be at least 1".into()));
        }
        Ok(ServeConfig {
            exporter: exporter_config(&a.exporter)?,
            listen,
            timeout: seconds("--timeout", &a.timeout)?,
            max_connections: a.max_connections,
        })
    }
}

/// `-N`, `--all-netns`, `--container` → the namespaces a run covers.
fn netns_target(a: &NetnsArgs) -> Result<Target, Error> {
    Ok(match (&a.net, a.all_netns, &a.container) {
        (Some(n), _, _) if n.is_empty() => {
            return Err(Error::Usage(
                "-N needs a namespace name, path or pid:PID".into(),
            ));
        }
        (Some(n), _, _) => Target::Net(n.clone()),
        (_, true, _) => Target::All,
        (_, _, Some(c)) if c.is_empty() => {
            return Err(Error::Usage("--container needs a name or id".into()));
        }
        (_, _, Some(c)) => Target::Container(c.clone()),
        _ => Target::Current,
    })
}

/// `rnetstat watch`.
#[derive(Debug, Clone)]
pub(crate) struct WatchConfig {
    pub selection: Selection,
    pub netns: Target,
    pub interval: Duration,
    pub json: bool,
    pub programs: bool,
}

impl WatchConfig {
    pub fn from_args(a: &WatchArgs) -> Result<WatchConfig, Error> {
        // Before the filter: see TopConfig::from_args.
        let interval = interval(a.interval.as_deref(), a.continuous.as_deref())?;
        let exporter = exporter_config(&ExporterArgs {
            protocols: crate::cli::Protocols {
                ..a.protocols.clone()
            },
            netns: NetnsArgs { ..a.netns.clone() },
            ports: Vec::new(),
            max_series: 1,
            filter: a.filter.clone(),
        })?;
        Ok(WatchConfig {
            selection: exporter.selection,
            netns: exporter.netns,
            interval,
            json: a.json,
            programs: a.programs,
        })
    }
}

/// `rnetstat top`.
#[derive(Debug, Clone)]
pub struct TopConfig {
    pub selection: Selection,
    pub netns: Target,
    pub interval: Duration,
    pub once: bool,
    /// Frames to print before exiting (`--count`); `None`: until interrupted.
    pub count: Option<u64>,
    pub json: bool,
    /// Plain frames even on a terminal (`-c` or `--count` given).
    pub frames: bool,
    pub view: crate::output::top::View,
    pub rows: usize,
}

impl TopConfig {
    pub fn from_args(a: &TopArgs) -> Result<TopConfig, Error> {
        use crate::cli::TopView;
        use crate::output::top::View;
        // The interval first: `-c state established` is -c given "state", and that is
        // the error to report, not the filter's.
        let interval = interval(a.interval.as_deref(), a.continuous.as_deref())?;
        let exporter = exporter_config(&ExporterArgs {
            protocols: crate::cli::Protocols {
                tcp: true,
                udp: false,
                raw: false,
                unix: false,
                inet4: a.inet4,
                inet6: a.inet6,
            },
            netns: a.netns.clone(),
            ports: Vec::new(),
            max_series: 1,
            filter: a.filter.clone(),
        })
        .map_err(|e| match (&e, a.filter.first()) {
            // `top -n 5`: top's -n is netstat's --numeric, and 5 became a filter.
            (Error::Usage(m), Some(n))
                if a.numeric && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Error::Usage(format!(
                    "{m}\n(-n is --numeric, as in netstat; did you mean --rows {n}?)"
                ))
            }
            _ => e,
        })?;
        let mut selection = exporter.selection;
        // Rates come from tcp_info; listeners carry none.
        selection.tcp_info = true;
        selection.listening = Listening::Connected;
        Ok(TopConfig {
            selection,
            netns: exporter.netns,
            interval,
            once: a.once,
            count: a.count,
            json: a.json,
            frames: a.continuous.is_some() || a.count.is_some(),
            view: match a.view {
                TopView::Connections => View::Connections,
                TopView::Processes => View::Processes,
                TopView::Containers => View::Containers,
                TopView::Ports => View::Ports,
            },
            rows: usize::try_from(a.rows).unwrap_or(usize::MAX),
        })
    }
}

/// The interval of `watch` and `top`: `--interval SECS`, or `-c [SECS]`, else 1 s.
fn interval(interval: Option<&str>, continuous: Option<&str>) -> Result<Duration, Error> {
    match (interval, continuous) {
        (Some(v), _) => seconds("--interval", v),
        (None, Some(v)) => seconds("-c", v).map_err(|e| match e {
            // -c's SECS is optional, so `-c state established` gave it "state".
            Error::Usage(m) => Error::Usage(format!(
                "{m}; -c takes an optional SECS, so give one before a filter \
                 (-c 1 state established)"
            )),
            e => e,
        }),
        (None, None) => seconds("--interval", "1"),
    }
}

/// `rnetstat compare`'s options from its arguments.
pub(crate) fn compare_config(a: &CompareArgs) -> Result<CompareConfig, Error> {
    {
        Ok(CompareConfig {
            netns: netns_target(&a.netns)?,
            json: a.json,
            continuous: a
                .continuous
                .as_deref()
                .map(|v| seconds("-c", v))
                .transpose()?,
        })
    }
}

mod stack;
pub use stack::{impairment, lab_config, stack_config};

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn cfg(args: &[&str]) -> Result<Config, Error> {
        let mut v = vec!["rnetstat"];
        v.extend_from_slice(args);
        Config::from_cli(&Cli::try_parse_from(v).unwrap())
    }

    macro_rules! selection {
        ($($name:ident: $args:expr => ($tcp:expr, $udp:expr, $raw:expr, $unix:expr, $v4:expr, $v6:expr),)*) => {$(
            #[test]
            fn $name() {
                let s = cfg(&$args).unwrap().selection;
                assert_eq!(
                    (s.tcp, s.udp, s.raw, s.unix, s.inet4, s.inet6),
                    ($tcp, $udp, $raw, $unix, $v4, $v6)
                );
            }
        )*};
    }

    selection! {
        nothing_means_everything: [] => (true, true, true, true, true, true),
        tcp_only_both_families: ["-t"] => (true, false, false, false, true, true),
        tcp_v4: ["-t4"] => (true, false, false, false, true, false),
        v6_all_inet_protocols: ["-6"] => (true, true, true, false, false, true),
        unix_only: ["-x"] => (false, false, false, true, false, false),
        family_list: ["-A", "inet,unix"] => (true, true, true, true, true, false),
        tuw: ["-tuwan"] => (true, true, true, false, true, true),
    }

    #[test]
    fn listening_modes_and_numeric() {
        let c = cfg(&["-tln"]).unwrap();
        assert_eq!(c.selection.listening, Listening::Only);
        assert!(c.numeric.hosts && c.numeric.ports && c.numeric.users);
        assert_eq!(cfg(&["-tal"]).unwrap().selection.listening, Listening::All);
        assert_eq!(
            cfg(&["--numeric-ports"]).unwrap().numeric,
            Numeric {
                hosts: false,
                ports: true,
                users: false
            }
        );
    }

    #[test]
    fn bad_family_and_interval_are_usage_errors() {
        assert!(matches!(cfg(&["-A", "ipx"]), Err(Error::Usage(_))));
        assert!(matches!(cfg(&["-c", "0"]), Err(Error::Usage(_))));
        assert!(matches!(cfg(&["-c", "abc"]), Err(Error::Usage(_))));
        // Guards against `-c 1e-300` and `-c 0.0001` burning a core.
        for bad in ["1e-300", "0.0001", "0.049", "86401", "inf", "NaN"] {
            let e = cfg(&["-c", bad]).unwrap_err().to_string();
            assert_eq!(
                e,
                format!("-c: '{bad}' is not a number of seconds from 0.05 to 86400"),
            );
        }
        assert_eq!(
            cfg(&["-c", "0.05"]).unwrap().continuous,
            Some(Duration::from_millis(50))
        );
        assert_eq!(
            cfg(&["-c"]).unwrap().continuous,
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            cfg(&["-c", "0.5"]).unwrap().continuous,
            Some(Duration::from_millis(500))
        );
    }

    #[test]
    fn stack_addresses_and_limits() {
        use crate::cli::Command;
        let stack = |args: &[&str]| {
            let mut v = vec!["rnetstat", "stack"];
            v.extend_from_slice(args);
            match Cli::try_parse_from(v).unwrap().command {
                Some(Command::Stack(a)) => stack_config(&a),
                _ => panic!("not the stack command"),
            }
        };
        let c = stack(&[]).unwrap();
        assert_eq!(c.kernel_v4, Ipv4Addr::new(10, 77, 0, 1));
        assert_eq!(c.kernel_v6, "fd00:77::1".parse::<Ipv6Addr>().unwrap());
        let c = stack(&["--addr4", "192.168.5.1/30", "--addr6", "fd01::1/120"]).unwrap();
        assert_eq!(c.kernel_v4, Ipv4Addr::new(192, 168, 5, 2));
        assert_eq!(c.kernel_v6, "fd01::2".parse::<Ipv6Addr>().unwrap());
        for bad in [
            &["--addr4", "10.0.0.1"][..],
            &["--addr4", "10.0.0.1/32"],
            &["--addr6", "nope/64"],
            &["--rx-buffer", "10"],
            &["--hold-port", "7"],
            &["--backlog", "0"],
        ] {
            assert!(matches!(stack(bad), Err(Error::Usage(_))), "{bad:?}");
        }
    }

    #[test]
    fn stack_selection() {
        let c = cfg(&["--stack", "all"]).unwrap();
        assert!(c.selection.kernel && c.selection.userspace && c.text.stack_column);
        let c = cfg(&[]).unwrap();
        assert!(c.selection.kernel && !c.selection.userspace && !c.text.stack_column);
    }

    #[test]
    fn json_flag() {
        assert_eq!(cfg(&["--json"]).unwrap().format, Format::Json);
        assert_eq!(cfg(&["--format", "jsonl"]).unwrap().format, Format::Jsonl);
        assert!(!cfg(&["--json", "-x"]).unwrap().selection.unix_proc_extras);
    }
}
