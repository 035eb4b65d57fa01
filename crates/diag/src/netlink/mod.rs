//! Netlink's messages: the requests rnetstat sends, the dump loop that walks the replies,
//! and the per-family decoders (sock_diag, rtnetlink's routes, the packet and netlink
//! families).
//!
//! `dump` is written against the [`Transport`] trait so the loop's edge cases (errors in
//! NLMSG_DONE, NLMSG_ERROR, truncation, NLM_F_DUMP_INTR, foreign sequence numbers) are
//! tested on byte fixtures without a kernel.

pub(crate) mod attrs;
pub mod destroy_events;
mod dump;
pub mod inet;
pub mod link;
pub mod route;
pub mod tcp_info;
pub mod unix;

pub use dump::{DumpOutcome, Transport, dump};

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_sock_diag::SockDiagMessage;

/// The receive buffer size. The kernel fills a dump skb up to 32 KiB less the skb's
/// overhead (`net/netlink/af_netlink.c`: `max_recvmsg_len` is capped at
/// `SKB_WITH_OVERHEAD(32768)`), so 32 KiB holds any datagram a dump sends; anything larger
/// (a family that raises `min_dump_alloc`) shows as MSG_TRUNC and is an error, not a
/// silent loss. Each buffer is zeroed when made, so a larger one only costs resident
/// memory: a big listing holds seven (docs/PERFORMANCE.md).
pub const RECV_BUF: usize = 32 * 1024;

/// `SOCK_DIAG_BY_FAMILY` (include/uapi/linux/sock_diag.h).
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `NLM_F_REQUEST | NLM_F_DUMP`.
pub(crate) const DUMP_FLAGS: u16 = 0x301;

/// Starts a netlink message: a `nlmsghdr` whose length [`finish`] fills in.
pub fn message(kind: u16, flags: u16, seq: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(128);
    b.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_len, set by finish
    b.extend_from_slice(&kind.to_ne_bytes());
    b.extend_from_slice(&flags.to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_pid
    b
}

/// The sequence number of a request built by [`message`] (`nlmsg_seq`, bytes 8..12).
pub fn request_seq(req: &[u8]) -> u32 {
    req.get(8..12)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_ne_bytes)
}

/// `NLMSG_ERROR` and `NLMSG_DONE` (include/uapi/linux/netlink.h): a dump's last message.
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;

/// Whether a datagram holds the dump's last message (`NLMSG_DONE` or `NLMSG_ERROR` with
/// its sequence number), or cannot be walked (the dump loop will say why).
pub fn ends_dump(mut b: &[u8], seq: u32) -> bool {
    while b.len() >= 16 {
        let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let kind = u16::from_ne_bytes([b[4], b[5]]);
        let mseq = u32::from_ne_bytes([b[8], b[9], b[10], b[11]]);
        if (kind == NLMSG_DONE || kind == NLMSG_ERROR) && mseq == seq {
            return true;
        }
        if len < 16 {
            return true;
        }
        b = b.get(len.next_multiple_of(4)..).unwrap_or(&[]);
    }
    !b.is_empty()
}

/// Sets `nlmsg_len` to the message's length.
pub fn finish(mut b: Vec<u8>) -> Vec<u8> {
    let len = b.len() as u32;
    b[0..4].copy_from_slice(&len.to_ne_bytes());
    b
}

/// Appends one netlink attribute (`struct nlattr` + value, padded to 4 bytes).
pub(crate) fn push_attr(b: &mut Vec<u8>, kind: u16, value: &[u8]) {
    let len = (4 + value.len()) as u16;
    b.extend_from_slice(&len.to_ne_bytes());
    b.extend_from_slice(&kind.to_ne_bytes());
    b.extend_from_slice(value);
    b.resize(b.len().next_multiple_of(4), 0);
}

/// Frames a sock_diag request as a `NLM_F_REQUEST | NLM_F_DUMP` netlink message.
pub(crate) fn dump_request(msg: SockDiagMessage, seq: u32) -> Vec<u8> {
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    header.sequence_number = seq;
    let mut msg = NetlinkMessage::new(header, NetlinkPayload::from(msg));
    msg.finalize();
    let mut buf = vec![0u8; msg.buffer_len()];
    msg.serialize(&mut buf);
    buf
}
