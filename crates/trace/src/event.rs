//! One record of the ring buffer (`struct event` in bpf/events.bpf.c), read through a
//! checked view: a record of the wrong length is refused, never read past.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The record's length in bytes.
pub const RECORD_LEN: usize = 104;

// Field offsets in `struct event` (natural alignment).
const SPORT: usize = 32;
const DPORT: usize = 34;
const KIND: usize = 36;
const FAMILY: usize = 37;
const PROTOCOL: usize = 38;
const OLD_STATE: usize = 39;
const NEW_STATE: usize = 40;
const CA_STATE: usize = 41;
const HAS_SOCKET: usize = 42;
const SADDR: usize = 44;
const DADDR: usize = 60;
const COMM: usize = 76;
const SOCK: usize = 96;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Retransmit,
    ResetSent,
    ResetReceived,
    Drop,
    State,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Retransmit => "retransmit",
            Kind::ResetSent => "reset-sent",
            Kind::ResetReceived => "reset-received",
            Kind::Drop => "drop",
            Kind::State => "state",
        }
    }
}

/// What kind of retransmit, from the connection's congestion state when the kernel sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RetransmitKind {
    /// In loss recovery (`TCP_CA_Loss`): the retransmission timer fired.
    Timeout,
    /// In fast recovery (`TCP_CA_Recovery`): duplicate ACKs or SACK told of a loss.
    Fast,
    /// Neither (open, disorder or CWR): a tail-loss probe.
    TailLossProbe,
}

impl RetransmitKind {
    pub fn name(self) -> &'static str {
        match self {
            RetransmitKind::Timeout => "timeout",
            RetransmitKind::Fast => "fast",
            RetransmitKind::TailLossProbe => "tail-loss-probe",
        }
    }

    /// From `icsk_ca_state` (include/net/tcp.h's `enum tcp_ca_state`).
    pub fn of(ca_state: u8) -> RetransmitKind {
        match ca_state {
            4 => RetransmitKind::Timeout,
            3 => RetransmitKind::Fast,
            _ => RetransmitKind::TailLossProbe,
        }
    }
}

/// One event, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// CLOCK_MONOTONIC, nanoseconds.
    pub time_ns: u64,
    pub kind: Kind,
    /// The socket's cookie (0: it has none yet, or there is no socket).
    pub cookie: u64,
    /// The network namespace's inode (0: not known).
    pub netns: u32,
    /// The task the kernel was running (unrelated to the socket in softirq context).
    pub pid: u32,
    pub comm: String,
    /// A drop's or reset's reason, as the kernel numbers it; a retransmit's segments (what
    /// tcp_info's `total_retrans` counts).
    pub reason: u32,
    /// The socket's inode (0: no file behind it).
    pub inode: u32,
    /// IPPROTO_TCP (6) or IPPROTO_UDP (17).
    pub protocol: u8,
    pub local: (IpAddr, u16),
    pub remote: (IpAddr, u16),
    /// `state`: the old state; else 0.
    pub old_state: u8,
    /// `state`: the new state; else the socket's state then (0: no socket).
    pub new_state: u8,
    /// `retransmit`: the congestion state then.
    pub ca_state: u8,
    /// Whether the kernel had a socket for it (else addresses are the packet's).
    pub has_socket: bool,
    /// The socket's identity across events (the kernel's address of it; never shown).
    pub sock: u64,
}

/// A checked view of a record.
pub struct View<'a>(&'a [u8]);

impl<'a> View<'a> {
    /// The view, or `None` when `b` is not one record long.
    pub fn new_checked(b: &'a [u8]) -> Option<View<'a>> {
        (b.len() == RECORD_LEN).then_some(View(b))
    }

    fn u64(&self, at: usize) -> u64 {
        u64::from_ne_bytes(self.0[at..at + 8].try_into().expect("8 bytes"))
    }

    fn u32(&self, at: usize) -> u32 {
        u32::from_ne_bytes(self.0[at..at + 4].try_into().expect("4 bytes"))
    }

    fn u16(&self, at: usize) -> u16 {
        u16::from_ne_bytes(self.0[at..at + 2].try_into().expect("2 bytes"))
    }

    fn addr(&self, family: u8, at: usize) -> IpAddr {
        let b: [u8; 16] = self.0[at..at + 16].try_into().expect("16 bytes");
        if family == 10 {
            IpAddr::V6(Ipv6Addr::from(b))
        } else {
            IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        }
    }

    /// The event, or `None` for a kind this build does not know.
    pub fn event(&self) -> Option<Event> {
        let kind = match self.0[KIND] {
            1 => Kind::Retransmit,
            2 => Kind::ResetSent,
            3 => Kind::ResetReceived,
            4 => Kind::Drop,
            5 => Kind::State,
            _ => return None,
        };
        let family = self.0[FAMILY];
        let comm = &self.0[COMM..COMM + 16];
        let comm = &comm[..comm.iter().position(|&c| c == 0).unwrap_or(comm.len())];
        Some(Event {
            time_ns: self.u64(0),
            kind,
            cookie: self.u64(8),
            netns: self.u32(16),
            pid: self.u32(20),
            reason: self.u32(24),
            inode: self.u32(28),
            local: (self.addr(family, SADDR), self.u16(SPORT)),
            remote: (self.addr(family, DADDR), self.u16(DPORT)),
            protocol: self.0[PROTOCOL],
            old_state: self.0[OLD_STATE],
            new_state: self.0[NEW_STATE],
            ca_state: self.0[CA_STATE],
            has_socket: self.0[HAS_SOCKET] != 0,
            sock: self.u64(SOCK),
            comm: String::from_utf8_lossy(comm).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_checked_and_read() {
        assert!(View::new_checked(&[0u8; RECORD_LEN - 1]).is_none());
        assert!(View::new_checked(&[0u8; RECORD_LEN + 1]).is_none());
        let mut r = [0u8; RECORD_LEN];
        assert!(View::new_checked(&r).unwrap().event().is_none(), "kind 0");
        r[0..8].copy_from_slice(&7u64.to_ne_bytes());
        r[8..16].copy_from_slice(&99u64.to_ne_bytes());
        r[16..20].copy_from_slice(&4026531840u32.to_ne_bytes());
        r[24..28].copy_from_slice(&3u32.to_ne_bytes());
        r[SPORT..SPORT + 2].copy_from_slice(&80u16.to_ne_bytes());
        r[KIND] = 4;
        r[FAMILY] = 2;
        r[PROTOCOL] = 6;
        r[SADDR..SADDR + 4].copy_from_slice(&[127, 0, 0, 1]);
        r[DADDR..DADDR + 4].copy_from_slice(&[10, 0, 0, 2]);
        r[COMM..COMM + 3].copy_from_slice(b"ssh");
        let e = View::new_checked(&r).unwrap().event().unwrap();
        assert_eq!(e.kind, Kind::Drop);
        assert_eq!(
            (e.time_ns, e.cookie, e.netns, e.reason),
            (7, 99, 4026531840, 3)
        );
        assert_eq!(e.local, (IpAddr::V4(Ipv4Addr::LOCALHOST), 80));
        assert_eq!(e.remote.0, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(e.comm, "ssh");
    }
}
