//! How a peer prints: the Peer cell of the text and table views.

use crate::model::Peer;
use crate::source::owners::Owners;

use super::sanitize::push_sanitized;

/// `[container:]pid/name` of the process holding the peer (netstat's PID/Program form),
/// `(kernel)` when no process holds it (a connection waiting in accept(), TIME_WAIT), and
/// `-` when the other end is not on this host. Sanitised: names come from outside.
pub fn push_cell(buf: &mut String, peer: Option<&Peer<'_>>, owners: Option<&Owners>) {
    let Some(p) = peer else {
        buf.push('-');
        return;
    };
    if let Some(c) = p.netns.and_then(|n| n.container.as_ref()) {
        let name = c.name.as_deref().unwrap_or(&c.id[..c.id.len().min(12)]);
        push_sanitized(buf, name.as_bytes());
        buf.push(':');
    }
    match owners.and_then(|o| o.holders(p.inode).first().and_then(|h| o.process(h.1.pid))) {
        Some(proc_) => push_sanitized(buf, proc_.netstat_name.as_bytes()),
        None => buf.push_str("(kernel)"),
    }
}
