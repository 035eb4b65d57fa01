//! How records travel from the kernel's dumps to a sink, and the faster paths they take
//! when the sink and the tables allow. Every path gives the sink the same records in the
//! same order; only where the work is done changes.
//!
//! - **Header-only decode**: when the sink reads only the fixed header of an inet record
//!   ([`Reads::Header`] or [`Reads::Counts`]) and no filter runs in userspace for the
//!   table, each inet row is decoded from `struct inet_diag_msg` alone into one record
//!   reused row after row (`row::HeaderOnly`): no timer, no attributes.
//! - **Read-ahead**: one namespace's TCP table that `/proc/net/sockstat` says is big
//!   (`netlink::read_ahead::pays`) is received on a second thread while this one decodes,
//!   unless the sink only counts ([`Reads::Counts`]): counting a row costs less than
//!   handing its datagram between threads.
//! - **Namespace worker pool**: with several namespaces, each with its own sock_diag
//!   socket, worker threads run the dumps ahead and this thread decodes them in order
//!   (`netlink::ns_workers`).
//! - **The IPv6 TCP table beside the IPv4 one**: in the current namespace alone, when both
//!   tables are big, the IPv6 dump runs on a second socket and core during the IPv4 one. A
//!   sink that forks ([`FastSink::fork`]) has the IPv6 rows made there too, into a
//!   temporary file, appended after the IPv4 rows (`ipv6_rows`); otherwise the datagrams
//!   are spilled to a temporary file (`netlink::ipv6_spill`) and replayed through the sink.
//! - **A held collection made into rows on two cores** (`--peer`): from 8,192 records on
//!   two or more cores, a sink that forks gets the second half from a fork on its own
//!   thread ([`Buffered::replay`](crate::buffer::Buffered::replay)).
//!
//! A [`Pipeline::plain`] sink takes none of the sink-dependent paths (the first, the fork
//! and its two cores); the worker pool and the read-ahead depend on the tables only.

use std::fs::File;
use std::io;

use rnetstat_model::{Proto, Socket};

use crate::{FastSink, ForkSink, ForkedRows, Group, Reads, Selection, Sink};

/// A sink, and which of the faster paths it allows.
pub struct Pipeline<'s> {
    to: To<'s>,
}

enum To<'s> {
    Plain(&'s mut dyn Sink),
    Fast(&'s mut dyn FastSink),
}

impl<'s> Pipeline<'s> {
    /// Every record decoded whole and handed to `sink` on the thread that called.
    pub fn plain(sink: &'s mut dyn Sink) -> Pipeline<'s> {
        Pipeline {
            to: To::Plain(sink),
        }
    }

    /// The paths `sink` allows, as the module's doc says.
    pub fn fast(sink: &'s mut dyn FastSink) -> Pipeline<'s> {
        Pipeline { to: To::Fast(sink) }
    }

    /// The sink itself.
    pub fn sink(&mut self) -> &mut dyn Sink {
        match &mut self.to {
            To::Plain(s) => *s,
            To::Fast(s) => *s,
        }
    }

    fn reads(&self) -> Reads {
        match &self.to {
            To::Plain(_) => Reads::Whole,
            To::Fast(s) => s.reads(),
        }
    }

    /// Whether a table's rows may come in through a second receiving thread.
    pub(crate) fn reads_ahead(&self) -> bool {
        self.reads() != Reads::Counts
    }

    /// Whether `proto`'s rows may be decoded from their header alone (`here`: the filter,
    /// if any, runs in userspace for this table).
    pub(crate) fn header_only(&self, sel: &Selection, here: bool, proto: Proto) -> bool {
        header_only(self.reads(), sel, here, proto)
    }

    /// A fork of the sink writing to `out`; `out` back when it does not fork.
    pub(crate) fn fork(&self, out: File) -> Result<Box<dyn ForkSink + 's>, File> {
        match &self.to {
            To::Plain(_) => Err(out),
            To::Fast(s) => s.fork(out),
        }
    }

    /// What a fork made, after everything so far.
    pub(crate) fn append(&mut self, made: ForkedRows) -> io::Result<()> {
        match &mut self.to {
            To::Plain(_) => Err(io::Error::other("a plain sink has no forks")),
            To::Fast(s) => s.append(made),
        }
    }
}

/// [`Pipeline::header_only`] for a sink that reads `reads`.
pub(crate) fn header_only(reads: Reads, sel: &Selection, here: bool, proto: Proto) -> bool {
    let inet = !matches!(proto, Proto::Unix | Proto::Packet | Proto::Netlink);
    inet && reads != Reads::Whole && !(here && sel.filter.is_some())
}

impl Sink for Pipeline<'_> {
    fn group(&mut self, group: Group) -> io::Result<()> {
        self.sink().group(group)
    }
    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        self.sink().socket(s)
    }
    fn warning(&mut self, msg: &str) {
        self.sink().warning(msg);
    }
    fn finish(&mut self) -> io::Result<()> {
        self.sink().finish()
    }
}
