//! Turns the parsed command line into a resolved [`Config`], once. Nothing below this module
//! sees clap types. netstat's rules for combining options live here (net-tools netstat.c
//! `main`): `-4`/`-6`/`-A inet*` alone select every inet protocol; `-t`/`-u`/`-w` alone
//! select both IP families; with no selection at all, everything is shown.

use std::time::Duration;

use crate::cli::{Cli, FormatArg, SourceArg};
use crate::error::Error;
use crate::output::Format;
use crate::output::names::Numeric;
use crate::output::netstat::TextOpts;
use crate::source::{Listening, Selection, SourcePref};

#[derive(Debug, Clone)]
pub struct Config {
    pub selection: Selection,
    pub format: Format,
    pub numeric: Numeric,
    pub programs: bool,
    pub text: TextOpts,
    pub continuous: Option<Duration>,
}

impl Config {
    pub fn from_cli(cli: &Cli) -> Result<Config, Error> {
        let (mut inet4, mut inet6, mut unix) = (cli.inet4, cli.inet6, cli.unix);
        for f in &cli.families {
            match f.trim() {
                "inet" | "ip" | "ipv4" => inet4 = true,
                "inet6" | "ip6" | "ipv6" => inet6 = true,
                "unix" | "local" => unix = true,
                other => {
                    return Err(Error::Usage(format!(
                        "unknown address family '{other}' (expected inet, inet6 or unix)"
                    )));
                }
            }
        }
        let (mut tcp, mut udp, mut raw) = (cli.tcp, cli.udp, cli.raw);
        let any_proto = tcp || udp || raw;
        if (inet4 || inet6) && !any_proto {
            (tcp, udp, raw) = (true, true, true);
        }
        if (tcp || udp || raw) && !(inet4 || inet6) {
            (inet4, inet6) = (true, true);
        }
        let any_arg = tcp || udp || raw || unix;
        if !any_arg {
            (tcp, udp, raw, unix, inet4, inet6) = (true, true, true, true, true, true);
        }
        let listening = if cli.all {
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
        let continuous = match &cli.continuous {
            None => None,
            Some(s) => {
                let secs: f64 = s
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v > 0.0 && *v <= 86_400.0)
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "-c: '{s}' is not a number of seconds between 0 and 86400"
                        ))
                    })?;
                Some(Duration::from_secs_f64(secs))
            }
        };
        Ok(Config {
            selection: Selection {
                tcp,
                udp,
                raw,
                unix,
                inet4,
                inet6,
                listening,
                source: match cli.source {
                    SourceArg::Auto => SourcePref::Auto,
                    SourceArg::Netlink => SourcePref::Netlink,
                    SourceArg::Proc => SourcePref::Proc,
                },
                unix_proc_extras: unix && format == Format::Text,
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
                programs: cli.programs,
                timers: cli.timers,
                wide: cli.wide,
            },
            continuous,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

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
    fn json_flag() {
        assert_eq!(cfg(&["--json"]).unwrap().format, Format::Json);
        assert_eq!(cfg(&["--format", "jsonl"]).unwrap().format, Format::Jsonl);
        assert!(!cfg(&["--json", "-x"]).unwrap().selection.unix_proc_extras);
    }
}
