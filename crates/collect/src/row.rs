//! One sock_diag message to one record: decoded whole, or from its fixed header alone
//! when the sink needs nothing more.

use std::io;

use rnetstat_model::error::{Error, NetlinkError};
use rnetstat_model::{Family, Netns, Proto, Socket};

use crate::Selection;
use crate::netlink::{self};

/// One message of a sock_diag dump as the row it shows: decoded, kept if the selection
/// wants it (and the filter, where `here` says the kernel did not run it), placed in `ns`.
#[inline(always)]
pub(crate) fn row<'p>(
    sel: &Selection,
    here: bool,
    ns: Option<&'p Netns>,
    proto: Proto,
    payload: &'p [u8],
) -> Result<Option<Socket<'p>>, NetlinkError> {
    let mut s = match proto {
        Proto::Unix => netlink::unix::decode(payload)?,
        Proto::Packet => netlink::link::decode_packet(payload)?,
        Proto::Netlink => netlink::link::decode_netlink(payload)?,
        p => netlink::inet::InetDiagMsg::new_checked(payload)?.to_socket(p)?,
    };
    if !sel.wants(&s) || (here && !sel.matches(&s)) {
        return Ok(None);
    }
    s.netns = ns;
    Ok(Some(s))
}

/// Why a dump's rows stopped: a message that did not decode, or a sink that could not
/// take its row.
pub(crate) enum RowError {
    Decode(NetlinkError),
    Sink(io::Error),
}

impl From<NetlinkError> for RowError {
    fn from(e: NetlinkError) -> Self {
        RowError::Decode(e)
    }
}

impl RowError {
    /// A dump's result with a sink's error taken out (it ends the listing as it is): what
    /// is left is the dump's own outcome, to act on.
    pub(crate) fn split<T>(r: Result<T, RowError>) -> Result<Result<T, NetlinkError>, Error> {
        match r {
            Ok(t) => Ok(Ok(t)),
            Err(RowError::Decode(e)) => Ok(Err(e)),
            Err(RowError::Sink(e)) => Err(Error::Output(e)),
        }
    }
}

/// Inet rows for a sink that reads only their header ([`Reads::Header`]): one record,
/// its fixed header's fields written over for each message, no timer or attributes
/// decoded, so no record is made or moved per row.
pub(crate) struct HeaderOnly<'n> {
    s: Socket<'n>,
}

impl<'n> HeaderOnly<'n> {
    /// For `proto`'s rows (an inet protocol) in namespace `ns`.
    pub(crate) fn new(proto: Proto, ns: Option<&'n Netns>) -> HeaderOnly<'n> {
        let mut s = Socket::inet(proto, Family::Inet);
        s.netns = ns;
        HeaderOnly { s }
    }
    /// The row of one message, when the selection wants it.
    #[inline(always)]
    pub(crate) fn row(
        &mut self,
        sel: &Selection,
        payload: &[u8],
    ) -> Result<Option<&Socket<'n>>, NetlinkError> {
        netlink::inet::InetDiagMsg::new_checked(payload)?.head_into(&mut self.s)?;
        Ok(sel.wants(&self.s).then_some(&self.s))
    }
}
