//! The common JSON record written by hand: a socket with none of the optional blocks
//! (`tcp_info`, `congestion`, `skmem`, `link`, the `-e` fields, processes, peers), which is
//! what `-tan --json` prints 100k times. serde_json spends most of such a record checking
//! each of its 25 keys for characters to escape; here the keys are literals and the record
//! is built in one buffer and written once. The bytes are exactly serde_json's (a test
//! in `json.rs` compares the two on every kind of record); anything else goes through serde.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;

use super::addr::{push_ipv4, push_u64};
use super::json_record::JsonSocket;

/// Appends `s` as a JSON string, escaped as serde_json escapes it.
fn push_str(buf: &mut String, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        // Rare (a path or a name with a quote or a control character): serde's own
        // escaping, so the bytes cannot differ. Writing to a Vec does not fail.
        let mut v = Vec::new();
        let _ = serde_json::to_writer(&mut v, s);
        buf.push_str(&String::from_utf8_lossy(&v));
    } else {
        buf.push('"');
        buf.push_str(s);
        buf.push('"');
    }
}

fn push_opt_str(buf: &mut String, s: Option<&str>) {
    match s {
        Some(s) => push_str(buf, s),
        None => buf.push_str("null"),
    }
}

fn push_addr(buf: &mut String, a: IpAddr) {
    buf.push('"');
    match a {
        IpAddr::V4(a) => push_ipv4(buf, a),
        IpAddr::V6(a) => {
            let _ = write!(buf, "{a}");
        }
    }
    buf.push('"');
}

/// Writes a plain record ([`JsonSocket::is_plain`]; the optional blocks are not looked at),
/// built in `buf`.
pub(crate) fn write_plain<W: Write>(
    out: &mut W,
    buf: &mut String,
    p: &JsonSocket<'_>,
) -> io::Result<()> {
    buf.clear();
    buf.push_str("{\"stack\":\"");
    buf.push_str(p.stack);
    buf.push('"');
    if let Some(pid) = p.stack_pid {
        buf.push_str(",\"stack_pid\":");
        push_u64(buf, u64::from(pid));
    }
    if let Some(s) = p.service {
        buf.push_str(",\"service\":");
        push_str(buf, s);
    }
    for (key, v) in [
        (",\"proto\":", p.proto),
        (",\"family\":", p.family),
        (",\"type\":", p.sock_type),
        (",\"state\":", p.state),
    ] {
        buf.push_str(key);
        push_str(buf, v);
    }
    buf.push_str(",\"recv_q\":");
    push_u64(buf, u64::from(p.recv_q));
    buf.push_str(",\"send_q\":");
    push_u64(buf, u64::from(p.send_q));
    for (key, e) in [(",\"local\":", &p.local), (",\"remote\":", &p.remote)] {
        buf.push_str(key);
        match e {
            Some(e) => {
                buf.push_str("{\"address\":");
                push_addr(buf, e.address);
                buf.push_str(",\"port\":");
                push_u64(buf, u64::from(e.port));
                buf.push('}');
            }
            None => buf.push_str("null"),
        }
    }
    buf.push_str(",\"path\":");
    push_opt_str(buf, p.path.as_deref());
    buf.push_str(",\"peer_inode\":");
    match p.peer_inode {
        Some(n) => push_u64(buf, u64::from(n)),
        None => buf.push_str("null"),
    }
    buf.push_str(",\"inode\":");
    push_u64(buf, u64::from(p.inode));
    buf.push_str(",\"uid\":");
    push_u64(buf, u64::from(p.uid));
    if let Some(t) = &p.timer {
        buf.push_str(",\"timer\":{\"timer\":");
        push_str(buf, t.timer);
        buf.push_str(",\"expires_ms\":");
        push_u64(buf, u64::from(t.expires_ms));
        buf.push_str(",\"retrans\":");
        push_u64(buf, u64::from(t.retrans));
        buf.push('}');
    }
    if let Some(n) = &p.netns {
        buf.push_str(",\"netns\":{\"inode\":");
        push_u64(buf, n.inode());
        buf.push_str(",\"name\":");
        push_opt_str(buf, n.name());
        buf.push('}');
    }
    if let Some(c) = &p.container {
        buf.push_str(",\"container\":");
        match c {
            Some(c) => {
                buf.push_str("{\"runtime\":");
                push_str(buf, c.runtime());
                buf.push_str(",\"id\":");
                push_str(buf, c.id());
                buf.push_str(",\"name\":");
                push_opt_str(buf, c.name());
                buf.push_str(",\"pod\":");
                push_opt_str(buf, c.pod());
                buf.push('}');
            }
            None => buf.push_str("null"),
        }
    }
    buf.push('}');
    out.write_all(buf.as_bytes())
}
