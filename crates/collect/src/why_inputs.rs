//! What the verdicts read besides the sockets: each namespace's counters and port range,
//! and the host's TCP memory, orphans and conntrack against their limits. Missing files
//! (no conntrack module, no IPv6, a fixture) leave their fields `None`; nothing here fails.

use rnetstat_model::counters::{Section, StatsFile};
use rnetstat_why::{HostState, NetnsCounters};

use crate::netns::{self, Space};
use crate::procfs::{ProcRoot, snmp};

/// A namespace's counters and its `ip_local_port_range`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetnsReading {
    pub counters: NetnsCounters,
    pub port_range: Option<(u16, u16)>,
}

/// Reads every space's counters (entering the others on threads); `None` for a namespace
/// that could not be entered.
pub fn read_spaces(spaces: &[Space], proc_root: &ProcRoot) -> Vec<Option<NetnsReading>> {
    netns::each(spaces, proc_root, |net_root| NetnsReading {
        counters: counters(net_root),
        // /proc/sys/net shows the namespace of the thread that opens it: this one.
        port_range: port_range(proc_root),
    })
    .into_iter()
    .map(Result::ok)
    .collect()
}

fn sections(root: &ProcRoot) -> Vec<Section> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for file in [StatsFile::Snmp, StatsFile::Netstat] {
        if let Ok(text) = std::fs::read_to_string(root.path(file.rel())) {
            snmp::parse_pairs(&text, file, &mut out, &mut bad);
        }
    }
    out
}

fn counter(sections: &[Section], section: &str, name: &str) -> Option<u64> {
    let s = sections.iter().find(|s| s.name == section)?;
    let c = s.counters.iter().find(|c| c.name == name)?;
    u64::try_from(c.value).ok()
}

/// The namespace's counters from `net/snmp` and `net/netstat` below `root`.
pub fn counters(root: &ProcRoot) -> NetnsCounters {
    from_sections(&sections(root))
}

/// The counters the verdicts read, from `-s`'s sections (`Tcp`, `TcpExt`).
pub fn from_sections(s: &[Section]) -> NetnsCounters {
    let ext = |n: &str| counter(s, "TcpExt", n);
    NetnsCounters {
        listen_drops: ext("ListenDrops"),
        listen_overflows: ext("ListenOverflows"),
        reqq_full_drop: ext("TCPReqQFullDrop"),
        syncookies_sent: ext("SyncookiesSent"),
        rcvq_drop: ext("TCPRcvQDrop"),
        backlog_drop: ext("TCPBacklogDrop"),
        out_rsts: counter(s, "Tcp", "OutRsts"),
        memory_pressures: ext("TCPMemoryPressures"),
    }
}

fn read_numbers(root: &ProcRoot, rel: &str) -> Option<Vec<u64>> {
    let text = std::fs::read_to_string(root.path(rel)).ok()?;
    text.split_ascii_whitespace()
        .map(|w| w.parse().ok())
        .collect()
}

fn one(root: &ProcRoot, rel: &str) -> Option<u64> {
    match read_numbers(root, rel)?.as_slice() {
        [n] => Some(*n),
        _ => None,
    }
}

/// `sys/net/ipv4/ip_local_port_range` below `root`, as the calling thread's namespace sees it.
pub fn port_range(root: &ProcRoot) -> Option<(u16, u16)> {
    match read_numbers(root, "sys/net/ipv4/ip_local_port_range")?.as_slice() {
        [lo, hi] => Some((u16::try_from(*lo).ok()?, u16::try_from(*hi).ok()?)),
        _ => None,
    }
}

/// A `sockstat` field: `TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 354`.
fn sockstat(text: &str, key: &str) -> Option<u64> {
    let rest = text.lines().find_map(|l| l.strip_prefix("TCP:"))?;
    let mut words = rest.split_ascii_whitespace();
    while let Some(w) = words.next() {
        if w == key {
            return words.next()?.parse().ok();
        }
    }
    None
}

/// The sum of the `drop` and `early_drop` columns over every CPU's line of
/// `net/stat/nf_conntrack` (hexadecimal, a header line naming the columns).
fn conntrack_drops(text: &str) -> Option<u64> {
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next()?.split_ascii_whitespace().collect();
    let cols: Vec<usize> = ["drop", "early_drop"]
        .iter()
        .filter_map(|c| head.iter().position(|h| h == c))
        .collect();
    if cols.is_empty() {
        return None;
    }
    let mut sum = 0u64;
    for line in lines {
        let words: Vec<&str> = line.split_ascii_whitespace().collect();
        for &c in &cols {
            sum = sum.saturating_add(u64::from_str_radix(words.get(c)?, 16).ok()?);
        }
    }
    Some(sum)
}

/// The host's state below `root` (the `/proc` of the namespace rnetstat runs in).
pub fn host(root: &ProcRoot) -> HostState {
    let sockstat_text = std::fs::read_to_string(root.path("net/sockstat")).unwrap_or_default();
    let tcp_mem = read_numbers(root, "sys/net/ipv4/tcp_mem").and_then(|v| match v.as_slice() {
        [a, b, c] => Some([*a, *b, *c]),
        _ => None,
    });
    HostState {
        tcp_mem_pages: sockstat(&sockstat_text, "mem"),
        tcp_mem,
        memory_pressures: counters(root).memory_pressures,
        orphans: sockstat(&sockstat_text, "orphan"),
        max_orphans: one(root, "sys/net/ipv4/tcp_max_orphans"),
        conntrack_count: one(root, "sys/net/netfilter/nf_conntrack_count"),
        conntrack_max: one(root, "sys/net/netfilter/nf_conntrack_max"),
        conntrack_drops: std::fs::read_to_string(root.path("net/stat/nf_conntrack"))
            .ok()
            .and_then(|t| conntrack_drops(&t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conntrack_stat_columns() {
        let t = "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error\n\
                 00000000  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 0000000a 00000001 00000000\n\
                 00000000  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000000 00000000\n";
        assert_eq!(conntrack_drops(t), Some(13));
        assert_eq!(conntrack_drops("entries found\n0 0\n"), None);
        assert_eq!(conntrack_drops("drop\nzz\n"), None, "garbage is no number");
    }

    #[test]
    fn host_from_fixture_files() {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w(
            "net/sockstat",
            "sockets: used 8\nTCP: inuse 1 orphan 7 tw 0 alloc 1 mem 354\n",
        );
        w("sys/net/ipv4/tcp_mem", "100\t200\t300\n");
        w("sys/net/ipv4/tcp_max_orphans", "16\n");
        w("sys/net/ipv4/ip_local_port_range", "1000\t1099\n");
        let root = ProcRoot(dir.path().to_path_buf());
        let h = host(&root);
        assert_eq!(h.tcp_mem_pages, Some(354));
        assert_eq!(h.tcp_mem, Some([100, 200, 300]));
        assert_eq!(h.orphans, Some(7));
        assert_eq!(h.max_orphans, Some(16));
        assert_eq!(h.conntrack_count, None);
        assert_eq!(port_range(&root), Some((1000, 1099)));
        w("sys/net/ipv4/ip_local_port_range", "1000 99999\n");
        assert_eq!(port_range(&root), None);
    }
}
