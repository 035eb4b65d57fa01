//! The userspace stacks' sockets, read from their control sockets (see `stack::control`).
//!
//! Every `stack-*.sock` in the runtime directories is asked for a snapshot. Only stacks in
//! the caller's own network namespace are shown: a stack elsewhere talks to a different
//! kernel socket table, so pairing or listing it beside this one would mislead. A socket
//! whose stack has gone (connection refused) is skipped silently; any other failure is a
//! warning, never fatal.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

pub use rnetstat_diag::stack_reply::parse_reply;
use rnetstat_diag::stack_reply::runtime_dirs;
use rnetstat_diag::stack_reply::{Snapshot, StackSocket, current_netns};
use rnetstat_model::{Endpoint, Family, Proto, Socket, Stack, Timer};

const TIMEOUT: Duration = Duration::from_secs(3);
/// Longest reply accepted (a full stack is well under this).
const MAX_REPLY: u64 = 64 << 20;

/// Snapshots of every reachable stack in this network namespace, and warnings.
pub fn fetch() -> (Vec<Snapshot>, Vec<String>) {
    let (mut snaps, mut warnings) = (Vec::new(), Vec::new());
    let here = current_netns();
    for dir in runtime_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("stack-") && n.ends_with(".sock"))
            })
            .collect();
        paths.sort();
        for p in paths {
            match query(&p) {
                Ok(Some(s)) if s.netns == here => snaps.push(s),
                Ok(_) => {}
                Err(e) => warnings.push(format!("userspace stack {}: {e}", p.display())),
            }
        }
    }
    (snaps, warnings)
}

/// One snapshot from one control socket; `Ok(None)` when nobody listens there any more.
pub fn query(path: &Path) -> Result<Option<Snapshot>, String> {
    let mut s = match UnixStream::connect(path) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e.to_string()),
    };
    let _ = s.set_read_timeout(Some(TIMEOUT));
    let _ = s.set_write_timeout(Some(TIMEOUT));
    // A stack that refuses us writes its reason and closes, perhaps before our request is
    // written: a failed write still leaves that reason to read.
    let sent = s.write_all(b"{\"op\":\"snapshot\"}\n");
    let mut line = String::new();
    let read = BufReader::new(s.take(MAX_REPLY)).read_line(&mut line);
    match (sent, read) {
        (_, Ok(n)) if n > 0 => parse_reply(&line).map(Some),
        (Err(e), _) => Err(e.to_string()),
        (Ok(()), Err(e)) => Err(e.to_string()),
        (Ok(()), Ok(_)) => Err("the stack closed the connection without a reply".into()),
    }
}

/// A stack socket as a record in the shared model.
pub fn record<'a>(snap: &Snapshot, s: &'a StackSocket) -> Socket<'a> {
    let proto = if s.proto == "udp" {
        Proto::Udp
    } else {
        Proto::Tcp
    };
    let family = if s.local.is_ipv4() {
        Family::Inet
    } else {
        Family::Inet6
    };
    let mut r = Socket::inet(proto, family);
    r.stack = Stack::Userspace;
    r.state = s.state;
    r.recv_q = s.recv_q;
    r.send_q = s.send_q;
    r.local = Endpoint {
        addr: s.local.ip(),
        port: s.local.port(),
    };
    r.remote = match s.remote {
        Some(a) => Endpoint {
            addr: a.ip(),
            port: a.port(),
        },
        None if family == Family::Inet6 => Endpoint {
            addr: std::net::Ipv6Addr::UNSPECIFIED.into(),
            port: 0,
        },
        None => Endpoint::UNSPECIFIED,
    };
    r.uid = snap.uid;
    r.stack_pid = Some(snap.pid);
    r.service = Some(&s.service);
    r.timer = s.timer.as_ref().map(|t| Timer {
        kind: t.kind(),
        expires_ms: t.expires_ms,
        retrans: t.retrans,
    });
    r.tcp_info = s.tcp_info.map(Box::new);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_and_garbage_replies_are_errors() {
        assert_eq!(
            parse_reply("{\"error\":\"permission denied\"}").unwrap_err(),
            "the stack says: permission denied"
        );
        assert!(parse_reply("").is_err());
        assert!(parse_reply("{\"version\":1}").is_err());
        assert!(parse_reply("[1,2,3]").is_err());
    }
}
