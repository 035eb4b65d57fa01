//! [`Selection`]: which sockets a collection is asked for, and from where.

use rnetstat_filter::Filter;
use rnetstat_model::{Family, Proto, Socket, State, StateMask};

/// netstat's `-l` / `-a` / default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listening {
    /// Default: connected (non-listening) sockets only.
    Connected,
    /// `-l`: listening sockets only.
    Only,
    /// `-a`: both.
    All,
}

/// Where to read kernel sockets from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourcePref {
    /// sock_diag, falling back to `/proc` per table.
    Auto,
    Netlink,
    Proc,
}

/// Which sockets to collect.
#[derive(Debug, Clone)]
pub struct Selection {
    pub tcp: bool,
    pub udp: bool,
    pub raw: bool,
    pub unix: bool,
    pub inet4: bool,
    pub inet6: bool,
    pub listening: Listening,
    pub source: SourcePref,
    /// Complete unix sockets with what only `/proc/net/unix` has, for netstat's table:
    /// the RefCnt column and the not-yet-accepted "embryo" sockets.
    pub unix_proc_extras: bool,
    /// Ask sock_diag for tcp_info and congestion control (`--info`, `rnetstat compare`).
    pub tcp_info: bool,
    /// Ask sock_diag for socket memory (`-m`).
    pub memory: bool,
    /// Protocols netstat does not list by default.
    pub sctp: bool,
    pub mptcp: bool,
    pub packet: bool,
    pub netlink: bool,
    /// ss's filter: states and an expression.
    pub filter: Option<Filter>,
    /// Let the kernel run the expression (bytecode) where it can.
    pub kernel_filter: bool,
    /// Which stacks to list (`--stack`).
    pub kernel: bool,
    pub userspace: bool,
}

impl Selection {
    /// netstat's notion of a "listening" socket for each table: TCP by remote port 0,
    /// UDP and RAW by an unspecified remote address, UNIX by the listen state
    /// (netstat.c `tcp_do_one`, `udp_do_one`, `unix_do_one`).
    pub fn is_listening(s: &Socket<'_>) -> bool {
        match s.proto {
            Proto::Tcp | Proto::Mptcp => s.remote.port == 0,
            Proto::Udp | Proto::Raw => s.remote.addr.is_unspecified(),
            Proto::Unix | Proto::Sctp => s.state == State::Listen,
            Proto::Packet | Proto::Netlink => true,
        }
    }

    /// The state part of the selection: ss's state filter when given, else netstat's
    /// `-l`/`-a`. Packet and netlink sockets have no connections; they always pass it.
    pub fn wants(&self, s: &Socket<'_>) -> bool {
        if let Some(f) = self.filter.as_ref().filter(|f| f.states.is_some()) {
            return f.state_ok(s.state);
        }
        if matches!(s.proto, Proto::Packet | Proto::Netlink) {
            return true;
        }
        match self.listening {
            Listening::All => true,
            Listening::Only => Self::is_listening(s),
            Listening::Connected => !Self::is_listening(s),
        }
    }

    /// The expression part of the filter, evaluated here.
    pub fn matches(&self, s: &Socket<'_>) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(s))
    }

    /// Both parts: what a source the kernel did not filter keeps.
    pub fn accepts(&self, s: &Socket<'_>) -> bool {
        self.wants(s) && self.matches(s)
    }

    /// The kernel state mask for a protocol; the exact predicate is applied after.
    pub fn state_mask(&self, proto: Proto) -> StateMask {
        if let Some(m) = self.filter.as_ref().and_then(|f| f.states) {
            return m;
        }
        let listen = match proto {
            // LISTEN alone lets the kernel skip its walk of the established hash, shared by
            // every namespace and sized for the host (~0.5 ms a dump). A TCP socket in
            // CLOSE is unhashed at once (`tcp_set_state`), so that bit found nothing here.
            Proto::Tcp => StateMask(0).with(State::Listen),
            Proto::Mptcp | Proto::Sctp => StateMask(0).with(State::Listen).with(State::Close),
            Proto::Udp | Proto::Raw => StateMask(0).with(State::Close),
            Proto::Unix => StateMask(0).with(State::Listen),
            Proto::Packet | Proto::Netlink => return StateMask::ALL,
        };
        match self.listening {
            Listening::All => StateMask::ALL,
            Listening::Only => listen,
            Listening::Connected => StateMask(StateMask::ALL.0 & !listen.0),
        }
    }

    /// The (protocol, family) tables to read, in netstat's order.
    pub fn tables(&self) -> Vec<(Proto, Family)> {
        let mut v = Vec::new();
        for (on, p) in [
            (self.tcp, Proto::Tcp),
            (self.udp, Proto::Udp),
            (self.raw, Proto::Raw),
            (self.sctp, Proto::Sctp),
            (self.mptcp, Proto::Mptcp),
        ] {
            if on {
                if self.inet4 {
                    v.push((p, Family::Inet));
                }
                if self.inet6 {
                    v.push((p, Family::Inet6));
                }
            }
        }
        if self.unix {
            v.push((Proto::Unix, Family::Unix));
        }
        if self.packet {
            v.push((Proto::Packet, Family::Packet));
        }
        if self.netlink {
            v.push((Proto::Netlink, Family::Netlink));
        }
        v
    }
}
