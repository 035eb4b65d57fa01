//! Pairing: the kernel socket and the userspace-stack socket at the two ends of one
//! connection have mirrored 4-tuples (one's local is the other's remote). Each pair gets
//! notes that explain what the two sides show together.

use std::net::IpAddr;

use rnetstat_model::{Endpoint, Proto, Socket, State};

/// One connection, or one socket whose other end is not visible.
pub struct Pair<'k, 'u> {
    pub proto: Proto,
    pub kernel: Option<&'k Socket<'static>>,
    pub user: Option<&'u Socket<'u>>,
    pub notes: Vec<String>,
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
fn canon(e: Endpoint) -> (IpAddr, u16) {
    let addr = match e.addr {
        IpAddr::V6(a) => a.to_ipv4_mapped().map_or(IpAddr::V6(a), IpAddr::V4),
        a => a,
    };
    (addr, e.port)
}

fn listening(s: &Socket<'_>) -> bool {
    s.state == State::Listen || (s.proto == Proto::Udp && s.remote.port == 0)
}

/// Pairs connections. Kernel sockets are considered only when their remote address is one
/// of `stack_addrs`; listeners of either side are left out (they have no other end).
pub fn pair<'k, 'u>(
    kernel: &'k [Socket<'static>],
    user: &'u [Socket<'u>],
    stack_addrs: &[IpAddr],
) -> Vec<Pair<'k, 'u>> {
    let mut used = vec![false; user.len()];
    let mut out = Vec::new();
    for k in kernel.iter().filter(|k| !listening(k)) {
        let remote = canon(k.remote);
        if !stack_addrs.contains(&remote.0) {
            continue;
        }
        let m = user.iter().enumerate().position(|(i, u)| {
            !used[i]
                && u.proto == k.proto
                && canon(u.local) == remote
                && canon(u.remote) == canon(k.local)
        });
        // A connected kernel UDP socket talks to the stack's unconnected UDP socket on
        // that port, which may serve many peers: it pairs without being used up.
        let m = m.or_else(|| {
            (k.proto == Proto::Udp)
                .then(|| {
                    user.iter().position(|u| {
                        u.proto == Proto::Udp && u.local.port == remote.1 && u.remote.port == 0
                    })
                })
                .flatten()
        });
        let u = m.map(|i| {
            if user[i].remote.port != 0 {
                used[i] = true;
            }
            &user[i]
        });
        out.push(Pair {
            proto: k.proto,
            kernel: Some(k),
            user: u,
            notes: notes(Some(k), u),
        });
    }
    for (i, u) in user.iter().enumerate() {
        if !used[i] && !listening(u) {
            out.push(Pair {
                proto: u.proto,
                kernel: None,
                user: Some(u),
                notes: notes(None, Some(u)),
            });
        }
    }
    out
}

