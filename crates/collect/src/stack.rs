//! The userspace stacks' sockets, read from their control sockets (see `stack::control`).
//!
//! Every `stack-*.sock` in the runtime directories is asked for a snapshot. A stack is
//! shown with the namespace it serves, and only when that namespace is among those asked
//! for (`-N`, `--container`, `--all-netns`, else the caller's own): a stack pairs with the
//! kernel socket table of its own namespace, not the caller's. Its control socket's name
//! says which namespace that is (`stack-PID-netINODE.sock`), so a stack the caller may not
//! query is still named, with one notice. A socket whose stack has gone (connection
//! refused) is skipped silently; any other failure is a warning, never fatal.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

pub use rnetstat_diag::stack_reply::parse_reply;
use rnetstat_diag::stack_reply::{Snapshot, StackSocket};
use rnetstat_diag::stack_reply::{parse_socket_name, runtime_dirs};
use rnetstat_model::{Endpoint, Family, Proto, Socket, Stack, Timer};

use crate::netns::Space;

const TIMEOUT: Duration = Duration::from_secs(3);
/// Longest reply accepted (a full stack is well under this).
const MAX_REPLY: u64 = 64 << 20;
/// Most control sockets asked per directory (each costs a connection), and most entries
/// of a directory looked at.
const MAX_STACKS: usize = 256;
const MAX_ENTRIES: usize = 100_000;

/// Whether `pid` is a running rnetstat (its `comm` is world-readable), so that a socket
/// left by a stack killed unannounced is not taken for a live one.
fn live_stack(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|c| c.trim_end().starts_with("rnetstat"))
}

/// How `space` is named in a notice: "this network namespace" when it is the only one and
/// the caller's own, else its label.
fn where_(space: &Space, spaces: &[Space]) -> String {
    if space.is_current() && spaces.len() == 1 {
        "this network namespace".into()
    } else {
        format!(
            "network namespace {}",
            rnetstat_sys::sanitize::quoted(&space.ns.label().to_string())
        )
    }
}

/// What [`fetch`] found.
#[derive(Debug, Default)]
pub struct Found {
    /// A snapshot of each stack serving a namespace asked about.
    pub snaps: Vec<Snapshot>,
    /// Failures, and one notice per stack there that the caller may not query.
    pub warnings: Vec<String>,
    /// How many such stacks the caller may not query.
    pub closed: usize,
}

/// Every reachable stack serving one of `spaces`.
pub fn fetch(spaces: &[Space]) -> Found {
    let mut out = Found::default();
    let served = |ino: u64| spaces.iter().find(|s| s.ns.inode == ino);
    for dir in runtime_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        // Named for a namespace asked about (or not named for one), and a socket itself,
        // not a link, file or FIFO by that name.
        let mut named: Vec<_> = entries
            .take(MAX_ENTRIES)
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name();
                let (pid, ino) = parse_socket_name(name.to_str()?)?;
                if ino.is_some_and(|i| served(i).is_none()) {
                    return None;
                }
                let socket = e.file_type().is_ok_and(|t| {
                    use std::os::unix::fs::FileTypeExt;
                    t.is_socket()
                });
                socket.then(|| (e.path(), pid, ino))
            })
            .collect();
        named.sort();
        if named.len() > MAX_STACKS {
            out.warnings.push(format!(
                "{} control sockets in {}; only the first {MAX_STACKS} were asked",
                named.len(),
                dir.display()
            ));
            named.truncate(MAX_STACKS);
        }
        for (p, pid, ino) in named {
            match query(&p) {
                Ok(Some(s)) if served(s.netns).is_some() => {
                    if !out.snaps.iter().any(|x: &Snapshot| x.pid == s.pid) {
                        out.snaps.push(s);
                    }
                }
                Ok(_) => {}
                Err(Refusal::Closed(uid)) => {
                    let Some(space) = ino.and_then(served).filter(|_| live_stack(pid)) else {
                        continue;
                    };
                    out.closed += 1;
                    let who = rnetstat_sys::user_name(uid).unwrap_or_else(|| format!("uid {uid}"));
                    out.warnings.push(format!(
                        "a userspace stack runs in {} (pid {pid}), owned by {}: run as root to see its sockets",
                        where_(space, spaces),
                        rnetstat_sys::sanitize::quoted(&who)
                    ));
                }
                Err(Refusal::Failed(e)) => out
                    .warnings
                    .push(format!("userspace stack {}: {e}", p.display())),
            }
        }
    }
    out
}

/// Why a control socket gave no snapshot.
#[derive(Debug)]
pub enum Refusal {
    /// Its file's permissions keep the caller out; the file belongs to this uid.
    Closed(u32),
    Failed(String),
}

impl From<String> for Refusal {
    fn from(s: String) -> Refusal {
        Refusal::Failed(s)
    }
}

/// One snapshot from one control socket; `Ok(None)` when nobody listens there any more.
pub fn query(path: &Path) -> Result<Option<Snapshot>, Refusal> {
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
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(match std::fs::symlink_metadata(path) {
                Ok(m) => Refusal::Closed(m.uid()),
                Err(_) => Refusal::Failed(e.to_string()),
            });
        }
        Err(e) => return Err(Refusal::Failed(e.to_string())),
    };
    let _ = s.set_read_timeout(Some(TIMEOUT));
    let _ = s.set_write_timeout(Some(TIMEOUT));
    // A stack that refuses us writes its reason and closes, perhaps before our request is
    // written: a failed write still leaves that reason to read.
    let sent = s.write_all(b"{\"op\":\"snapshot\"}\n");
    let mut line = String::new();
    let read = BufReader::new(s.take(MAX_REPLY)).read_line(&mut line);
    Ok(match (sent, read) {
        (_, Ok(n)) if n > 0 => Some(parse_reply(&line)?),
        (Err(e), _) => return Err(e.to_string().into()),
        (Ok(()), Err(e)) => return Err(e.to_string().into()),
        (Ok(()), Ok(_)) => {
            return Err(String::from("the stack closed the connection without a reply").into());
        }
    })
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
