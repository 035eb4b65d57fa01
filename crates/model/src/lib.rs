//! rnetstat-model: the socket record, plain data that every source fills and every
//! renderer reads, and the typed errors ([`error`]) every layer returns.
//!
//! One record type serves kernel sockets from sock_diag, kernel sockets from `/proc`, and
//! the userspace stack's sockets, so all of them print in the same columns.
//! A record borrows its one variable-length field (a unix socket's name) from the buffer it
//! was decoded from, so streaming a dump allocates nothing per row.
//!
//! Public entry points: [`Socket`] (with [`Proto`], [`Family`], [`State`], [`Endpoint`],
//! [`Timer`], [`TcpInfo`], [`Peer`]), [`Netns`] and [`Container`], [`Flow`] (a conntrack
//! entry), [`counters`] (`-s`'s kernel counters), [`socket_counts`] (`--summary`'s counts),
//! [`iface`], [`route`], [`why`] (findings), and [`error::Error`] / [`error::NetlinkError`].

#![deny(unsafe_code)]

pub mod counters;
pub mod error;
mod extras;
mod flow;
pub mod iface;
pub mod netns;
mod peer;
pub mod route;
pub mod socket_counts;
mod state;
mod tcp_info;
pub mod why;

pub use extras::{CongInfo, Congestion, MemInfo};
pub use flow::Flow;
pub use netns::{Container, Netns, Runtime};
pub use peer::{Forwarded, Peer, Via};
pub use state::{State, StateMask};
pub use tcp_info::TcpInfo;

use std::net::{IpAddr, Ipv4Addr};

/// cgroup v2 id → path below the cgroup2 mount (for `-ee`): `source::cgroups` fills it, the
/// renderers read it.
pub type CgroupPaths = std::collections::HashMap<u64, String>;

/// Which protocol stack holds the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    Kernel,
    Userspace,
}

impl Stack {
    pub fn name(self) -> &'static str {
        match self {
            Stack::Kernel => "kernel",
            Stack::Userspace => "userspace",
        }
    }
}

/// The transport protocol, as netstat groups its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Raw,
    Unix,
    Sctp,
    Mptcp,
    Packet,
    Netlink,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Raw => "raw",
            Proto::Unix => "unix",
            Proto::Sctp => "sctp",
            Proto::Mptcp => "mptcp",
            Proto::Packet => "packet",
            Proto::Netlink => "netlink",
        }
    }

    /// The IP protocol number used in `inet_diag_req_v2.sdiag_protocol`.
    pub fn ipproto(self) -> Option<u8> {
        match self {
            Proto::Tcp => Some(libc::IPPROTO_TCP as u8),
            Proto::Udp => Some(libc::IPPROTO_UDP as u8),
            Proto::Raw => Some(libc::IPPROTO_RAW as u8),
            Proto::Sctp => Some(libc::IPPROTO_SCTP as u8),
            // IPPROTO_MPTCP is 262: it travels in INET_DIAG_REQ_PROTOCOL instead.
            Proto::Mptcp | Proto::Unix | Proto::Packet | Proto::Netlink => None,
        }
    }
}

/// The address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Inet,
    Inet6,
    Unix,
    Packet,
    Netlink,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
            Family::Unix => "unix",
            Family::Packet => "packet",
            Family::Netlink => "netlink",
        }
    }

    pub fn af(self) -> u8 {
        match self {
            Family::Inet => libc::AF_INET as u8,
            Family::Inet6 => libc::AF_INET6 as u8,
            Family::Unix => libc::AF_UNIX as u8,
            Family::Packet => libc::AF_PACKET as u8,
            Family::Netlink => libc::AF_NETLINK as u8,
        }
    }
}

/// The socket type (`SOCK_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SockType {
    Stream,
    Dgram,
    Raw,
    Rdm,
    Seqpacket,
    Other(u8),
}

impl SockType {
    /// From the kernel's `SOCK_*` number (include/linux/net.h).
    pub fn from_kernel(n: u8) -> SockType {
        match n {
            1 => SockType::Stream,
            2 => SockType::Dgram,
            3 => SockType::Raw,
            4 => SockType::Rdm,
            5 => SockType::Seqpacket,
            n => SockType::Other(n),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SockType::Stream => "stream",
            SockType::Dgram => "dgram",
            SockType::Raw => "raw",
            SockType::Rdm => "rdm",
            SockType::Seqpacket => "seqpacket",
            SockType::Other(_) => "unknown",
        }
    }
}

