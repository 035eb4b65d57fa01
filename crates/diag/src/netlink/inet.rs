//! `inet_diag` (TCP, UDP, RAW over IPv4/IPv6): the request, and a zero-copy view of replies.
//!
//! Layout from `include/uapi/linux/inet_diag.h`:
//! ```text
//! struct inet_diag_msg {            offset
//!     __u8  idiag_family;           0
//!     __u8  idiag_state;            1
//!     __u8  idiag_timer;            2
//!     __u8  idiag_retrans;          3
//!     struct inet_diag_sockid id;   4   (48 bytes, below)
//!     __u32 idiag_expires;          52  (ms)
//!     __u32 idiag_rqueue;           56
//!     __u32 idiag_wqueue;           60
//!     __u32 idiag_uid;              64
//!     __u32 idiag_inode;            68
//! };                                72, then rtattrs (INET_DIAG_*)
//! struct inet_diag_sockid {
//!     __be16 idiag_sport;           +0
//!     __be16 idiag_dport;           +2
//!     __be32 idiag_src[4];          +4
//!     __be32 idiag_dst[4];          +20
//!     __u32  idiag_if;              +36
//!     __u32  idiag_cookie[2];       +40 (low word first)
//! };
//! ```
//! Requests are emitted with netlink-packet-sock-diag; replies are read through
//! [`InetDiagMsg`] without allocating, because a dump of 100k sockets is the common case.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rnetstat_model::error::NetlinkError;
use rnetstat_model::{Endpoint, Family, Proto, Socket, State, StateMask, Timer, TimerKind};

pub(crate) const INET_DIAG_MSG_LEN: usize = 72;

/// Request attributes (`enum { INET_DIAG_REQ_NONE, INET_DIAG_REQ_BYTECODE, … }`).
const INET_DIAG_REQ_BYTECODE: u16 = 1;
const INET_DIAG_REQ_PROTOCOL: u16 = 3;

/// `idiag_ext` bits: attribute n is asked for with bit n-1.
pub const EXT_INFO: u8 = 1 << (2 - 1);
/// Also brings the DCTCP and BBR info: all come from the algorithm's `get_info`.
pub const EXT_VEGASINFO: u8 = 1 << (3 - 1);
pub const EXT_CONG: u8 = 1 << (4 - 1);
pub const EXT_SKMEMINFO: u8 = 1 << (7 - 1);

/// One `SOCK_DIAG_BY_FAMILY` dump request for inet sockets.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The IP protocol; above 255 (MPTCP is 262) it goes in `INET_DIAG_REQ_PROTOCOL`.
    pub protocol: u32,
    pub family: Family,
    pub states: StateMask,
    /// `EXT_*` bits: which attributes the replies carry.
    pub ext: u8,
    /// A compiled filter (`filter::bytecode`).
    pub bytecode: Option<&'a [u8]>,
}

impl Request<'_> {
    /// `nlmsghdr` + `struct inet_diag_req_v2` (include/uapi/linux/inet_diag.h) + attributes.
    pub fn emit(&self, seq: u32) -> Vec<u8> {
        let mut b = super::message(super::SOCK_DIAG_BY_FAMILY, super::DUMP_FLAGS, seq);
        let protocol = u8::try_from(self.protocol).unwrap_or(libc::IPPROTO_TCP as u8);
        push_req_v2(&mut b, self.family, protocol, self.ext, self.states.0, None);
        if let Some(code) = self.bytecode {
            super::push_attr(&mut b, INET_DIAG_REQ_BYTECODE, code);
        }
        if self.protocol > 255 {
            super::push_attr(&mut b, INET_DIAG_REQ_PROTOCOL, &self.protocol.to_ne_bytes());
        }
        super::finish(b)
    }
}

