//! The kernel's protocol counters as `netstat -s` reads them: named sections (`Ip`, `Tcp`,
//! `TcpExt`, `Ip6`, ...) of named counters, in the order the kernel prints them. Names are
//! kept exactly as the kernel spells them (net/ipv4/proc.c `snmp4_*_list`,
//! net/ipv6/proc.c `snmp6_*_list`, include/uapi/linux/snmp.h), so scripts can rely on them.
//!
//! Values are `i128` because the files mix `%lu` counters (up to 2^64-1) with the odd signed
//! field (`Tcp: MaxConn` is `-1`, RFC 2012's "dynamic").

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// The file a section comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum StatsFile {
    #[serde(rename = "/proc/net/snmp")]
    Snmp,
    #[serde(rename = "/proc/net/netstat")]
    Netstat,
    #[serde(rename = "/proc/net/snmp6")]
    Snmp6,
    #[serde(rename = "/proc/net/sctp/snmp")]
    Sctp,
}

impl StatsFile {
    /// The path below `/proc`.
    pub fn rel(self) -> &'static str {
        match self {
            StatsFile::Snmp => "net/snmp",
            StatsFile::Netstat => "net/netstat",
            StatsFile::Snmp6 => "net/snmp6",
            StatsFile::Sctp => "net/sctp/snmp",
        }
    }
}

impl fmt::Display for StatsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/proc/{}", self.rel())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub name: String,
    pub value: i128,
}

/// One section: `Tcp`, `TcpExt`, `Icmp6`, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub file: StatsFile,
    pub name: String,
    pub counters: Vec<Counter>,
}

/// Fields that are settings or levels, not event counts: a delta shows their current value.
/// (RFC 4293 ipForwarding/ipDefaultTTL, RFC 4022 tcpRtoAlgorithm/RtoMin/RtoMax/MaxConn/
/// CurrEstab, RFC 3873 sctpCurrEstab.)
pub(crate) const GAUGES: &[(&str, &str)] = &[
    ("Ip", "Forwarding"),
    ("Ip", "DefaultTTL"),
    ("Tcp", "RtoAlgorithm"),
    ("Tcp", "RtoMin"),
    ("Tcp", "RtoMax"),
    ("Tcp", "MaxConn"),
    ("Tcp", "CurrEstab"),
    ("Sctp", "SctpCurrEstab"),
];

/// Whether `counter` of `section` is a level rather than a count of events.
pub(crate) fn is_gauge(section: &str, counter: &str) -> bool {
    GAUGES.iter().any(|&(s, c)| s == section && c == counter)
}

impl Section {
    /// The change from `earlier` to `self`. Levels keep their current value; a counter
    /// that went backwards (the namespace was recreated, or a module reloaded) or that
    /// `earlier` lacks shows its current value, as a count from zero.
    pub fn since(&self, earlier: Option<&Section>) -> Section {
        let before = |name: &str| {
            earlier.and_then(|e| e.counters.iter().find(|c| c.name == name).map(|c| c.value))
        };
        let counters = self
            .counters
            .iter()
            .map(|c| {
                let value = match before(&c.name) {
                    Some(b) if !is_gauge(&self.name, &c.name) && b <= c.value => c.value - b,
                    _ => c.value,
                };
                Counter {
                    name: c.name.clone(),
                    value,
                }
            })
            .collect();
        Section {
            file: self.file,
            name: self.name.clone(),
            counters,
        }
    }
}

/// The change of each section of `now` since `earlier` (matched by file and name).
pub fn delta(now: &[Section], earlier: &[Section]) -> Vec<Section> {
    now.iter()
        .map(|s| {
            let e = earlier
                .iter()
                .find(|e| e.file == s.file && e.name == s.name);
            s.since(e)
        })
        .collect()
}

/// The sections `netstat -s` prints, in its order: for IPv4 (`-4`, the default) the
/// sections of `/proc/net/snmp`, `/proc/net/netstat` and `/proc/net/sctp/snmp`; for IPv6
/// those of `/proc/net/snmp6` and then `Tcp` from `/proc/net/snmp` (TCP's counters are
/// shared by both families). net-tools statistics.c `parsesnmp`, `parsesnmp6`.
pub fn netstat_order(all: &[Section], v4: bool, v6: bool) -> Vec<&Section> {
    let from = |f: StatsFile| all.iter().filter(move |s| s.file == f);
    let mut list = Vec::new();
    if v4 {
        list.extend(from(StatsFile::Snmp));
        list.extend(from(StatsFile::Netstat));
        list.extend(from(StatsFile::Sctp));
    }
    if v6 {
        list.extend(from(StatsFile::Snmp6));
        list.extend(from(StatsFile::Snmp).filter(|s| s.name.starts_with("Tcp")));
    }
    list
}

/// Counters serialise as one object, `{"ActiveOpens": 12, ...}`, in the kernel's order.
pub struct CounterMap<'a>(pub &'a [Counter]);

impl Serialize for CounterMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for c in self.0 {
            m.serialize_entry(&c.name, &c.value)?;
        }
        m.end()
    }
}

/// A section from `(name, value)` pairs (fixtures build them so).
pub fn section_of(file: StatsFile, name: &str, pairs: &[(&str, i128)]) -> Section {
    Section {
        file,
        name: name.into(),
        counters: pairs
            .iter()
            .map(|&(n, v)| Counter {
                name: n.into(),
                value: v,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(name: &str, pairs: &[(&str, i128)]) -> Section {
        section_of(StatsFile::Snmp, name, pairs)
    }

    #[test]
    fn delta_subtracts_counts_and_keeps_levels() {
        let before = [sec(
            "Tcp",
            &[
                ("ActiveOpens", 10),
                ("CurrEstab", 4),
                ("MaxConn", -1),
                ("InSegs", 100),
            ],
        )];
        let now = [
            sec(
                "Tcp",
                &[
                    ("ActiveOpens", 13),
                    ("CurrEstab", 2),
                    ("MaxConn", -1),
                    ("InSegs", 7),
                ],
            ),
            sec("Udp", &[("InDatagrams", 5)]),
        ];
        let d = delta(&now, &before);
        let v: Vec<i128> = d[0].counters.iter().map(|c| c.value).collect();
        // InSegs went backwards: counted from zero.
        assert_eq!(v, [3, 2, -1, 7]);
        assert_eq!(d[1].counters[0].value, 5);
    }

    #[test]
    fn counters_serialise_in_kernel_order() {
        let s = sec(
            "Tcp",
            &[("RtoAlgorithm", 1), ("MaxConn", -1), ("ActiveOpens", 2)],
        );
        let j = serde_json::to_string(&CounterMap(&s.counters)).unwrap();
        assert_eq!(j, r#"{"RtoAlgorithm":1,"MaxConn":-1,"ActiveOpens":2}"#);
    }
}
