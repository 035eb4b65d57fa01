//! `-s`: the protocol counters as netstat prints them, as a table, and as JSON.
//!
//! The text follows net-tools 2.10 (statistics.c) line for line, quirks included, so
//! scripts that read `netstat -s` can read ours:
//! - a known section's title and counters print only when its group (`-w` IP/ICMP, `-t`,
//!   `-u`, `--sctp`) is selected; sections netstat does not know (`IcmpMsg`, `UdpLite`,
//!   `IpExt`, `MPTcpExt`, ...) print whatever is selected;
//! - counters without words print raw, `Name: value`, and only when non-zero;
//! - raw counters are indented like the line before them, so after an ICMP histogram they
//!   sit at eight spaces, even in the next section.
//!
//! JSON narrows cleanly instead: a section is listed when its protocol is selected.

use std::io::{self, Write};

use serde::Serialize;

use super::Format;
use super::counters_words::{self, Group, Kind, Words};
use super::view;
use rnetstat_model::counters::{CounterMap, Section, StatsFile};

/// Which protocol groups `-w`/`-t`/`-u`/`--sctp` select (all, when none is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Groups {
    pub raw: bool,
    pub tcp: bool,
    pub udp: bool,
    pub sctp: bool,
}

impl Groups {
    pub const ALL: Groups = Groups {
        raw: true,
        tcp: true,
        udp: true,
        sctp: true,
    };

    fn has(self, g: Group) -> bool {
        match g {
            Group::Raw => self.raw,
            Group::Tcp => self.tcp,
            Group::Udp => self.udp,
            Group::Sctp => self.sctp,
        }
    }
}

/// What a printout covers: totals, or the change over `seconds` (`None`: since the
/// namespace's counters started, on a first `--delta`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Span {
    Totals,
    Delta { seconds: Option<f64> },
}

pub struct Render<'a> {
    pub format: Format,
    pub groups: Groups,
    pub span: Span,
    pub warnings: &'a [String],
    pub color: bool,
}

pub fn render<W: Write>(out: &mut W, sections: &[&Section], r: &Render) -> io::Result<()> {
    match r.format {
        Format::Text => {
            view::warn_stderr(r.warnings);
            text(out, sections, r.groups)?;
            out.flush()
        }
        Format::Table => {
            view::warn_stderr(r.warnings);
            writeln!(out, "{}", table(sections, r.groups, r.color))?;
            out.flush()
        }
        Format::Json | Format::Jsonl => {
            let records = records(sections, r.groups, r.span);
            view::json(out, r.format, "statistics", &records, r.warnings)
        }
    }
}

/// The indentation state netstat carries from line to line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Indent {
    Plain,
    InHist,
    OutHist,
}

impl Indent {
    fn width(self) -> usize {
        match self {
            Indent::Plain => 4,
            Indent::InHist | Indent::OutHist => 8,
        }
    }
}

/// netstat's text for `sections`, in the order given.
pub fn text<W: Write>(out: &mut W, sections: &[&Section], groups: Groups) -> io::Result<()> {
    let mut state = Indent::Plain;
    for s in sections {
        let known = counters_words::section(&s.name);
        let on = match known {
            Some((_, g)) => groups.has(g),
            None => true,
        };
        if on {
            writeln!(out, "{}:", s.name)?;
        }
        if known.is_some() {
            state = Indent::Plain;
        }
        if !on {
            continue;
        }
        for c in &s.counters {
            // netstat reads values with strtoull: a negative one wraps.
            let v = c.value as u64;
            let words = known.and_then(|(t, _)| counters_words::find(t, &c.name));
            let Some(w) = words else {
                if v != 0 {
                    writeln!(out, "{:w$}{}: {v}", "", c.name, w = state.width())?;
                }
                continue;
            };
            let next = match w.kind {
                Kind::Hidden => continue,
                Kind::Num | Kind::Opt => Indent::Plain,
                Kind::In => Indent::InHist,
                Kind::Out => Indent::OutHist,
            };
            if next != Indent::Plain && state != next {
                let title = if next == Indent::InHist {
                    "ICMP input histogram:"
                } else {
                    "ICMP output histogram:"
                };
                writeln!(out, "{:w$}{title}", "", w = state.width())?;
            }
            if v != 0 || w.kind == Kind::Num {
                let line = w.text.replacen("{}", &v.to_string(), 1);
                writeln!(out, "{:w$}{line}", "", w = next.width())?;
            }
            state = next;
        }
    }
    Ok(())
}

/// The group a section belongs to, for JSON and tables: netstat's, or by its name for the
/// sections netstat does not know. `None`: listed only when nothing narrows.
fn group_of(name: &str) -> Option<Group> {
    counters_words::section(name)
        .map(|(_, g)| g)
        .or(match name {
            "IcmpMsg" | "IpExt" | "Icmp6Msg" => Some(Group::Raw),
            "UdpLite" | "UdpLite6" => Some(Group::Udp),
            "MPTcpExt" => Some(Group::Tcp),
            _ => None,
        })
}

/// The sections JSON and tables list: selected, and each once (with `-4 -6` the IPv6 view
/// repeats `Tcp`).
fn selected<'a>(sections: &[&'a Section], groups: Groups) -> Vec<&'a Section> {
    let mut seen: Vec<(StatsFile, &str)> = Vec::new();
    let mut list = Vec::new();
    for &s in sections {
        let on = group_of(&s.name).map_or(groups == Groups::ALL, |g| groups.has(g));
        if on && !seen.contains(&(s.file, s.name.as_str())) {
            seen.push((s.file, s.name.as_str()));
            list.push(s);
        }
    }
    list
}

