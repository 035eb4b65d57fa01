//! What `ss -i` and `ss -m` add to a socket: the congestion-control algorithm with its
//! private state, and the socket's memory accounting.

use serde::Serialize;

/// `INET_DIAG_SKMEMINFO`: the `SK_MEMINFO_*` counters (include/uapi/linux/sock_diag.h),
/// in bytes, as ss prints them in `skmem:(r…,rb…,t…,tb…,f…,w…,o…,bl…,d…)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemInfo {
    /// Receive queue memory in use (`r`).
    pub rmem_alloc: u32,
    /// Receive buffer size, `SO_RCVBUF` (`rb`).
    pub rcvbuf: u32,
    /// Transmit memory in use (`t`).
    pub wmem_alloc: u32,
    /// Send buffer size, `SO_SNDBUF` (`tb`).
    pub sndbuf: u32,
    /// Memory reserved but not yet used (`f`).
    pub fwd_alloc: u32,
    /// Memory queued for sending (`w`).
    pub wmem_queued: u32,
    /// Option memory (`o`).
    pub optmem: u32,
    /// Backlog queue memory (`bl`).
    pub backlog: u32,
    /// Packets dropped before they reached the socket (`d`).
    pub drops: u32,
}

/// The congestion-control algorithm (`INET_DIAG_CONG`) and what it reports of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Congestion<'a> {
    pub name: &'a str,
    pub info: Option<CongInfo>,
}

/// An algorithm's own state: `INET_DIAG_VEGASINFO`, `INET_DIAG_DCTCPINFO`,
/// `INET_DIAG_BBRINFO` (include/uapi/linux/inet_diag.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CongInfo {
    Vegas {
        enabled: u32,
        rttcnt: u32,
        /// µs
        rtt: u32,
        /// µs
        minrtt: u32,
    },
    Dctcp {
        enabled: u16,
        ce_state: u16,
        alpha: u32,
        ab_ecn: u32,
        ab_tot: u32,
    },
    Bbr {
        /// Bottleneck bandwidth estimate, bytes per second.
        bw: u64,
        /// µs
        min_rtt: u32,
        /// Gains in units of 1/256.
        pacing_gain: u32,
        cwnd_gain: u32,
    },
}
