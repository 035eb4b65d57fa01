//! `rnetstat diff`: what changed between two moments, as text grouped by kind (listeners
//! added and removed, connections opened and closed, state changes), each line naming the
//! socket, its process and its container; or one JSON document.

use std::io::{self, Write};
use std::net::SocketAddr;

use serde::Serialize;

use rnetstat_collect::owners::Owners;
use rnetstat_model::{Family, Proto, Socket, State};

use super::json::JsonSocket;
use super::sanitize::push_sanitized;

/// The sockets that changed, each list in the order it was found.
#[derive(Default)]
pub struct Changes<'a> {
    pub listeners_added: Vec<&'a Socket<'a>>,
    pub listeners_removed: Vec<&'a Socket<'a>>,
    pub opened: Vec<&'a Socket<'a>>,
    pub closed: Vec<&'a Socket<'a>>,
    /// (the state before, the socket now).
    pub changed: Vec<(State, &'a Socket<'a>)>,
}

fn line(l: &mut String, s: &Socket<'_>, before: Option<State>, owners: &Owners) {
    l.push_str("  ");
    l.push_str(s.proto.name());
    if s.family == Family::Inet6 {
        l.push('6');
    }
    l.push(' ');
    if s.proto == Proto::Unix {
        match s.path {
            Some(p) => push_sanitized(l, p),
            None => l.push_str(&format!("inode {}", s.inode)),
        }
    } else {
        l.push_str(&SocketAddr::new(s.local.addr, s.local.port).to_string());
        if s.remote.port != 0 {
            l.push_str(" -> ");
            l.push_str(&SocketAddr::new(s.remote.addr, s.remote.port).to_string());
        }
    }
    l.push(' ');
    if let Some(b) = before {
        l.push_str(b.name());
        l.push('→');
    }
    l.push_str(s.state.name());
    if let Some((_, h)) = owners.holders(s.inode).first() {
        l.push_str(&format!(" pid {}", h.pid));
        if let Some(p) = owners.process(h.pid) {
            l.push_str(" (");
            push_sanitized(l, p.comm.as_bytes());
            l.push(')');
        }
    }
    if let Some(c) = s.netns.and_then(|n| n.container.as_ref()) {
        l.push_str(" container ");
        push_sanitized(l, c.name.as_deref().unwrap_or(&c.id).as_bytes());
    }
    l.push('\n');
}

/// Writes the changes as text.
pub fn text<W: Write>(
    out: &mut W,
    from: &str,
    to: &str,
    c: &Changes<'_>,
    owners: &Owners,
) -> io::Result<()> {
    let mut l = format!("Changes from {from} to {to}\n");
    let mut section =
        |title: &str, list: &mut dyn Iterator<Item = (Option<State>, &Socket<'_>)>| {
            let mut body = String::new();
            let mut n = 0;
            for (b, s) in list {
                line(&mut body, s, b, owners);
                n += 1;
            }
            l.push_str(&format!("{title} ({n}):\n{body}"));
        };
    section(
        "Listeners added",
        &mut c.listeners_added.iter().map(|s| (None, *s)),
    );
    section(
        "Listeners removed",
        &mut c.listeners_removed.iter().map(|s| (None, *s)),
    );
    section(
        "Connections opened",
        &mut c.opened.iter().map(|s| (None, *s)),
    );
    section(
        "Connections closed",
        &mut c.closed.iter().map(|s| (None, *s)),
    );
    section(
        "State changed",
        &mut c.changed.iter().map(|(b, s)| (Some(*b), *s)),
    );
    out.write_all(l.as_bytes())?;
    out.flush()
}

#[derive(Serialize)]
struct Changed<'a> {
    previous_state: &'static str,
    socket: JsonSocket<'a>,
}

#[derive(Serialize)]
struct Document<'a> {
    from: &'a str,
    to: &'a str,
    listeners_added: Vec<JsonSocket<'a>>,
    listeners_removed: Vec<JsonSocket<'a>>,
    opened: Vec<JsonSocket<'a>>,
    closed: Vec<JsonSocket<'a>>,
    changed: Vec<Changed<'a>>,
}

fn recs<'a>(v: &[&'a Socket<'a>], owners: &'a Owners) -> Vec<JsonSocket<'a>> {
    v.iter().map(|s| JsonSocket::new(s, Some(owners))).collect()
}

/// Writes the changes as one JSON document.
pub fn json<'a, W: Write>(
    out: &mut W,
    from: &'a str,
    to: &'a str,
    c: &Changes<'a>,
    owners: &'a Owners,
) -> io::Result<()> {
    let doc = Document {
        from,
        to,
        listeners_added: recs(&c.listeners_added, owners),
        listeners_removed: recs(&c.listeners_removed, owners),
        opened: recs(&c.opened, owners),
        closed: recs(&c.closed, owners),
        changed: c
            .changed
            .iter()
            .map(|(b, s)| Changed {
                previous_state: b.name(),
                socket: JsonSocket::new(s, Some(owners)),
            })
            .collect(),
    };
    serde_json::to_writer(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}