#[derive(Serialize)]
struct Record<'a> {
    file: StatsFile,
    section: &'a str,
    delta: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds: Option<f64>,
    counters: CounterMap<'a>,
}

fn records<'a>(sections: &[&'a Section], groups: Groups, span: Span) -> Vec<Record<'a>> {
    let (delta, seconds) = match span {
        Span::Totals => (false, None),
        Span::Delta { seconds } => (true, seconds.map(|s| (s * 1000.0).round() / 1000.0)),
    };
    selected(sections, groups)
        .into_iter()
        .map(|s| Record {
            file: s.file,
            section: &s.name,
            delta,
            seconds,
            counters: CounterMap(&s.counters),
        })
        .collect()
}

/// A table for people: each counter netstat would show, plus any other non-zero one, with
/// netstat's words for it.
fn table(sections: &[&Section], groups: Groups, color: bool) -> comfy_table::Table {
    let mut t = view::table(&["Section", "Counter", "Value", "Meaning"], color);
    for s in selected(sections, groups) {
        let known = counters_words::section(&s.name);
        for c in &s.counters {
            let w = known.and_then(|(t, _)| counters_words::find(t, &c.name));
            if c.value == 0 && w.is_none_or(|w| w.kind != Kind::Num) {
                continue;
            }
            t.add_row([
                s.name.clone(),
                c.name.clone(),
                c.value.to_string(),
                w.map(meaning).unwrap_or_default(),
            ]);
        }
    }
    view::keep_words_whole(&mut t, &[]);
    t
}

/// "{} active connection openings" → "active connection openings"; histogram lines get
/// their direction: "ICMP in: echo requests".
fn meaning(w: &Words) -> String {
    let bare = w.text.replacen("{}", "", 1);
    let bare = bare.trim().trim_end_matches(':');
    match w.kind {
        Kind::In => format!("ICMP in: {bare}"),
        Kind::Out => format!("ICMP out: {bare}"),
        _ => bare.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnetstat_model::counters::section_of as sec;

    fn render_text(secs: &[Section], groups: Groups) -> String {
        let refs: Vec<&Section> = secs.iter().collect();
        let mut out = Vec::new();
        text(&mut out, &refs, groups).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn sample() -> Vec<Section> {
        use StatsFile::{Netstat, Snmp};
        vec![
            sec(
                Snmp,
                "Ip",
                &[
                    ("Forwarding", 2),
                    ("DefaultTTL", 64),
                    ("InReceives", 7),
                    ("InHdrErrors", 0),
                ],
            ),
            sec(
                Snmp,
                "Icmp",
                &[
                    ("InMsgs", 5),
                    ("InCsumErrors", 0),
                    ("InDestUnreachs", 5),
                    ("InEchos", 0),
                    ("OutMsgs", 0),
                    ("OutRateLimitHost", 3),
                    ("OutDestUnreachs", 0),
                ],
            ),
            sec(Snmp, "IcmpMsg", &[("InType3", 5)]),
            sec(
                Snmp,
                "Tcp",
                &[("RtoAlgorithm", 1), ("MaxConn", -1), ("ActiveOpens", 2)],
            ),
            sec(Snmp, "UdpLite", &[("InDatagrams", 0)]),
            sec(
                Netstat,
                "TcpExt",
                &[("TW", 0), ("TCPHPHits", 0), ("TCPTimeouts", 6)],
            ),
        ]
    }

    #[test]
    fn text_follows_netstat() {
        let got = render_text(&sample(), Groups::ALL);
        let want = "\
Ip:
    Forwarding: 2
    7 total packets received
Icmp:
    5 ICMP messages received
    ICMP input histogram:
        destination unreachable: 5
    0 ICMP messages sent
    OutRateLimitHost: 3
    ICMP output histogram:
IcmpMsg:
        InType3: 5
Tcp:
    2 active connection openings
UdpLite:
TcpExt:
    0 packet headers predicted
    TCPTimeouts: 6
";
        assert_eq!(got, want);
    }

    #[test]
    fn narrowed_text_keeps_unknown_sections_as_netstat_does() {
        let g = Groups {
            raw: false,
            tcp: true,
            udp: false,
            sctp: false,
        };
        let got = render_text(&sample(), g);
        assert_eq!(
            got,
            "IcmpMsg:\n    InType3: 5\nTcp:\n    2 active connection openings\nUdpLite:\n\
             TcpExt:\n    0 packet headers predicted\n    TCPTimeouts: 6\n"
        );
    }

    #[test]
    fn json_narrows_by_protocol() {
        let secs = sample();
        let refs: Vec<&Section> = secs.iter().collect();
        let g = Groups {
            raw: false,
            tcp: true,
            udp: false,
            sctp: false,
        };
        let recs = records(
            &refs,
            g,
            Span::Delta {
                seconds: Some(2.00049),
            },
        );
        let names: Vec<&str> = recs.iter().map(|r| r.section).collect();
        assert_eq!(names, ["Tcp", "TcpExt"]);
        let j = serde_json::to_string(&recs[0]).unwrap();
        assert_eq!(
            j,
            r#"{"file":"/proc/net/snmp","section":"Tcp","delta":true,"seconds":2.0,"counters":{"RtoAlgorithm":1,"MaxConn":-1,"ActiveOpens":2}}"#
        );
    }

    #[test]
    fn table_rows_and_meanings() {
        let secs = sample();
        let refs: Vec<&Section> = secs.iter().collect();
        let t = table(&refs, Groups::ALL, false).to_string();
        assert!(t.contains("active connection openings"), "{t}");
        assert!(t.contains("ICMP in: destination unreachable"), "{t}");
        assert!(t.contains("DefaultTTL"), "{t}");
        assert!(!t.contains("InHdrErrors"), "{t}");
    }
}
