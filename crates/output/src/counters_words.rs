//! The sentences `netstat -s` prints for the counters it knows (net-tools 2.10
//! statistics.c), so our text reads the same. Counters not listed here print raw as
//! `Name: value`, and only when non-zero.
//!
//! netstat finds a counter's sentence with a binary search over tables that are not quite
//! sorted, so a few counters it has sentences for are never found and always print raw
//! (`Forwarding: 2`, `TCPTimeouts: 6`). Those are left out here on purpose: Ip
//! `Forwarding`; Icmp6 `Icmp6OutRouterAdvertisements` (its key has a stray space); TcpExt
//! `TCPDirectCopyFromPrequeue`, `TCPDSACKOfoRecv`, `TCPDSACKOfoSent`, `TCPDSACKOldSent`,
//! `TCPDSACKRecv`, `TCPDSackUndo`, `TCPDSACKUndo`, `TCPLoss`, `TCPPrequeueDropped`,
//! `TCPRenoRecoveryFailed`, `TCPRenoRecoveryFail`, `TCPSackFailures`,
//! `TCPSackRecoveryFail`, `TCPSackRecovery`, `TCPSACKReneging`, `TCPTimeouts`, `TWKilled`.
//!
//! Each table is sorted by name (byte order) for [`find`].

/// How netstat prints a known counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Always, even when zero.
    Num,
    /// Only when non-zero.
    Opt,
    /// Never (settings such as `DefaultTTL`, and fields netstat has no words for).
    Hidden,
    /// A line of the "ICMP input histogram:", only when non-zero.
    In,
    /// A line of the "ICMP output histogram:", only when non-zero.
    Out,
}

use Kind::{Hidden, In, Num, Opt, Out};

/// A counter's sentence; `{}` stands for the value.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub name: &'static str,
    pub kind: Kind,
    pub text: &'static str,
}

impl Words {
    const fn new(name: &'static str, kind: Kind, text: &'static str) -> Words {
        Words { name, kind, text }
    }
}

/// The words for `counter` in a sorted table.
pub fn find(table: &'static [Words], counter: &str) -> Option<&'static Words> {
    table
        .binary_search_by(|w| w.name.cmp(counter))
        .ok()
        .map(|i| &table[i])
}

/// Which of `-w` (raw: IP and ICMP), `-t`, `-u` and `--sctp` a known section belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Raw,
    Tcp,
    Udp,
    Sctp,
}

/// netstat's table and group for a section it knows; `None` for the rest (`IcmpMsg`,
/// `UdpLite`, `IpExt`, `MPTcpExt`, `UdpLite6`, ...), which it prints raw.
pub fn section(name: &str) -> Option<(&'static [Words], Group)> {
    Some(match name {
        "Ip" => (IP, Group::Raw),
        "Icmp" => (ICMP, Group::Raw),
        "Tcp" | "Tcp6" => (TCP, Group::Tcp),
        "Udp" => (UDP, Group::Udp),
        "Sctp" => (SCTP, Group::Sctp),
        "TcpExt" => (TCPEXT, Group::Tcp),
        "Ip6" => (IP6, Group::Raw),
        "Icmp6" => (ICMP6, Group::Raw),
        "Udp6" => (UDP6, Group::Udp),
        _ => return None,
    })
}

pub static IP: &[Words] = &[
    Words::new("DefaultTTL", Hidden, ""),
    Words::new("ForwDatagrams", Num, "{} forwarded"),
    Words::new("FragCreates", Opt, "{} fragments created"),
    Words::new("FragFails", Opt, "{} outgoing packets failed fragmentation"),
    Words::new("FragOKs", Opt, "{} outgoing packets fragmented ok"),
    Words::new("InAddrErrors", Opt, "{} with invalid addresses"),
    Words::new("InDelivers", Num, "{} incoming packets delivered"),
    Words::new("InDiscards", Num, "{} incoming packets discarded"),
    Words::new("InHdrErrors", Opt, "{} with invalid headers"),
    Words::new("InReceives", Num, "{} total packets received"),
    Words::new("InUnknownProtos", Opt, "{} with unknown protocol"),
    Words::new("OutDiscards", Opt, "{} outgoing packets dropped"),
    Words::new("OutNoRoutes", Opt, "{} dropped because of missing route"),
    Words::new("OutRequests", Num, "{} requests sent out"),
    Words::new("ReasmFails", Opt, "{} packet reassemblies failed"),
    Words::new("ReasmOKs", Opt, "{} packets reassembled ok"),
    Words::new("ReasmReqds", Opt, "{} reassemblies required"),
    Words::new("ReasmTimeout", Opt, "{} fragments dropped after timeout"),
];

