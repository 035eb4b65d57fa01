//! sock_diag over netlink: the socket, and the speed machinery around the dump loop
//! (read-ahead, the namespace worker pool, the IPv6 spill). The messages and their
//! decoders are [`rnetstat_diag::netlink`], re-exported here.

pub mod destroy_events;
pub(crate) mod ipv6_spill;
pub(crate) mod ns_workers;
pub mod probe;
pub(crate) mod read_ahead;
pub mod sock_destroy;

pub use rnetstat_diag::netlink::*;

use std::io;

use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_SOCK_DIAG};

pub use netlink_sys::protocols::NETLINK_ROUTE;

use rnetstat_model::error::NetlinkError;

/// A NETLINK_SOCK_DIAG socket (or, from [`DiagSocket::open_protocol`], another netlink
/// protocol's: the dump loop is the same).
pub struct DiagSocket {
    sock: Socket,
}

impl DiagSocket {
    pub fn open() -> Result<DiagSocket, NetlinkError> {
        Self::open_protocol(NETLINK_SOCK_DIAG)
    }

    pub fn open_protocol(protocol: isize) -> Result<DiagSocket, NetlinkError> {
        let mut sock = Socket::new(protocol).map_err(NetlinkError::Open)?;
        sock.bind_auto().map_err(NetlinkError::Open)?;
        sock.connect(&SocketAddr::new(0, 0))
            .map_err(NetlinkError::Open)?;
        // A larger socket buffer lets the kernel queue the next skb while we format rows.
        let _ = sock.set_rx_buf_sz(1 << 20);
        Ok(DiagSocket { sock })
    }
}

impl Transport for DiagSocket {
    fn send(&mut self, msg: &[u8]) -> io::Result<()> {
        (&*self).send(msg)
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).recv(buf)
    }
}

/// A shared socket is a transport too: one thread may start a dump that another reads
/// (`start`).
impl Transport for &DiagSocket {
    fn send(&mut self, msg: &[u8]) -> io::Result<()> {
        self.sock.send(msg, 0).map(|_| ())
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut slice: &mut [u8] = buf;
        // MSG_TRUNC makes recv return the datagram's real length, so truncation shows.
        self.sock.recv(&mut slice, libc::MSG_TRUNC)
    }
}
