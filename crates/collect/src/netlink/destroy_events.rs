//! TCP sockets as the kernel destroys them (what `ss -E` listens to): the subscription.
//! The messages are decoded by [`rnetstat_diag::netlink::destroy_events`].

use std::io;

use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_SOCK_DIAG};

use rnetstat_diag::netlink::destroy_events::{GROUPS, decode, messages};
use rnetstat_model::Socket as Record;
use rnetstat_model::error::NetlinkError;

use super::RECV_BUF;

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