pub static ICMP: &[Words] = &[
    Words::new("InAddrMaskReps", In, "address mask replies: {}"),
    Words::new("InAddrMasks", In, "address mask request: {}"),
    Words::new("InDestUnreachs", In, "destination unreachable: {}"),
    Words::new("InEchoReps", In, "echo replies: {}"),
    Words::new("InEchos", In, "echo requests: {}"),
    Words::new("InErrors", Num, "{} input ICMP message failed"),
    Words::new("InMsgs", Num, "{} ICMP messages received"),
    Words::new("InParmProbs", In, "wrong parameters: {}"),
    Words::new("InRedirects", In, "redirects: {}"),
    Words::new("InSrcQuenchs", In, "source quenches: {}"),
    Words::new("InTimeExcds", In, "timeout in transit: {}"),
    Words::new("InTimestampReps", In, "timestamp reply: {}"),
    Words::new("InTimestamps", In, "timestamp request: {}"),
    Words::new("OutAddrMaskReps", Out, "address mask replies: {}"),
    Words::new("OutAddrMasks", Out, "address mask requests: {}"),
    Words::new("OutDestUnreachs", Out, "destination unreachable: {}"),
    Words::new("OutEchoReps", Out, "echo replies: {}"),
    Words::new("OutEchos", Out, "echo requests: {}"),
    Words::new("OutErrors", Num, "{} ICMP messages failed"),
    Words::new("OutMsgs", Num, "{} ICMP messages sent"),
    Words::new("OutParmProbs", Out, "wrong parameters: {}"),
    Words::new("OutRedirects", Out, "redirect: {}"),
    Words::new("OutSrcQuenchs", Out, "source quench: {}"),
    Words::new("OutTimeExcds", Out, "time exceeded: {}"),
    Words::new("OutTimestampReps", Out, "timestamp replies: {}"),
    Words::new("OutTimestamps", Out, "timestamp requests: {}"),
];

pub static TCP: &[Words] = &[
    Words::new("ActiveOpens", Num, "{} active connection openings"),
    Words::new("AttemptFails", Num, "{} failed connection attempts"),
    Words::new("CurrEstab", Num, "{} connections established"),
    Words::new("EstabResets", Num, "{} connection resets received"),
    Words::new("InErrs", Num, "{} bad segments received"),
    Words::new("InSegs", Num, "{} segments received"),
    Words::new("MaxConn", Hidden, ""),
    Words::new("OutRsts", Num, "{} resets sent"),
    Words::new("OutSegs", Num, "{} segments sent out"),
    Words::new("PassiveOpens", Num, "{} passive connection openings"),
    Words::new("RetransSegs", Num, "{} segments retransmitted"),
    Words::new("RtoAlgorithm", Hidden, ""),
    Words::new("RtoMax", Hidden, ""),
    Words::new("RtoMin", Hidden, ""),
];

pub static UDP: &[Words] = &[
    Words::new("InDatagrams", Num, "{} packets received"),
    Words::new("InErrors", Num, "{} packet receive errors"),
    Words::new("NoPorts", Num, "{} packets to unknown port received"),
    Words::new("OutDatagrams", Num, "{} packets sent"),
    Words::new("RcvbufErrors", Num, "{} receive buffer errors"),
    Words::new("SndbufErrors", Num, "{} send buffer errors"),
];