/// Plain-language explanations of what the two ends show together.
pub fn notes(k: Option<&Socket<'_>>, u: Option<&Socket<'_>>) -> Vec<String> {
    let mut n = Vec::new();
    let ki = k.and_then(|k| k.tcp_info.as_deref().copied());
    let ui = u.and_then(|u| u.tcp_info.as_deref().copied());
    if let (Some(k), Some(u)) = (k, u) {
        if k.send_q > 0 && ui.and_then(|i| i.rcv_wnd) == Some(0) {
            n.push(format!(
                "the kernel's Send-Q ({} bytes) is held back by the stack's zero window: the stack's Recv-Q ({} bytes) is full and its service is not reading",
                k.send_q, u.recv_q
            ));
        }
        if u.send_q > 0 && ki.and_then(|i| i.rcv_wnd) == Some(0) {
            n.push(format!(
                "the stack's Send-Q ({} bytes) is held back by the kernel's zero window: the kernel socket's Recv-Q ({} bytes) is full and its application is not reading",
                u.send_q, k.recv_q
            ));
        }
        match (k.state, u.state) {
            (State::SynSent, State::SynRecv) => n.push(
                "handshake in progress: the kernel sent SYN, the stack answered SYN-ACK and waits for the final ACK".into(),
            ),
            (State::SynSent, _) => n.push("the kernel's SYN has not been answered yet".into()),
            (State::Established, State::SynRecv) => n.push(
                "the kernel has sent the final ACK of the handshake; the stack has not processed it yet".into(),
            ),
            (State::FinWait2, State::CloseWait) | (State::FinWait1, State::CloseWait) => n.push(
                "half close: the kernel has shut its sending side; the stack can still send until its service closes".into(),
            ),
            (State::CloseWait, State::FinWait2) | (State::CloseWait, State::FinWait1) => n.push(
                "half close: the stack has shut its sending side; the kernel can still send until its application closes".into(),
            ),
            (State::LastAck, State::TimeWait) | (State::Close, State::TimeWait) => n.push(
                "the stack closed first, so it waits in TIME_WAIT (smoltcp: 10 s) while the kernel finishes".into(),
            ),
            (State::TimeWait, State::LastAck) => n.push(
                "the kernel closed first, so it waits in TIME_WAIT (60 s on Linux); the stack waits for the ACK of its FIN".into(),
            ),
            _ => {}
        }
    }
    if let Some(k) = k {
        if k.recv_q > 0 && k.proto == Proto::Udp {
            n.push(format!(
                "the kernel socket holds unread datagrams ({} bytes of buffer memory: for UDP the kernel counts memory, not payload)",
                k.recv_q
            ));
        } else if k.recv_q > 0 {
            n.push(format!(
                "the kernel holds {} bytes its application has not read",
                k.recv_q
            ));
        }
        if u.is_none() {
            n.push(match k.state {
                State::TimeWait => "the kernel closed first and waits in TIME_WAIT; the stack's end is gone".into(),
                _ => "no socket at the stack's end (closed, or not a connection of a stack this rnetstat can see)".into(),
            });
        }
    }
    if let Some(u) = u {
        if u.recv_q > 0 && !n.iter().any(|x| x.contains("zero window")) {
            n.push(format!(
                "the stack holds {} bytes its service has not read",
                u.recv_q
            ));
        }
        if k.is_none() {
            n.push(match u.state {
                State::TimeWait => {
                    "the stack closed first and waits in TIME_WAIT; the kernel's end is gone".into()
                }
                _ => "no kernel socket at the other end".into(),
            });
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnetstat_model::{Stack, TcpInfo};

    fn sock(local: &str, remote: &str, state: State) -> Socket<'static> {
        Socket::between(
            Proto::Tcp,
            local.parse().unwrap(),
            remote.parse().unwrap(),
            state,
        )
    }

    /// A connected kernel UDP socket pairs with the stack's unconnected UDP socket.
    #[test]
    fn udp_pairs_with_the_stack_service_socket() {
        let mut k = sock("10.77.0.1:42508", "10.77.0.2:7", State::Established);
        k.proto = Proto::Udp;
        let mut u = sock("[::]:7", "[::]:0", State::Close);
        u.proto = Proto::Udp;
        let (kernel, user) = (vec![k], vec![u]);
        let p = pair(&kernel, &user, &["10.77.0.2".parse().unwrap()]);
        assert_eq!(p.len(), 1);
        assert!(p[0].user.is_some(), "{:?}", p[0].notes);
    }

    #[test]
    fn mirrored_tuples_pair_and_explain_a_zero_window() {
        let mut k = sock(
            "[::ffff:10.77.0.1]:40000",
            "[::ffff:10.77.0.2]:9999",
            State::Established,
        );
        k.send_q = 5000;
        let other = sock("10.77.0.1:40001", "10.77.0.2:7", State::TimeWait);
        let unrelated = sock("127.0.0.1:1", "127.0.0.1:2", State::Established);
        let mut u = sock("10.77.0.2:9999", "10.77.0.1:40000", State::Established);
        u.stack = Stack::Userspace;
        u.recv_q = 65_536;
        u.tcp_info = Some(Box::new(TcpInfo {
            rcv_wnd: Some(0),
            ..Default::default()
        }));
        let listener = sock("[::]:7", "[::]:0", State::Listen);
        let kernel = vec![k, other, unrelated];
        let user = vec![u, listener];
        let addrs = ["10.77.0.2".parse().unwrap()];
        let p = pair(&kernel, &user, &addrs);
        assert_eq!(p.len(), 2);
        assert!(p[0].kernel.is_some() && p[0].user.is_some());
        assert!(
            p[0].notes[0].contains("held back by the stack's zero window"),
            "{:?}",
            p[0].notes
        );
        assert!(p[1].user.is_none());
        assert!(p[1].notes.iter().any(|n| n.contains("TIME_WAIT")));
    }
}
