//! One sock_diag message to one record: decoded whole, or from its fixed header alone
//! when the sink needs nothing more.

use rnetstat_model::error::NetlinkError;
use rnetstat_model::{Family, Netns, Proto, Socket};

use crate::netlink::{self};
use crate::*;

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

/// Inet rows for a sink that reads only their header ([`Sink::header_only`]): one record,
/// its fixed header's fields written over for each message, no timer or attributes
/// decoded, so no record is made or moved per row.
pub(crate) struct HeaderOnly<'n> {
    s: Socket<'n>,
}

impl<'n> HeaderOnly<'n> {
    /// For `proto`'s rows to `sink`, when it reads only the header and no filter runs here
    /// (it could look at more); `None` for other sinks and for non-inet tables.
    pub(crate) fn new(
        sink: &(impl Sink + ?Sized),
        sel: &Selection,
        here: bool,
        proto: Proto,
        ns: Option<&'n Netns>,
    ) -> Option<HeaderOnly<'n>> {
        let inet = !matches!(proto, Proto::Unix | Proto::Packet | Proto::Netlink);
        (inet && sink.header_only() && !(here && sel.filter.is_some())).then(|| {
            let mut s = Socket::inet(proto, Family::Inet);
            s.netns = ns;
            HeaderOnly { s }
        })
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
