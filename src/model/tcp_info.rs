//! A TCP connection's inner state in the kernel's own vocabulary (`struct tcp_info`,
//! include/uapi/linux/tcp.h), shared by both stacks so they print side by side.
//!
//! For kernel sockets the fields come from `INET_DIAG_INFO`. smoltcp keeps the same state
//! private, so for userspace sockets the stack's wire tap derives it from the segments it
//! sees (see `stack::tap`); the three sequence numbers exist only there, because the kernel
//! does not export them. Every field is optional: a source fills what it knows. Times are
//! microseconds and windows are bytes (already scaled), as in Linux.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TcpInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rttvar: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_rtt: Option<u32>,
    /// MSS used for sending (the peer's MSS option, bounded by the path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snd_mss: Option<u32>,
    /// MSS this end announced in its SYN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advmss: Option<u32>,
    /// Window-scale shift applied to the peer's windows (the peer's option).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snd_wscale: Option<u8>,
    /// Window-scale shift this end applies to the windows it announces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcv_wscale: Option<u8>,
    /// The peer's receive window: how much this end may have in flight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snd_wnd: Option<u32>,
    /// The receive window this end announces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcv_wnd: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_retrans: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segs_out: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segs_in: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_segs_out: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_segs_in: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_sent: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_retrans: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_acked: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_received: Option<u64>,
    /// Oldest unacknowledged sequence number (wire tap only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snd_una: Option<u32>,
    /// Next sequence number to send (wire tap only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snd_nxt: Option<u32>,
    /// Next sequence number expected from the peer (wire tap only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcv_nxt: Option<u32>,
}