/// Appends a `struct inet_diag_req_v2`. With `id`, its `inet_diag_sockid` names that one
/// socket (ports, addresses, interface, cookie); without, it is empty (a dump).
pub fn push_req_v2(
    b: &mut Vec<u8>,
    family: Family,
    protocol: u8,
    ext: u8,
    states: u32,
    id: Option<&Socket<'_>>,
) {
    b.extend_from_slice(&[family.af(), protocol, ext, 0]); // sdiag_family, sdiag_protocol, idiag_ext, pad
    b.extend_from_slice(&states.to_ne_bytes()); // idiag_states
    let Some(s) = id else {
        b.extend_from_slice(&[0u8; 40]); // ports, addresses, ifindex
        b.extend_from_slice(&[0xff; 8]); // idiag_cookie: INET_DIAG_NOCOOKIE
        return;
    };
    b.extend_from_slice(&s.local.port.to_be_bytes()); // idiag_sport
    b.extend_from_slice(&s.remote.port.to_be_bytes()); // idiag_dport
    for a in [s.local.addr, s.remote.addr] {
        let mut w = [0u8; 16];
        match a {
            IpAddr::V4(v) => w[..4].copy_from_slice(&v.octets()),
            IpAddr::V6(v) => w.copy_from_slice(&v.octets()),
        }
        b.extend_from_slice(&w); // idiag_src, idiag_dst
    }
    b.extend_from_slice(&s.bound_dev.to_ne_bytes()); // idiag_if
    // A record from /proc has no cookie: INET_DIAG_NOCOOKIE makes the kernel skip the check.
    let cookie = if s.cookie == 0 { u64::MAX } else { s.cookie };
    b.extend_from_slice(&(cookie as u32).to_ne_bytes());
    b.extend_from_slice(&((cookie >> 32) as u32).to_ne_bytes());
}

/// A checked view of one `inet_diag_msg`.
#[derive(Clone, Copy)]
pub struct InetDiagMsg<'a> {
    b: &'a [u8],
}

impl<'a> InetDiagMsg<'a> {
    pub fn new_checked(b: &'a [u8]) -> Result<Self, NetlinkError> {
        if b.len() < INET_DIAG_MSG_LEN {
            return Err(NetlinkError::Malformed(format!(
                "inet_diag_msg is {} bytes, expected at least {INET_DIAG_MSG_LEN}",
                b.len()
            )));
        }
        Ok(InetDiagMsg { b })
    }

