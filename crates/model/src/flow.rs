//! A connection as the kernel's connection tracking sees it: the tuple the first packet
//! had (original direction) and the tuple replies carry. The two differ where NAT
//! rewrote the connection (include/uapi/linux/netfilter/nfnetlink_conntrack.h).

use super::Endpoint;

/// One tracked flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// The IP protocol number (6 TCP, 17 UDP, 132 SCTP).
    pub proto: u8,
    /// Original direction: (source, destination).
    pub orig: (Endpoint, Endpoint),
    /// Reply direction: (source, destination).
    pub reply: (Endpoint, Endpoint),
}

impl Flow {
    /// Whether NAT rewrote it: replies do not simply come back from where the first
    /// packet went.
    pub fn translated(&self) -> bool {
        self.reply.0 != self.orig.1 || self.reply.1 != self.orig.0
    }
}