/// An IP address and port. For raw sockets the "port" is the IP protocol number, as the
/// kernel reports it (`inet_num`) and netstat prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub addr: IpAddr,
    pub port: u16,
}

impl Endpoint {
    pub const UNSPECIFIED: Endpoint = Endpoint {
        addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        port: 0,
    };
}

/// Which timer a TCP socket has running (`idiag_timer`, `/proc/net/tcp` `tr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerKind {
    Off,
    /// Retransmit timer (`on` in netstat).
    Retransmit,
    KeepAlive,
    TimeWait,
    /// Zero-window probe timer.
    Probe,
    Other(u8),
}

impl TimerKind {
    pub fn from_kernel(n: u8) -> TimerKind {
        match n {
            0 => TimerKind::Off,
            1 => TimerKind::Retransmit,
            2 => TimerKind::KeepAlive,
            3 => TimerKind::TimeWait,
            4 => TimerKind::Probe,
            n => TimerKind::Other(n),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimerKind::Off => "off",
            TimerKind::Retransmit => "on",
            TimerKind::KeepAlive => "keepalive",
            TimerKind::TimeWait => "timewait",
            TimerKind::Probe => "probe",
            TimerKind::Other(_) => "unknown",
        }
    }
}

/// A socket's running timer with its expiry and retransmission count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub kind: TimerKind,
    pub expires_ms: u32,
    pub retrans: u32,
}

/// One socket's control information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket<'a> {
    pub stack: Stack,
    pub proto: Proto,
    pub family: Family,
    pub sock_type: SockType,
    pub state: State,
    /// Bytes received and not yet read; for a listener, connections waiting in accept().
    pub recv_q: u32,
    /// Bytes written and not yet acknowledged; for a listener, the backlog limit.
    pub send_q: u32,
    /// Local and remote addresses (inet families only).
    pub local: Endpoint,
    pub remote: Endpoint,
    /// A unix socket's raw name: a path, or an abstract name starting with NUL.
    pub path: Option<&'a [u8]>,
    /// A unix socket's peer inode, 0 when none.
    pub peer_inode: u32,
    pub inode: u32,
    pub uid: u32,
    /// The kernel's socket cookie (0 where the source has none, e.g. `/proc`).
    pub cookie: u64,
    pub timer: Option<Timer>,
    /// The reference count, which only `/proc/net/unix` reports.
    pub refcnt: Option<u32>,
    /// The userspace stack's process, for its sockets.
    pub stack_pid: Option<u32>,
    /// The userspace stack's service on this socket (echo, hold …).
    pub service: Option<&'a str>,
    /// TCP internals (kernel: `INET_DIAG_INFO`; userspace: the wire tap).
    /// Boxed: it is most of a record's size, and most records have none.
    pub tcp_info: Option<Box<TcpInfo>>,
    /// The congestion-control algorithm and its state (`INET_DIAG_CONG` and friends).
    pub cong: Option<Congestion<'a>>,
    /// Socket memory (`INET_DIAG_SKMEMINFO` / `UNIX_DIAG_MEMINFO`), for `-m`.
    pub mem: Option<MemInfo>,
    /// The interface the socket is bound to (`SO_BINDTODEVICE`), 0 when none.
    pub bound_dev: u32,
    /// `SO_MARK`; the kernel reports it only to CAP_NET_ADMIN.
    pub mark: Option<u32>,
    /// The cgroup v2 id of the socket's owner at creation.
    pub cgroup_id: Option<u64>,
    /// `sk_shutdown`: bit 0 receive side shut, bit 1 send side.
    pub shutdown: Option<u8>,
    /// `IPV6_V6ONLY`, reported for IPv6 listening and unconnected sockets.
    pub v6only: Option<bool>,
    /// What identifies a packet or netlink socket (they have no IP endpoints).
    pub link: Option<LinkId>,
    /// The network namespace the socket was dumped from, stamped by the collector.
    pub netns: Option<&'a Netns>,
    /// The other end, when `--peer` found it on this host (a reference: most records
    /// have none, and the record stays small).
    pub peer: Option<&'a Peer<'a>>,
    /// `--peer`, for a listener that forwards (a published port): where it leads.
    pub forwards: &'a [Forwarded<'a>],
    /// `--why` and `explain`: what limits or troubles this socket (docs/why.md).
    pub why: &'a [why::Finding],
    /// `--age`: when the recorder first saw it (docs/history.md).
    pub first_seen: Option<FirstSeen>,
    /// What the kernel's tracepoints counted for it while a tracer ran (docs/trace.md).
    pub events: Option<&'a SocketEvents>,
}

