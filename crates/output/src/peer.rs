//! How a peer prints: the Peer cell of the text and table views.

use rnetstat_collect::owners::Owners;
use rnetstat_model::{Forwarded, Socket};

use super::sanitize::push_sanitized;

/// `[container:]pid/name` of the process holding the peer (netstat's PID/Program form),
/// `(kernel)` when no process holds it (a connection waiting in accept(), TIME_WAIT),
/// `→ [container ]address:port (name)` for a listener that forwards (a published port),
/// and `-` when the other end is not on this host. Sanitised: names come from outside.
pub(crate) fn push_cell(buf: &mut String, s: &Socket<'_>, owners: Option<&Owners>) {
    let Some(p) = s.peer else {
        match s.forwards.first() {
            Some(f) => push_forward(buf, f, owners, s.forwards.len() > 1),
            None => buf.push('-'),
        }
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

fn push_forward(buf: &mut String, f: &Forwarded<'_>, owners: Option<&Owners>, more: bool) {
    use std::fmt::Write as _;
    buf.push_str("→ ");
    if let Some(c) = f.netns.and_then(|n| n.container.as_ref()) {
        let name = c.name.as_deref().unwrap_or(&c.id[..c.id.len().min(12)]);
        push_sanitized(buf, name.as_bytes());
        buf.push(' ');
    }
    let _ = write!(
        buf,
        "{}",
        std::net::SocketAddr::new(f.address.addr, f.address.port)
    );
    if let Some(p) =
        owners.and_then(|o| o.holders(f.inode).first().and_then(|h| o.process(h.1.pid)))
    {
        buf.push_str(" (");
        push_sanitized(buf, p.comm.as_bytes());
        buf.push(')');
    }
    if more {
        buf.push_str(", …");
    }
}
