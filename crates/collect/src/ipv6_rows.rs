//! The IPv6 TCP table made into rows on its own thread while the IPv4 one is printed.
//!
//! `Spaces::tcp_both` dumps the IPv6 table beside the IPv4 one, on a second socket and
//! core. Its rows must come after the IPv4 rows. When the sink can fork ([`FastSink::fork`]),
//! the IPv6 thread does not stop at receiving: it decodes and formats its rows too, into
//! an unlinked temporary file (page cache, not the process's memory, as netlink::ipv6_spill
//! says), and the main thread copies that text out after the IPv4 rows. Otherwise the
//! datagrams are spilled and replayed through the sink once the IPv4 rows are out, which
//! leaves the IPv6 rows' decoding and formatting (about 0.3 µs a row) after the IPv4 dump,
//! on the path that decides the wall time.

use std::io;

use rnetstat_model::{Netns, Proto};

use crate::netlink::{self, DiagSocket};
use crate::pipeline::header_only;
use crate::row::{HeaderOnly, RowError, row};
use crate::{ForkSink, ForkedRows, Selection};

/// Sends `req` (an IPv6 TCP dump) on `sock` and gives every row to `fork`, as
/// `Collector::dump_netlink` would give it to the sink. Any failure (the dump's, the
/// file's, an interrupted dump) is an error: nothing was printed, and the caller dumps the
/// table again in its turn.
pub fn rows(
    sock: &DiagSocket,
    req: &[u8],
    buf: &mut [u8],
    mut fork: Box<dyn ForkSink + '_>,
    sel: &Selection,
    here: bool,
    ns: Option<&Netns>,
) -> io::Result<ForkedRows> {
    let seq = netlink::request_seq(req);
    let mut t: &DiagSocket = sock;
    let mut light =
        header_only(fork.reads(), sel, here, Proto::Tcp).then(|| HeaderOnly::new(Proto::Tcp, ns));
    let r = netlink::dump(&mut t, req, seq, buf, |_, payload| {
        let full;
        let shown = match &mut light {
            Some(l) => l.row(sel, payload)?,
            None => {
                full = row(sel, here, ns, Proto::Tcp, payload)?;
                full.as_ref()
            }
        };
        let Some(s) = shown else {
            return Ok(());
        };
        fork.socket(s).map_err(RowError::Sink)
    });
    match r {
        Ok(outcome) if !outcome.interrupted => fork.done(),
        Ok(_) => Err(io::Error::other("the IPv6 table changed during the dump")),
        Err(RowError::Sink(e)) => Err(e),
        Err(RowError::Decode(e)) => Err(io::Error::other(e.to_string())),
    }
}