pub static SCTP: &[Words] = &[
    Words::new("SctpAborteds", Num, "{} Number of Aborteds "),
    Words::new("SctpActiveEstabs", Num, "{} Active Associations"),
    Words::new(
        "SctpChecksumErrors",
        Num,
        "{} Number of Packets with invalid Checksum",
    ),
    Words::new("SctpCurrEstab", Num, "{} Current Associations"),
    Words::new("SctpFragUsrMsgs", Num, "{} Number of messages fragmented"),
    Words::new(
        "SctpInCtrlChunks",
        Num,
        "{} Number of control chunks received",
    ),
    Words::new(
        "SctpInOrderChunks",
        Num,
        "{} Number of ordered chunks received",
    ),
    Words::new("SctpInSCTPPacks", Num, "{} Number of SCTP packets received"),
    Words::new(
        "SctpInUnorderChunks",
        Num,
        "{} Number of Unordered chunks received",
    ),
    Words::new("SctpOutCtrlChunks", Num, "{} Number of control chunks sent"),
    Words::new("SctpOutOfBlues", Num, "{} Number of Out of Blue packets"),
    Words::new(
        "SctpOutOrderChunks",
        Num,
        "{} Number of ordered chunks sent",
    ),
    Words::new("SctpOutSCTPPacks", Num, "{} Number of SCTP packets sent"),
    Words::new(
        "SctpOutUnorderChunks",
        Num,
        "{} Number of Unordered chunks sent",
    ),
    Words::new("SctpPassiveEstabs", Num, "{} Passive Associations"),
    Words::new(
        "SctpReasmUsrMsgs",
        Num,
        "{} Number of messages reassembled ",
    ),
    Words::new("SctpShutdowns", Num, "{} Number of Graceful Terminations"),
];

pub(crate) static TCPEXT: &[Words] = &[
    Words::new(
        "DelayedACKLocked",
        Opt,
        "{} delayed acks further delayed because of locked socket",
    ),
    Words::new(
        "DelayedACKLost",
        Opt,
        "Quick ack mode was activated {} times",
    ),
    Words::new("DelayedACKs", Opt, "{} delayed acks sent"),
    Words::new(
        "EmbryonicRsts",
        Opt,
        "{} resets received for embryonic SYN_RECV sockets",
    ),
    Words::new("ListenDrops", Opt, "{} SYNs to LISTEN sockets dropped"),
    Words::new(
        "ListenOverflows",
        Opt,
        "{} times the listen queue of a socket overflowed",
    ),
    Words::new(
        "LockDroppedIcmps",
        Opt,
        "{} ICMP packets dropped because socket was locked",
    ),
    Words::new(
        "OfoPruned",
        Opt,
        "{} packets dropped from out-of-order queue because of socket buffer overrun",
    ),
    Words::new(
        "OutOfWindowIcmps",
        Opt,
        "{} ICMP packets dropped because they were out-of-window",
    ),
    Words::new(
        "PAWSActive",
        Opt,
        "{} active connections rejected because of time stamp",
    ),
    Words::new(
        "PAWSEstab",
        Opt,
        "{} packets rejected in established connections because of timestamp",
    ),
    Words::new(
        "PAWSPassive",
        Opt,
        "{} passive connections rejected because of time stamp",
    ),
    Words::new(
        "PruneCalled",
        Opt,
        "{} packets pruned from receive queue because of socket buffer overrun",
    ),
    Words::new("RcvPruned", Opt, "{} packets pruned from receive queue"),
    Words::new(
        "SockMallocOOM",
        Opt,
        "Ran {} times out of system memory during packet sending",
    ),
    Words::new("SyncookiesFailed", Opt, "{} invalid SYN cookies received"),
    Words::new("SyncookiesRecv", Opt, "{} SYN cookies received"),
    Words::new("SyncookiesSent", Opt, "{} SYN cookies sent"),
    Words::new(
        "TCPAbortFailed",
        Opt,
        "{} times unable to send RST due to no memory",
    ),
    Words::new(
        "TCPAbortOnClose",
        Opt,
        "{} connections reset due to early user close",
    ),
    Words::new(
        "TCPAbortOnData",
        Opt,
        "{} connections reset due to unexpected data",
    ),
    Words::new(
        "TCPAbortOnLinger",
        Opt,
        "{} connections aborted after user close in linger timeout",
    ),
    Words::new(
        "TCPAbortOnMemory",
        Opt,
        "{} connections aborted due to memory pressure",
    ),
    Words::new(
        "TCPAbortOnSyn",
        Opt,
        "{} connections reset due to unexpected SYN",
    ),
    Words::new(
        "TCPAbortOnTimeout",
        Opt,
        "{} connections aborted due to timeout",
    ),
    Words::new(
        "TCPDirectCopyFromBacklog",
        Opt,
        "{} bytes directly in process context from backlog",
    ),
    Words::new(
        "TCPFACKReorder",
        Opt,
        "Detected reordering {} times using FACK",
    ),
    Words::new("TCPFastRetrans", Opt, "{} fast retransmits"),
    Words::new("TCPForwardRetrans", Opt, "{} forward retransmits"),
    Words::new(
        "TCPFullUndo",
        Opt,
        "{} congestion windows fully recovered without slow start",
    ),
    Words::new("TCPHPAcks", Opt, "{} predicted acknowledgments"),
    Words::new("TCPHPHits", Num, "{} packet headers predicted"),
    Words::new(
        "TCPHPHitsToUser",
        Opt,
        "{} packet headers predicted and directly queued to user",
    ),
    Words::new("TCPLossFailures", Opt, "{} timeouts in loss state"),
    Words::new(
        "TCPLossUndo",
        Opt,
        "{} congestion windows recovered without slow start after partial ack",
    ),
    Words::new("TCPLostRetransmits", Opt, "{} retransmits lost"),
    Words::new("TCPMemoryPressures", Opt, "TCP ran low on memory {} times"),
    Words::new(
        "TCPPartialUndo",
        Opt,
        "{} congestion windows partially recovered using Hoe heuristic",
    ),
    Words::new(
        "TCPPrequeued",
        Opt,
        "{} packets directly queued to recvmsg prequeue",
    ),
    Words::new(
        "TCPPureAcks",
        Opt,
        "{} acknowledgments not containing data payload received",
    ),
    Words::new(
        "TCPRcvCollapsed",
        Opt,
        "{} packets collapsed in receive queue due to low socket buffer",
    ),
    Words::new(
        "TCPRenoFailures",
        Opt,
        "{} timeouts after reno fast retransmit",
    ),
    Words::new(
        "TCPRenoRecovery",
        Opt,
        "{} times recovered from packet loss due to fast retransmit",
    ),
    Words::new(
        "TCPRenoReorder",
        Opt,
        "Detected reordering {} times using reno fast retransmit",
    ),
    Words::new(
        "TCPSACKReorder",
        Opt,
        "Detected reordering {} times using SACK",
    ),
    Words::new(
        "TCPSchedulerFailed",
        Opt,
        "{} times receiver scheduled too late for direct processing",
    ),
    Words::new("TCPSlowStartRetrans", Opt, "{} retransmits in slow start"),
    Words::new(
        "TCPTSReorder",
        Opt,
        "Detected reordering {} times using time stamp",
    ),
    Words::new("TW", Opt, "{} TCP sockets finished time wait in fast timer"),
    Words::new(
        "TWRecycled",
        Opt,
        "{} time wait sockets recycled by time stamp",
    ),
];

