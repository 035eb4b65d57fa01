//! What this kernel's sock_diag serves, for `rnetstat --version`: one empty dump per
//! protocol (a state mask of nothing, so the kernel finds its handler and returns at once;
//! `ENOENT` means no diag module: `tcp_diag`, `udp_diag`, `raw_diag`, `unix_diag`,
//! `packet_diag`, `netlink_diag`, `sctp_diag`, `mptcp_diag`), and one `SOCK_DESTROY` of a
//! socket that cannot exist (`ENOENT`: destroy is built in, `CONFIG_INET_DIAG_DESTROY`;
//! `EOPNOTSUPP`: it is not; `EPERM`: only root can tell).

use rnetstat_model::error::NetlinkError;
use rnetstat_model::{Family, Proto, Socket, StateMask};

use super::{DiagSocket, RECV_BUF, dump};

/// Whether the kernel serves something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    Yes,
    No,
    /// It could not be told; why.
    Unknown(String),
}

impl std::fmt::Display for Support {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Support::Yes => f.write_str("yes"),
            Support::No => f.write_str("no"),
            Support::Unknown(why) => write!(f, "unknown ({why})"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Features {
    /// (name, support) per sock_diag protocol.
    pub diag: Vec<(&'static str, Support)>,
    /// `SOCK_DESTROY` (`-K`).
    pub destroy: Support,
}

const IPPROTO_MPTCP: u32 = 262;

pub fn probe() -> Features {
    let sock = match DiagSocket::open() {
        Ok(s) => s,
        Err(e) => {
            let why = Support::Unknown(e.to_string());
            return Features {
                diag: Vec::new(),
                destroy: why,
            };
        }
    };
    let nothing = StateMask(0);
    let inet = |protocol: u32, seq| {
        super::inet::Request {
            protocol,
            family: Family::Inet,
            states: nothing,
            ext: 0,
            bytecode: None,
        }
        .emit(seq)
    };
    let requests: [(&'static str, Vec<u8>); 8] = [
        ("tcp", inet(libc::IPPROTO_TCP as u32, 1)),
        ("udp", inet(libc::IPPROTO_UDP as u32, 2)),
        ("raw", inet(libc::IPPROTO_RAW as u32, 3)),
        ("unix", super::unix::request(nothing, false, 4)),
        ("packet", super::link::packet_request(5)),
        ("netlink", super::link::netlink_request(6)),
        ("sctp", inet(libc::IPPROTO_SCTP as u32, 7)),
        ("mptcp", inet(IPPROTO_MPTCP, 8)),
    ];
    let mut buf = vec![0u8; RECV_BUF];
    let mut diag = Vec::new();
    for (seq, (name, req)) in (1u32..).zip(requests) {
        let mut t: &DiagSocket = &sock;
        let s = match dump(&mut t, &req, seq, &mut buf, |_, _| {
            Ok::<(), NetlinkError>(())
        }) {
            Ok(_) => Support::Yes,
            Err(e) if e.errno() == Some(libc::ENOENT) => Support::No,
            Err(e) => Support::Unknown(e.to_string()),
        };
        diag.push((name, s));
    }
    // 0.0.0.0:0 → 0.0.0.0:0 over TCP: never a socket.
    let ghost = Socket::inet(Proto::Tcp, Family::Inet);
    let mut t: &DiagSocket = &sock;
    let destroy = match super::sock_destroy::destroy(&mut t, &ghost, 9) {
        Ok(()) => Support::Yes,
        Err(e) => match e.raw_os_error() {
            Some(libc::ENOENT) => Support::Yes,
            Some(libc::EOPNOTSUPP) => Support::No,
            Some(libc::EPERM) => Support::Unknown("only root can tell".into()),
            _ => Support::Unknown(e.to_string()),
        },
    };
    Features { diag, destroy }
}
