//! The [`Sink`] records are pushed into, the groups netstat's text is cut into, and what a
//! sink may offer the [`Pipeline`](crate::Pipeline)'s faster paths ([`FastSink`]).

use std::fs::File;
use std::io;

use rnetstat_model::Socket;
use rnetstat_model::socket_counts::SocketCounts;

/// Receives records as they are collected.
pub trait Sink {
    /// A new group of tables starts (netstat prints a header per group even when empty).
    fn group(&mut self, group: Group) -> io::Result<()>;
    /// One record.
    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()>;
    /// Something the user should know that did not stop the listing.
    fn warning(&mut self, msg: &str);
    /// The listing is complete.
    fn finish(&mut self) -> io::Result<()>;
}

/// How much of a record a sink reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Everything the dump carries (timers, attributes, tcp_info).
    Whole,
    /// The fixed header of an inet record (`struct inet_diag_msg`) only: protocol, family,
    /// state, queues, addresses, inode, uid, cookie and namespace.
    Header,
    /// The header, and only to count it (`--summary`).
    Counts,
}

/// A sink the [`Pipeline`](crate::Pipeline) may feed faster than record by record.
pub trait FastSink: Sink {
    /// How much of a record it reads.
    fn reads(&self) -> Reads;
    /// A sink like this one that writes its rows to `out` instead, for rows made on
    /// another thread that must come after this sink's. It may share what this one only
    /// reads (the process table), not what it changes: when it cannot do without that
    /// (name lookups), `out` comes back, and the rows come through this sink in their turn.
    fn fork<'f>(&self, out: File) -> Result<Box<dyn ForkSink + 'f>, File>
    where
        Self: 'f;
    /// Writes, after everything so far, what a fork of this sink made.
    fn append(&mut self, made: ForkedRows) -> io::Result<()>;
}

/// A fork of a sink ([`FastSink::fork`]), run on another thread.
pub trait ForkSink: Sink + Send {
    /// How much of a record it reads.
    fn reads(&self) -> Reads;
    /// What it made, for [`FastSink::append`].
    fn done(self: Box<Self>) -> io::Result<ForkedRows>;
}

/// What a fork made.
pub enum ForkedRows {
    /// Its rows as the sink writes them, from the start of the file.
    Text { file: File, rows: usize },
    /// The counts of its rows, and the warnings it was given (a sink that prints no rows).
    Counts {
        counts: SocketCounts,
        warnings: Vec<String>,
    },
}

/// The socket listings, each with its own header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Inet,
    Unix,
    Packet,
    Netlink,
}

impl Group {
    /// The group a protocol's table prints in.
    pub fn of(proto: rnetstat_model::Proto) -> Group {
        use rnetstat_model::Proto;
        match proto {
            Proto::Unix => Group::Unix,
            Proto::Packet => Group::Packet,
            Proto::Netlink => Group::Netlink,
            _ => Group::Inet,
        }
    }
}
