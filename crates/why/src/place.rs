//! The verdicts about a process, a network namespace and the host: counters over an
//! interval, ports in use, and the kernel's global limits (docs/why.md).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rnetstat_model::why::{Evidence, Finding, Severity, Value, Verdict};
use rnetstat_model::{Proto, Socket, State};
use rnetstat_sys::hash::Map;

/// A namespace's counters at one moment (`/proc/net/snmp`, `/proc/net/netstat`); `None`
/// where the kernel does not have the field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetnsCounters {
    /// `TcpExt: ListenDrops` (every SYN a listener dropped, overflows included).
    pub listen_drops: Option<u64>,
    pub listen_overflows: Option<u64>,
    /// `TcpExt: TCPReqQFullDrop` (SYN queue full, no cookies).
    pub reqq_full_drop: Option<u64>,
    pub syncookies_sent: Option<u64>,
    /// `TcpExt: TCPRcvQDrop`, `TCPBacklogDrop`.
    pub rcvq_drop: Option<u64>,
    pub backlog_drop: Option<u64>,
    /// `Tcp: OutRsts`.
    pub out_rsts: Option<u64>,
    /// `TcpExt: TCPMemoryPressures` (times pressure was entered).
    pub memory_pressures: Option<u64>,
}

/// Resets sent per second, over an interval, from which `rst-storm` is raised, and the
/// fewest resets that can make one (a short interval must not turn a few into a storm).
pub const RST_STORM_PER_SEC: u64 = 100;
pub const RST_STORM_MIN: u64 = 100;
/// Ports in use to one destination, in thousandths of the ephemeral range.
pub const PORTS_WARNING: u64 = 800;
pub const PORTS_CRITICAL: u64 = 950;
/// CLOSE_WAIT sockets in one process from which it leaks.
pub const CLOSE_WAIT_LEAK: usize = 10;
/// Conntrack entries, in thousandths of its maximum.
pub const CONNTRACK_FULL: u64 = 900;

fn delta(now: Option<u64>, before: Option<u64>) -> Option<u64> {
    // A counter that went backwards (the namespace was recreated) counts from zero.
    let (n, b) = (now?, before?);
    Some(if n >= b { n - b } else { n })
}

fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The namespace's verdicts over an interval (none from one sample: counters need two).
pub fn netns(now: &NetnsCounters, before: &NetnsCounters, dt: Duration) -> Vec<Finding> {
    let mut out = Vec::new();
    let d = |f: fn(&NetnsCounters) -> Option<u64>| delta(f(now), f(before));
    let (drops, overflows, reqq, cookies) = (
        d(|c| c.listen_drops),
        d(|c| c.listen_overflows),
        d(|c| c.reqq_full_drop),
        d(|c| c.syncookies_sent),
    );
    if drops.unwrap_or(0) + reqq.unwrap_or(0) + cookies.unwrap_or(0) > 0 {
        let mut ev = Vec::new();
        for (name, v) in [
            ("listen_drops_delta", drops),
            ("listen_overflows_delta", overflows),
            ("reqq_full_drops_delta", reqq),
            ("syncookies_sent_delta", cookies),
        ] {
            if let Some(v) = v {
                ev.push((name, int(v)));
            }
        }
        out.push(Finding::new(
            Verdict::SynDrops,
            Severity::Warning,
            Evidence(ev),
        ));
    }
    let (rcvq, backlog) = (d(|c| c.rcvq_drop), d(|c| c.backlog_drop));
    if rcvq.unwrap_or(0) + backlog.unwrap_or(0) > 0 {
        out.push(Finding::new(
            Verdict::RcvqDrops,
            Severity::Warning,
            Evidence(vec![
                ("rcvq_drops_delta", int(rcvq.unwrap_or(0))),
                ("backlog_drops_delta", int(backlog.unwrap_or(0))),
            ]),
        ));
    }
    if let Some(rsts) = d(|c| c.out_rsts) {
        let ms = dt.as_millis().max(1) as u64;
        let per_sec = rsts.saturating_mul(1000) / ms;
        if per_sec >= RST_STORM_PER_SEC && rsts >= RST_STORM_MIN {
            out.push(Finding::new(
                Verdict::RstStorm,
                Severity::Warning,
                Evidence(vec![
                    ("out_rsts_delta", int(rsts)),
                    ("interval_ms", int(ms)),
                    ("per_second", int(per_sec)),
                ]),
            ));
        }
    }
    out
}

/// Counts the local ephemeral ports in use to each destination, socket by socket, for
/// `port-exhaustion`.
#[derive(Debug, Default)]
pub struct PortUse {
    /// `ip_local_port_range`, inclusive; `None` when it could not be read.
    range: Option<(u16, u16)>,
    by_destination: Map<(IpAddr, u16), u64>,
}

impl PortUse {
    pub fn new(range: Option<(u16, u16)>) -> PortUse {
        PortUse {
            range: range.filter(|(lo, hi)| lo <= hi),
            by_destination: Map::default(),
        }
    }

    /// An empty table with the same range (for a second thread's share of the sockets).
    pub fn fresh(&self) -> PortUse {
        PortUse::new(self.range)
    }

    /// Adds what `other` counted.
    pub fn absorb(&mut self, other: PortUse) {
        for (k, n) in other.by_destination {
            *self.by_destination.entry(k).or_default() += n;
        }
    }

