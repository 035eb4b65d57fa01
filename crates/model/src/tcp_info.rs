//! A TCP connection's inner state in the kernel's own vocabulary (`struct tcp_info`,
//! include/uapi/linux/tcp.h), shared by both stacks so they print side by side.
//!
//! For kernel sockets the fields come from `INET_DIAG_INFO`. smoltcp keeps the same state
//! private, so for userspace sockets the stack's wire tap derives it from the segments it
//! sees (see `stack::tap`); the three sequence numbers exist only there, because the kernel
//! does not export them. Every field is optional: a source fills what it knows, and an
//! older kernel sends a shorter struct. Names are Linux's without `tcpi_`. Times are
//! microseconds (the kernel's millisecond fields — `last_*`, `total_rto_time` — are
//! converted), windows are bytes (already scaled), rates are bytes per second.

use serde::{Deserialize, Serialize};

macro_rules! tcp_info {
    ($($(#[$doc:meta])* $name:ident: $t:ty,)*) => {
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct TcpInfo {
            $(
                $(#[$doc])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $name: Option<$t>,
            )*
        }
    };
}

tcp_info! {
    /// `TCP_CA_*`: 0 open, 1 disorder, 2 cwr, 3 recovery, 4 loss.
    ca_state: u8,
    /// Unrecovered retransmissions of the head segment.
    retransmits: u8,
    /// Unanswered zero-window probes.
    probes: u8,
    /// Exponential RTO backoff.
    backoff: u8,
    /// Negotiated options: `ts`, `sack`, `wscale`, `ecn`, `ecnseen`, `syn_data`, `usec_ts`.
    options: u8,
    /// Window-scale shift applied to the peer's windows (the peer's option).
    snd_wscale: u8,
    /// Window-scale shift this end applies to the windows it announces.
    rcv_wscale: u8,
    delivery_rate_app_limited: bool,
    fastopen_client_fail: u8,
    rto: u32,
    /// Delayed-ACK timeout.
    ato: u32,
    /// MSS used for sending (the peer's MSS option, bounded by the path).
    snd_mss: u32,
    rcv_mss: u32,
    unacked: u32,
    sacked: u32,
    lost: u32,
    retrans: u32,
    fackets: u32,
    last_data_sent: u32,
    last_ack_sent: u32,
    last_data_recv: u32,
    last_ack_recv: u32,
    pmtu: u32,
    rcv_ssthresh: u32,
    rtt: u32,
    rttvar: u32,
    snd_ssthresh: u32,
    snd_cwnd: u32,
    /// MSS this end announced in its SYN.
    advmss: u32,
    reordering: u32,
    rcv_rtt: u32,
    rcv_space: u32,
    total_retrans: u32,
    pacing_rate: u64,
    max_pacing_rate: u64,
    bytes_acked: u64,
    bytes_received: u64,
    segs_out: u32,
    segs_in: u32,
    notsent_bytes: u32,
    min_rtt: u32,
    data_segs_in: u32,
    data_segs_out: u32,
    delivery_rate: u64,
    busy_time: u64,
    rwnd_limited: u64,
    sndbuf_limited: u64,
    delivered: u32,
    delivered_ce: u32,
    bytes_sent: u64,
    bytes_retrans: u64,
    dsack_dups: u32,
    reord_seen: u32,
    rcv_ooopack: u32,
    /// The peer's receive window: how much this end may have in flight.
    snd_wnd: u32,
    /// The receive window this end announces.
    rcv_wnd: u32,
    rehash: u32,
    total_rto: u16,
    total_rto_recoveries: u16,
    total_rto_time: u64,
    received_ce: u32,
    delivered_e1_bytes: u32,
    delivered_e0_bytes: u32,
    delivered_ce_bytes: u32,
    received_e1_bytes: u32,
    received_e0_bytes: u32,
    received_ce_bytes: u32,
    /// Oldest unacknowledged sequence number (wire tap only).
    snd_una: u32,
    /// Next sequence number to send (wire tap only).
    snd_nxt: u32,
    /// Next sequence number expected from the peer (wire tap only).
    rcv_nxt: u32,
}
