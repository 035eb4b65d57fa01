//! The [`Sink`] records are pushed into, and the groups netstat's text is cut into.

use std::io;

use rnetstat_model::Socket;

use crate::*;

/// Receives records as they are collected.
pub trait Sink {
    /// A new group of tables starts (netstat prints a header per group even when empty).
    fn group(&mut self, group: Group) -> io::Result<()>;
    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()>;
    /// Something the user should know that did not stop the listing.
    fn warning(&mut self, msg: &str);
    /// The listing is complete.
    fn finish(&mut self) -> io::Result<()>;
    /// A sink like this one that writes its rows to `out` instead, for rows made on
    /// another thread that must come after this sink's (the IPv6 TCP table beside the
    /// IPv4 one: [`ipv6_rows`]; the second half of a held collection, [`buffer`]). It may
    /// share what this one only reads (the process table), not what it changes: an error
    /// when it cannot do without that (name lookups): `out` comes back, and the rows come
    /// through this sink in their turn.
    fn fork<'f>(&self, out: std::fs::File) -> Result<Box<dyn ForkSink + 'f>, std::fs::File>
    where
        Self: 'f,
    {
        Err(out)
    }
    /// Writes, after everything so far, what a fork of this sink made.
    fn append(&mut self, _made: ipv6_rows::ForkedRows) -> io::Result<()> {
        Err(io::Error::other("this sink does not fork"))
    }
    /// Whether this sink only counts records (`--summary`): its rows cost less than
    /// handing each datagram over to a receive thread, so none is started for it.
    fn counts_only(&self) -> bool {
        false
    }
    /// Whether this sink reads no more of an inet record than its fixed header (`struct
    /// inet_diag_msg`): protocol, family, state, queues, addresses, inode, uid, cookie and
    /// namespace; no timer, no attribute. Its inet rows are then decoded from the header
    /// alone, into one record reused row after row, when no filter runs here.
    fn header_only(&self) -> bool {
        self.counts_only()
    }
}

/// A fork of a sink ([`Sink::fork`]), run on another thread.
pub trait ForkSink: Sink + Send {
    /// Its rows, written out, for [`Sink::append`].
    fn done(self: Box<Self>) -> io::Result<ipv6_rows::ForkedRows>;
}

/// The socket listings, each with its own header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Inet,
    Unix,
    Packet,
    Netlink,
}