pub(crate) static IP6: &[Words] = &[
    Words::new("Ip6FragCreates", Opt, "{} fragments created"),
    Words::new(
        "Ip6FragFails",
        Opt,
        "{} outgoing packets failed fragmentation",
    ),
    Words::new("Ip6FragOKs", Opt, "{} outgoing packets fragmented ok"),
    Words::new("Ip6InAddrErrors", Opt, "{} with invalid addresses"),
    Words::new("Ip6InDelivers", Num, "{} incoming packets delivered"),
    Words::new("Ip6InDiscards", Num, "{} incoming packets discarded"),
    Words::new("Ip6InHdrErrors", Opt, "{} with invalid headers"),
    Words::new("Ip6InMcastPkts", Opt, "{} incoming multicast packets"),
    Words::new("Ip6InNoRoutes", Opt, "{} incoming packets with no route"),
    Words::new("Ip6InReceives", Num, "{} total packets received"),
    Words::new("Ip6InTooBigErrors", Opt, "{} with packets too big"),
    Words::new("Ip6InTruncatedPkts", Opt, "{} with truncated packets"),
    Words::new("Ip6InUnknownProtos", Opt, "{} with unknown protocol"),
    Words::new("Ip6OutDiscards", Opt, "{} outgoing packets dropped"),
    Words::new("Ip6OutForwDatagrams", Num, "{} forwarded"),
    Words::new("Ip6OutMcastPkts", Opt, "{} outgoing multicast packets"),
    Words::new("Ip6OutNoRoutes", Opt, "{} dropped because of missing route"),
    Words::new("Ip6OutRequests", Num, "{} requests sent out"),
    Words::new("Ip6ReasmFails", Opt, "{} packet reassemblies failed"),
    Words::new("Ip6ReasmOKs", Opt, "{} packets reassembled ok"),
    Words::new("Ip6ReasmReqds", Opt, "{} reassemblies required"),
    Words::new("Ip6ReasmTimeout", Opt, "{} fragments dropped after timeout"),
];