    fn u32_ne(&self, at: usize) -> u32 {
        u32::from_ne_bytes([self.b[at], self.b[at + 1], self.b[at + 2], self.b[at + 3]])
    }
    fn u16_be(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.b[at], self.b[at + 1]])
    }
    fn addr(&self, family: u8, at: usize) -> Option<IpAddr> {
        let a = &self.b[at..at + 16];
        match i32::from(family) {
            libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]))),
            libc::AF_INET6 => {
                let mut o = [0u8; 16];
                o.copy_from_slice(a);
                Some(IpAddr::V6(Ipv6Addr::from(o)))
            }
            _ => None,
        }
    }

    pub fn family(&self) -> u8 {
        self.b[0]
    }
    pub fn state(&self) -> u8 {
        self.b[1]
    }
    pub fn timer(&self) -> u8 {
        self.b[2]
    }
    pub fn retrans(&self) -> u8 {
        self.b[3]
    }
    pub fn sport(&self) -> u16 {
        self.u16_be(4)
    }
    pub fn dport(&self) -> u16 {
        self.u16_be(6)
    }
    pub fn src(&self) -> Option<IpAddr> {
        self.addr(self.family(), 8)
    }
    pub fn dst(&self) -> Option<IpAddr> {
        self.addr(self.family(), 24)
    }
    pub fn cookie(&self) -> u64 {
        u64::from(self.u32_ne(44)) | (u64::from(self.u32_ne(48)) << 32)
    }
    pub fn expires(&self) -> u32 {
        self.u32_ne(52)
    }
    pub fn rqueue(&self) -> u32 {
        self.u32_ne(56)
    }
    pub fn wqueue(&self) -> u32 {
        self.u32_ne(60)
    }
    pub fn uid(&self) -> u32 {
        self.u32_ne(64)
    }
    pub fn inode(&self) -> u32 {
        self.u32_ne(68)
    }
    /// The rtattrs that follow the fixed header.
    pub fn attrs(&self) -> &'a [u8] {
        &self.b[INET_DIAG_MSG_LEN..]
    }

    /// The interface the socket is bound to (`idiag_if`).
    pub fn ifindex(&self) -> u32 {
        self.u32_ne(40)
    }

    /// The `INET_DIAG_INFO` attribute decoded, when the reply carries one.
    pub fn tcp_info(&self) -> Option<rnetstat_model::TcpInfo> {
        netlink_packet_core::NlasIterator::new(self.attrs())
            .filter_map(Result::ok)
            .find(|a| a.kind() == super::tcp_info::INET_DIAG_INFO)
            .map(|a| super::tcp_info::decode(a.value()))
    }

    /// Decodes into a record. Unknown families and states are errors, not panics.
    #[inline(always)]
    pub fn to_socket(&self, proto: Proto) -> Result<Socket<'a>, NetlinkError> {
        let mut s = self.head(proto)?;
        if matches!(proto, Proto::Tcp | Proto::Mptcp | Proto::Sctp) {
            s.timer = Some(Timer {
                kind: TimerKind::from_kernel(self.timer()),
                expires_ms: self.expires(),
                retrans: u32::from(self.retrans()),
            });
        }
        super::attrs::inet(self.attrs(), &mut s);
        Ok(s)
    }

    /// The record from the fixed header alone (`struct inet_diag_msg`): no timer, no
    /// attributes.
    #[inline(always)]
    fn head(&self, proto: Proto) -> Result<Socket<'a>, NetlinkError> {
        let mut s = Socket::inet(proto, Family::Inet);
        self.head_into(&mut s)?;
        Ok(s)
    }

    /// Writes the fixed header's fields (family, state, queues, addresses, inode, uid,
    /// cookie, interface) over `s`, and nothing else: a record of this protocol with no
    /// timer and no attributes stays one. Enough to count sockets by state and family.
    #[inline(always)]
    pub fn head_into(&self, s: &mut Socket<'_>) -> Result<(), NetlinkError> {
        s.family = match i32::from(self.family()) {
            libc::AF_INET => Family::Inet,
            libc::AF_INET6 => Family::Inet6,
            f => return Err(NetlinkError::Malformed(format!("unexpected family {f}"))),
        };
        s.state = State::from_kernel(self.state())
            .ok_or_else(|| NetlinkError::Malformed(format!("unknown state {}", self.state())))?;
        s.recv_q = self.rqueue();
        s.send_q = self.wqueue();
        // src()/dst() are Some for both families accepted above.
        s.local = Endpoint {
            addr: self.src().unwrap_or(Endpoint::UNSPECIFIED.addr),
            port: self.sport(),
        };
        s.remote = Endpoint {
            addr: self.dst().unwrap_or(Endpoint::UNSPECIFIED.addr),
            port: self.dport(),
        };
        s.inode = self.inode();
        s.uid = self.uid();
        s.cookie = self.cookie();
        s.bound_dev = self.ifindex();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An inet_diag_msg for 127.0.0.1:22 ← 127.0.0.1:40000, ESTABLISHED, keepalive timer.
    pub(crate) fn fixture() -> Vec<u8> {
        let mut b = vec![
            2, // idiag_family = AF_INET
            1, // idiag_state = TCP_ESTABLISHED
            2, // idiag_timer = keepalive
            0, // idiag_retrans
            0, 22, // sport = 22 (big endian)
            0x9c, 0x40, // dport = 40000
        ];
        b.extend_from_slice(&[127, 0, 0, 1]); // idiag_src[0]
        b.extend_from_slice(&[0; 12]); // idiag_src[1..4]
        b.extend_from_slice(&[127, 0, 0, 1]); // idiag_dst[0]
        b.extend_from_slice(&[0; 12]); // idiag_dst[1..4]
        b.extend_from_slice(&0u32.to_ne_bytes()); // idiag_if
        b.extend_from_slice(&0x1234u32.to_ne_bytes()); // idiag_cookie[0] (low)
        b.extend_from_slice(&0x1u32.to_ne_bytes()); // idiag_cookie[1] (high)
        b.extend_from_slice(&7_186_250u32.to_ne_bytes()); // idiag_expires (ms)
        b.extend_from_slice(&5u32.to_ne_bytes()); // idiag_rqueue
        b.extend_from_slice(&6u32.to_ne_bytes()); // idiag_wqueue
        b.extend_from_slice(&1000u32.to_ne_bytes()); // idiag_uid
        b.extend_from_slice(&4567u32.to_ne_bytes()); // idiag_inode
        assert_eq!(b.len(), INET_DIAG_MSG_LEN);
        b
    }

    #[test]
    fn decodes_every_field() {
        let b = fixture();
        let m = InetDiagMsg::new_checked(&b).unwrap();
        let s = m.to_socket(Proto::Tcp).unwrap();
        assert_eq!(s.state, State::Established);
        assert_eq!(
            s.local,
            Endpoint {
                addr: "127.0.0.1".parse().unwrap(),
                port: 22
            }
        );
        assert_eq!(s.remote.port, 40000);
        assert_eq!((s.recv_q, s.send_q, s.uid, s.inode), (5, 6, 1000, 4567));
        assert_eq!(s.cookie, 0x1_0000_1234);
        assert_eq!(
            s.timer,
            Some(Timer {
                kind: TimerKind::KeepAlive,
                expires_ms: 7_186_250,
                retrans: 0
            })
        );
        assert!(m.attrs().is_empty());
    }

    #[test]
    fn longer_messages_keep_their_attributes() {
        let mut b = fixture();
        b.extend_from_slice(&[5, 0, 8, 0, 1, 0, 0, 0]); // one rtattr: len 5, type 8
        let m = InetDiagMsg::new_checked(&b).unwrap();
        assert_eq!(m.attrs().len(), 8);
    }

    #[test]
    fn ipv6_addresses() {
        let mut b = fixture();
        b[0] = 10; // AF_INET6
        b[8..24].copy_from_slice(&"::ffff:1.2.3.4".parse::<Ipv6Addr>().unwrap().octets());
        let s = InetDiagMsg::new_checked(&b)
            .unwrap()
            .to_socket(Proto::Tcp)
            .unwrap();
        assert_eq!(s.family, Family::Inet6);
        assert_eq!(s.local.addr, "::ffff:1.2.3.4".parse::<IpAddr>().unwrap());
    }

    /// One record reused for row after row (`--summary`) is each row's header exactly:
    /// nothing of the previous row stays, and it matches the full decode's fields.
    #[test]
    fn a_reused_record_takes_each_header_whole() {
        let four = fixture();
        let mut six = fixture();
        six[0] = 10; // AF_INET6
        six[1] = 10; // LISTEN
        six[8..24].copy_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        let mut s = Socket::inet(Proto::Tcp, Family::Inet);
        for b in [&six, &four, &six] {
            let m = InetDiagMsg::new_checked(b).unwrap();
            m.head_into(&mut s).unwrap();
            let full = m.to_socket(Proto::Tcp).unwrap();
            assert_eq!(
                (s.family, s.state, s.local, s.remote, s.recv_q, s.send_q),
                (
                    full.family,
                    full.state,
                    full.local,
                    full.remote,
                    full.recv_q,
                    full.send_q
                )
            );
            assert_eq!(
                (s.inode, s.uid, s.cookie, s.bound_dev),
                (full.inode, full.uid, full.cookie, full.bound_dev)
            );
            assert_eq!(s.timer, None, "the header alone has no timer");
        }
        let mut bad = fixture();
        bad[0] = 99;
        assert!(
            InetDiagMsg::new_checked(&bad)
                .unwrap()
                .head_into(&mut s)
                .is_err()
        );
    }

    #[test]
    fn short_unknown_family_and_state_are_errors() {
        let b = fixture();
        assert!(InetDiagMsg::new_checked(&b[..71]).is_err());
        let mut f = b.clone();
        f[0] = 99;
        assert!(
            InetDiagMsg::new_checked(&f)
                .unwrap()
                .to_socket(Proto::Tcp)
                .is_err()
        );
        let mut st = b;
        st[1] = 0;
        assert!(
            InetDiagMsg::new_checked(&st)
                .unwrap()
                .to_socket(Proto::Tcp)
                .is_err()
        );
    }

    #[test]
    fn request_bytes() {
        let r = Request {
            protocol: 6,
            family: Family::Inet6,
            states: StateMask::ALL,
            ext: 0,
            bytecode: None,
        }
        .emit(42);
        // nlmsghdr (16) + inet_diag_req_v2 (56)
        assert_eq!(r.len(), 72);
        assert_eq!(u32::from_ne_bytes(r[0..4].try_into().unwrap()), 72); // nlmsg_len
        assert_eq!(u16::from_ne_bytes(r[4..6].try_into().unwrap()), 20); // SOCK_DIAG_BY_FAMILY
        assert_eq!(u16::from_ne_bytes(r[6..8].try_into().unwrap()), 0x301); // REQUEST|DUMP
        assert_eq!(u32::from_ne_bytes(r[8..12].try_into().unwrap()), 42); // seq
        assert_eq!(r[16], 10); // sdiag_family = AF_INET6
        assert_eq!(r[17], 6); // sdiag_protocol = IPPROTO_TCP
        assert_eq!(r[18], 0); // idiag_ext
        assert_eq!(u32::from_ne_bytes(r[20..24].try_into().unwrap()), 0xfff); // idiag_states
    }
}
