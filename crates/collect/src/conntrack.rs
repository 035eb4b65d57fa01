//! The kernel's connection tracking table, for following connections through NAT
//! (`--peer`), read per network namespace over ctnetlink. The request and the decoders
//! are [`rnetstat_diag::conntrack`]; this is the socket.

pub use rnetstat_diag::conntrack::{decode, parse_proc};

use rnetstat_diag::conntrack::{NETLINK_NETFILTER, request};
use rnetstat_model::Flow;
use rnetstat_model::error::NetlinkError;

use crate::netlink::{self, DiagSocket};

/// Every flow of the calling thread's namespace, over ctnetlink.
pub fn dump() -> Result<Vec<Flow>, NetlinkError> {
    let mut sock = DiagSocket::open_protocol(NETLINK_NETFILTER)?;
    let mut buf = vec![0u8; netlink::RECV_BUF];
    let mut flows = Vec::new();
    netlink::dump(&mut sock, &request(1), 1, &mut buf, |_, payload| {
        if let Some(f) = decode(payload) {
            flows.push(f);
        }
        Ok(())
    })?;
    Ok(flows)
}