pub(crate) static ICMP6: &[Words] = &[
    Words::new("Icmp6InDestUnreachs", In, "destination unreachable: {}"),
    Words::new("Icmp6InEchoReplies", In, "echo replies: {}"),
    Words::new("Icmp6InEchos", In, "echo requests: {}"),
    Words::new("Icmp6InErrors", Num, "{} input ICMP message failed"),
    Words::new("Icmp6InGroupMembQueries", In, "group member queries: {}"),
    Words::new(
        "Icmp6InGroupMembReductions",
        In,
        "group member reductions: {}",
    ),
    Words::new(
        "Icmp6InGroupMembResponses",
        In,
        "group member responses: {}",
    ),
    Words::new("Icmp6InMsgs", Num, "{} ICMP messages received"),
    Words::new(
        "Icmp6InNeighborAdvertisements",
        In,
        "neighbour advertisement: {}",
    ),
    Words::new("Icmp6InNeighborSolicits", In, "neighbour solicits: {}"),
    Words::new("Icmp6InParmProblems", In, "parameter problem: {}"),
    Words::new("Icmp6InPktTooBigs", In, "packets too big: {}"),
    Words::new("Icmp6InRedirects", In, "redirects: {}"),
    Words::new(
        "Icmp6InRouterAdvertisements",
        In,
        "router advertisement: {}",
    ),
    Words::new("Icmp6InRouterSolicits", In, "router solicits: {}"),
    Words::new("Icmp6InTimeExcds", In, "received ICMPv6 time exceeded: {}"),
    Words::new("Icmp6OutDestUnreachs", Out, "destination unreachable: {}"),
    Words::new("Icmp6OutEchoReplies", Out, "echo replies: {}"),
    Words::new("Icmp6OutEchos", Out, "echo requests: {}"),
    Words::new("Icmp6OutGroupMembQueries", Out, "group member queries: {}"),
    Words::new(
        "Icmp6OutGroupMembReductions",
        Out,
        "group member reductions: {}",
    ),
    Words::new(
        "Icmp6OutGroupMembResponses",
        Out,
        "group member responses: {}",
    ),
    Words::new("Icmp6OutMsgs", Num, "{} ICMP messages sent"),
    Words::new(
        "Icmp6OutNeighborAdvertisements",
        Out,
        "neighbor advertisements: {}",
    ),
    Words::new("Icmp6OutNeighborSolicits", Out, "neighbor solicits: {}"),
    Words::new("Icmp6OutParmProblems", Out, "parameter problem: {}"),
    Words::new("Icmp6OutPktTooBigs", Out, "packets too big: {}"),
    Words::new("Icmp6OutRedirects", Out, "redirects: {}"),
    Words::new("Icmp6OutRouterSolicits", Out, "router solicits: {}"),
    Words::new("Icmp6OutTimeExcds", Out, "sent ICMPv6 time exceeded: {}"),
];

pub(crate) static UDP6: &[Words] = &[
    Words::new("Udp6InDatagrams", Num, "{} packets received"),
    Words::new("Udp6InErrors", Num, "{} packet receive errors"),
    Words::new("Udp6NoPorts", Num, "{} packets to unknown port received"),
    Words::new("Udp6OutDatagrams", Num, "{} packets sent"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_sentences_take_one_value() {
        for t in [IP, ICMP, TCP, UDP, SCTP, TCPEXT, IP6, ICMP6, UDP6] {
            assert!(t.windows(2).all(|w| w[0].name < w[1].name), "{:?}", t[0]);
            for w in t {
                let holes = w.text.matches("{}").count();
                assert_eq!(holes, usize::from(w.kind != Hidden), "{w:?}");
            }
        }
        assert_eq!(find(TCPEXT, "TW").map(|w| w.kind), Some(Opt));
        assert!(find(TCPEXT, "TCPTimeouts").is_none());
        assert!(find(IP, "Forwarding").is_none());
    }
}