    /// Counts `s` when it is a TCP connection from an ephemeral port (TIME_WAIT included).
    pub fn add(&mut self, s: &Socket<'_>) {
        let Some((lo, hi)) = self.range else { return };
        if s.proto != Proto::Tcp
            || matches!(s.state, State::Listen | State::Close)
            || s.remote.port == 0
            || !(lo..=hi).contains(&s.local.port)
        {
            return;
        }
        *self
            .by_destination
            .entry((s.remote.addr, s.remote.port))
            .or_default() += 1;
    }

    /// One finding per destination at or above the threshold, busiest first.
    pub fn findings(&self) -> Vec<Finding> {
        let Some((lo, hi)) = self.range else {
            return Vec::new();
        };
        let size = u64::from(hi - lo) + 1;
        let mut hot: Vec<_> = self
            .by_destination
            .iter()
            .filter(|&(_, &n)| n * 1000 >= size * PORTS_WARNING)
            .collect();
        hot.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        hot.into_iter()
            .map(|(&(addr, port), &n)| {
                let sev = if n * 1000 >= size * PORTS_CRITICAL {
                    Severity::Critical
                } else {
                    Severity::Warning
                };
                Finding::new(
                    Verdict::PortExhaustion,
                    sev,
                    Evidence(vec![
                        (
                            "destination",
                            Value::Text(SocketAddr::new(addr, port).to_string()),
                        ),
                        ("ports_in_use", int(n)),
                        ("port_range_size", int(size)),
                        ("port_range", Value::Text(format!("{lo}-{hi}"))),
                        (
                            "use_share",
                            Value::Share(((n * 1000) / size).min(1000) as u32),
                        ),
                    ]),
                )
            })
            .collect()
    }
}

/// `close-wait-leak` for a process holding `count` CLOSE_WAIT sockets.
pub fn close_wait_leak(count: usize) -> Option<Finding> {
    (count >= CLOSE_WAIT_LEAK).then(|| {
        Finding::new(
            Verdict::CloseWaitLeak,
            Severity::Warning,
            Evidence(vec![("close_wait_sockets", int(count as u64))]),
        )
    })
}

/// The host's TCP memory, orphans and connection tracking against their limits; `None`
/// where a file was missing (no conntrack module, a fixture without it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostState {
    /// `/proc/net/sockstat` `TCP: mem` (pages) and `tcp_mem` (low, pressure, high).
    pub tcp_mem_pages: Option<u64>,
    pub tcp_mem: Option<[u64; 3]>,
    /// `TcpExt: TCPMemoryPressures`, times pressure was entered.
    pub memory_pressures: Option<u64>,
    /// `sockstat` `TCP: orphan` and `tcp_max_orphans`.
    pub orphans: Option<u64>,
    pub max_orphans: Option<u64>,
    /// `nf_conntrack_count`, `nf_conntrack_max`, and the sum of `drop` and `early_drop` of
    /// `/proc/net/stat/nf_conntrack` (entries refused or evicted for a full table).
    pub conntrack_count: Option<u64>,
    pub conntrack_max: Option<u64>,
    pub conntrack_drops: Option<u64>,
}

/// The host's verdicts; counters compared with `before` when there is one.
pub fn host(now: &HostState, before: Option<&HostState>) -> Vec<Finding> {
    let mut out = Vec::new();
    let entered = before.and_then(|b| delta(now.memory_pressures, b.memory_pressures));
    if let (Some(pages), Some([_, pressure, high])) = (now.tcp_mem_pages, now.tcp_mem) {
        let sev = if pages >= high {
            Some(Severity::Critical)
        } else if pages >= pressure || entered.unwrap_or(0) > 0 {
            Some(Severity::Warning)
        } else {
            None
        };
        if let Some(sev) = sev {
            let mut ev = vec![
                ("tcp_mem_pages", int(pages)),
                ("pressure_pages", int(pressure)),
                ("high_pages", int(high)),
            ];
            if let Some(e) = entered {
                ev.push(("pressure_entered_delta", int(e)));
            }
            out.push(Finding::new(Verdict::MemoryPressure, sev, Evidence(ev)));
        }
    }
    if let (Some(n), Some(max)) = (now.orphans, now.max_orphans)
        && max > 0
        && n * 2 >= max
    {
        let sev = if n >= max {
            Severity::Critical
        } else {
            Severity::Warning
        };
        out.push(Finding::new(
            Verdict::Orphans,
            sev,
            Evidence(vec![("orphans", int(n)), ("tcp_max_orphans", int(max))]),
        ));
    }
    let drops = before.and_then(|b| delta(now.conntrack_drops, b.conntrack_drops));
    if let (Some(n), Some(max)) = (now.conntrack_count, now.conntrack_max)
        && max > 0
        && (n * 1000 >= max * CONNTRACK_FULL || drops.unwrap_or(0) > 0)
    {
        let sev = if n >= max || drops.unwrap_or(0) > 0 {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let mut ev = vec![("conntrack_count", int(n)), ("conntrack_max", int(max))];
        if let Some(d) = drops {
            ev.push(("drops_delta", int(d)));
        }
        out.push(Finding::new(Verdict::ConntrackFull, sev, Evidence(ev)));
    }
    out
}

#[cfg(test)]
#[path = "place_tests.rs"]
mod tests;
