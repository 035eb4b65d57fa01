//! TCP sockets as the kernel destroys them: sock_diag's multicast groups
//! `SKNLGRP_INET_TCP_DESTROY` and `SKNLGRP_INET6_TCP_DESTROY` (include/uapi/linux/sock_diag.h,
//! what `ss -E` listens to). Each destroyed socket arrives as one `inet_diag_msg` with its
//! final `tcp_info` (`INET_DIAG_INFO`), so a connection that opened and closed between two
//! dumps is still seen, with its byte counters. Joining the groups needs CAP_NET_ADMIN.

use std::io;

use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_SOCK_DIAG};

use rnetstat_model::error::NetlinkError;
use rnetstat_model::{Proto, Socket as Record};

use super::RECV_BUF;

/// `SKNLGRP_INET_TCP_DESTROY`, `SKNLGRP_INET6_TCP_DESTROY`.
const GROUPS: [u32; 2] = [1, 3];
/// `NLMSG_NOOP`, `NLMSG_ERROR`, `NLMSG_DONE`, `NLMSG_OVERRUN`: not socket messages.
const CONTROL: u16 = 4;

/// A subscription to the destroy groups of the namespace it was opened in.
pub struct Destroyed {
    sock: Socket,
    buf: Vec<u8>,
}

impl Destroyed {
    pub fn subscribe() -> Result<Destroyed, NetlinkError> {
        let mut sock = Socket::new(NETLINK_SOCK_DIAG).map_err(NetlinkError::Open)?;
        sock.bind(&SocketAddr::new(0, 0))
            .map_err(NetlinkError::Open)?;
        for g in GROUPS {
            sock.add_membership(g).map_err(NetlinkError::Open)?;
        }
        // Bursts of closes (a server shutting down) should not overflow the queue: as root
        // the buffer may exceed net.core.rmem_max (SO_RCVBUFFORCE), else it is capped there.
        use std::os::fd::AsFd;
        if rustix::net::sockopt::set_socket_recv_buffer_size_force(sock.as_fd(), 16 << 20).is_err()
        {
            let _ = sock.set_rx_buf_sz(16 << 20);
        }
        Ok(Destroyed {
            sock,
            buf: vec![0u8; RECV_BUF],
        })
    }

    /// The raw descriptor, for `poll`.
    pub fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.sock.as_fd()
    }

    /// Receives one datagram and calls `each` with every destroyed socket in it. A full
    /// queue (ENOBUFS) is reported as such: some closes were lost.
    pub fn recv(&mut self, mut each: impl FnMut(&Record<'_>)) -> io::Result<()> {
        let mut slice: &mut [u8] = &mut self.buf;
        let n = self.sock.recv(&mut slice, libc::MSG_TRUNC)?;
        for payload in messages(&self.buf[..n.min(self.buf.len())]) {
            if let Some(s) = decode(payload) {
                each(&s);
            }
        }
        Ok(())
    }
}

/// The payloads of the socket messages in one datagram.
fn messages(mut b: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    while b.len() >= 16 {
        let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let kind = u16::from_ne_bytes([b[4], b[5]]);
        if len < 16 || len > b.len() {
            break;
        }
        if kind > CONTROL {
            v.push(&b[16..len]);
        }
        b = b.get(len.next_multiple_of(4)..).unwrap_or(&[]);
    }
    v
}

/// One destroyed TCP socket.
pub fn decode(payload: &[u8]) -> Option<Record<'_>> {
    super::inet::InetDiagMsg::new_checked(payload)
        .ok()?
        .to_socket(Proto::Tcp)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_split_into_socket_messages() {
        let msg = |kind: u16, body: usize| {
            let len = 16 + body;
            let mut m = (len as u32).to_ne_bytes().to_vec();
            m.extend_from_slice(&kind.to_ne_bytes());
            m.extend_from_slice(&[0; 10]);
            m.resize(len.next_multiple_of(4), 0xaa);
            m
        };
        let d = [msg(20, 72), msg(3, 4), msg(20, 80)].concat();
        let v = messages(&d);
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].len(), v[1].len()), (72, 80));
        // Lengths that do not fit end the walk; nothing panics.
        let mut bad = d.clone();
        bad[0..4].copy_from_slice(&9999u32.to_ne_bytes());
        assert!(messages(&bad).is_empty());
        for cut in 0..d.len() {
            let _ = messages(&d[..cut]);
            let _ = decode(&d[16..cut.max(16)]);
        }
    }
}