/// What happened to a socket since a tracer started: segments retransmitted by kind,
/// resets sent (the last one's reason) and received, packets dropped by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocketEvents {
    pub retransmits_timeout: u64,
    pub retransmits_fast: u64,
    pub retransmits_tail_loss_probe: u64,
    pub resets_sent: u64,
    /// The kernel's name for the last reset sent's reason.
    pub reset_reason: Option<String>,
    pub resets_received: u64,
    /// The kernel's names for the reasons, and how many; `other` for reasons past the
    /// first four seen.
    pub drops: Vec<(String, u64)>,
}

/// When the recorder first saw a socket: Unix milliseconds, and whether that is its real
/// opening (a kernel announcement) or only a bound (the first dump that saw it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstSeen {
    pub at_ms: i64,
    pub exact: bool,
}

/// The address of a packet or netlink socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkId {
    /// `AF_PACKET`: the ethertype it receives (0 = none yet, 3 = all) and its interface.
    Packet { protocol: u16, ifindex: u32 },
    /// `AF_NETLINK`: the netlink protocol (0 = route …), its port id and its peer.
    Netlink {
        protocol: u8,
        portid: u32,
        dst_portid: u32,
        dst_group: u32,
    },
}

impl Socket<'_> {
    /// An owned copy without what the record borrows (a unix path, a service name, a
    /// congestion algorithm's name, its namespace, peer and forwards), for keeping past the
    /// buffer it was decoded from.
    pub fn detached(&self) -> Socket<'static> {
        Socket {
            path: None,
            service: None,
            cong: None,
            netns: None,
            peer: None,
            forwards: &[],
            why: &[],
            first_seen: self.first_seen,
            events: None,
            ..self.clone()
        }
    }

    /// A blank inet record to fill in; the type follows from the protocol.
    pub fn inet(proto: Proto, family: Family) -> Socket<'static> {
        let sock_type = match proto {
            Proto::Tcp => SockType::Stream,
            Proto::Udp => SockType::Dgram,
            _ => SockType::Raw,
        };
        Socket::blank(proto, family, sock_type)
    }

    /// An inet record between two socket addresses (the family follows the local one).
    pub fn between(
        proto: Proto,
        local: std::net::SocketAddr,
        remote: std::net::SocketAddr,
        state: State,
    ) -> Socket<'static> {
        let family = if local.is_ipv4() {
            Family::Inet
        } else {
            Family::Inet6
        };
        let mut s = Socket::inet(proto, family);
        s.local = Endpoint {
            addr: local.ip(),
            port: local.port(),
        };
        s.remote = Endpoint {
            addr: remote.ip(),
            port: remote.port(),
        };
        s.state = state;
        s
    }

    /// A blank kernel record to fill in.
    pub fn blank(proto: Proto, family: Family, sock_type: SockType) -> Socket<'static> {
        Socket {
            stack: Stack::Kernel,
            proto,
            family,
            sock_type,
            state: State::Close,
            recv_q: 0,
            send_q: 0,
            local: Endpoint::UNSPECIFIED,
            remote: Endpoint::UNSPECIFIED,
            path: None,
            peer_inode: 0,
            inode: 0,
            uid: 0,
            cookie: 0,
            timer: None,
            refcnt: None,
            stack_pid: None,
            service: None,
            tcp_info: None,
            cong: None,
            mem: None,
            bound_dev: 0,
            mark: None,
            cgroup_id: None,
            shutdown: None,
            v6only: None,
            link: None,
            netns: None,
            peer: None,
            forwards: &[],
            why: &[],
            first_seen: None,
            events: None,
        }
    }
}
