//! The stack's control socket: a unix stream socket that serves JSON snapshots.
//!
//! Protocol: the client sends one line, `{"op":"snapshot"}`; the stack answers one line,
//! the [`Snapshot`] document or `{"error":"…"}`, and closes.
//! The socket lives in `$RNETSTAT_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/rnetstat/`, else
//! `/run/rnetstat/`, in a directory only its owner may write (0755: others may list it, so
//! a stack they may not query is still named to them), itself mode 0600 and named
//! `stack-PID-netINODE.sock` for the process and the network namespace it serves; every
//! connection's SO_PEERCRED uid must be the stack's owner or root. Each client is handled on its own
//! short-lived thread, with timeouts and a size limit, so a bad or slow client cannot
//! disturb the poll loop: the loop only ever sees well-formed requests through a channel.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, SyncSender, sync_channel};
use std::time::Duration;

use serde::Deserialize;

use rnetstat_diag::stack_reply::{self, Snapshot, runtime_dirs};

/// Longest request line accepted.
const MAX_REQUEST: u64 = 4096;
/// Clients served at the same time; more are turned away with an error.
const MAX_CLIENTS: usize = 16;
const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// What a client thread asks of the poll loop.
pub enum Request {
    Snapshot(SyncSender<Snapshot>),
    /// In-process only (the lab): a command for the driven socket. Never read from the
    /// control socket.
    Drive(
        super::driven::Command,
        SyncSender<Result<super::driven::Counts, String>>,
    ),
    /// In-process only (the lab): a link rule for one direction, from now on.
    Impair(super::tap::Dir, Vec<String>, SyncSender<Result<(), String>>),
}

pub(crate) struct ControlServer {
    pub listener: UnixListener,
    pub path: PathBuf,
    owner: u32,
    active: Arc<AtomicUsize>,
}

impl ControlServer {
    /// Binds `stack-PID-netINODE.sock` (0600) in the first runtime directory, creating
    /// that directory (0755) if it is missing; one that exists is used as it is (see
    /// [`private_dir`]). Sockets left there by stacks that died unannounced are removed.
    pub fn bind() -> io::Result<ControlServer> {
        let dir = runtime_dirs()
            .into_iter()
            .next()
            .unwrap_or_else(|| PathBuf::from("/run/rnetstat"));
        let existed = fs::symlink_metadata(&dir).is_ok();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(&dir)?;
        private_dir(&dir)?;
        if !existed {
            // Whatever the umask: others may list it, so that a stack they may not query
            // is still named to them.
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))?;
        }
        remove_stale(&dir);
        let path = dir.join(stack_reply::socket_name(
            std::process::id(),
            stack_reply::current_netns(),
        ));
        let _ = fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        rnetstat_sys::cleanup::remove_on_exit(&path);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
        listener.set_nonblocking(true)?;
        Ok(ControlServer {
            listener,
            path,
            owner: rnetstat_sys::geteuid(),
            active: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Accepts every pending client and hands each to its own thread. `wake` is written
    /// to after a request is queued so the poll loop looks at the channel.
    pub fn accept_all(&self, requests: &Sender<Request>, wake: &UnixStream) {
        while let Ok((stream, _)) = self.listener.accept() {
            let (requests, owner, active) = (requests.clone(), self.owner, self.active.clone());
            let Ok(wake) = wake.try_clone() else { continue };
            if active.fetch_add(1, Ordering::SeqCst) >= MAX_CLIENTS {
                active.fetch_sub(1, Ordering::SeqCst);
                let _ = reply_error(&stream, "busy: too many clients");
                continue;
            }
            let spawned = std::thread::Builder::new()
                .name("rnetstat-control".into())
                .spawn(move || {
                    let _ = serve_client(stream, owner, &requests, &wake);
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            if spawned.is_err() {
                self.active.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

/// Control sockets in `dir` (ours, not followed through links) whose stack process is
/// gone: a stack killed with SIGKILL cannot remove its own.
fn remove_stale(dir: &Path) {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = rnetstat_sys::geteuid();
    for e in entries.take(4096).flatten() {
        let Some((pid, _)) = e
            .file_name()
            .to_str()
            .and_then(stack_reply::parse_socket_name)
        else {
            continue;
        };
        let ours = fs::symlink_metadata(e.path())
            .is_ok_and(|m| m.file_type().is_socket() && m.uid() == me);
        if ours && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Checks that `dir` is a directory (not a symlink to one) of this user's that no one else
/// can write to. A directory that group or others may write to is refused, never changed
/// (it may be `/tmp`). Only then is it safe to bind the socket and set its mode by path:
/// no one else can swap what is there.
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::symlink_metadata(dir)?;
    let me = rnetstat_sys::geteuid();
    let refuse = |why: String| {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{}: {why}; not used for the control socket", dir.display()),
        ))
    };
    if !m.file_type().is_dir() {
        return refuse("not a directory (a symbolic link?)".into());
    }
    if m.uid() != me {
        return refuse(format!("belongs to uid {}, not to this user", m.uid()));
    }
    if m.mode() & 0o022 != 0 {
        return refuse(format!(
            "group or others may write to it (mode {:o})",
            m.mode() & 0o7777
        ));
    }
    Ok(())
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        rnetstat_sys::cleanup::forget(&self.path);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestLine {
    op: String,
}

/// Checks a request line; only `snapshot` exists.
pub fn parse_request(line: &str) -> Result<(), String> {
    let r: RequestLine =
        serde_json::from_str(line.trim()).map_err(|e| format!("malformed request: {e}"))?;
    match r.op.as_str() {
        "snapshot" => Ok(()),
        other => Err(format!("unknown op {other:?} (expected \"snapshot\")")),
    }
}

fn reply_error(mut stream: &UnixStream, msg: &str) -> io::Result<()> {
    let mut line = serde_json::to_vec(&serde_json::json!({ "error": msg }))?;
    line.push(b'\n');
    stream.write_all(&line)
}

fn serve_client(
    stream: UnixStream,
    owner: u32,
    requests: &Sender<Request>,
    mut wake: &UnixStream,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let cred = rustix::net::sockopt::socket_peercred(&stream)?;
    let uid = cred.uid.as_raw();
    if uid != owner && uid != 0 {
        return reply_error(&stream, "permission denied: only the stack's owner or root");
    }
    let mut line = String::new();
    let read = BufReader::new((&stream).take(MAX_REQUEST)).read_line(&mut line);
    if let Err(e) = read {
        return reply_error(&stream, &format!("could not read the request: {e}"));
    }
    if let Err(msg) = parse_request(&line) {
        return reply_error(&stream, &msg);
    }
    let (tx, rx) = sync_channel(1);
    if requests.send(Request::Snapshot(tx)).is_err() {
        return reply_error(&stream, "the stack is shutting down");
    }
    let _ = wake.write(&[1]);
    let Ok(snap) = rx.recv_timeout(IO_TIMEOUT) else {
        return reply_error(&stream, "the stack did not answer in time");
    };
    let mut out = serde_json::to_vec(&snap)?;
    out.push(b'\n');
    (&stream).write_all(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked() {
        assert_eq!(parse_request("{\"op\":\"snapshot\"}\n"), Ok(()));
        for bad in [
            "",
            "snapshot",
            "{\"op\":1}",
            "{\"op\":\"kill\"}",
            "{\"op\":\"snapshot\",\"x\":1}",
            "\u{0}\u{ff}",
        ] {
            assert!(parse_request(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_socket_directory_must_be_ours_and_closed_to_writers() {
        // Guards against a runtime directory someone else owns, or a symlink, letting them
        // swap the socket for a link between bind and chmod.
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let d = tempfile::tempdir().unwrap();
        let open = d.path().join("open");
        fs::create_dir(&open).unwrap();
        // Open to writers: refused and left as it was.
        fs::set_permissions(&open, fs::Permissions::from_mode(0o1777)).unwrap();
        let e = private_dir(&open).unwrap_err().to_string();
        assert!(
            e.contains("group or others may write to it (mode 1777)"),
            "{e}"
        );
        assert_eq!(fs::metadata(&open).unwrap().mode() & 0o7777, 0o1777);
        // Private: used as it is.
        fs::set_permissions(&open, fs::Permissions::from_mode(0o700)).unwrap();
        private_dir(&open).unwrap();
        assert_eq!(fs::metadata(&open).unwrap().mode() & 0o777, 0o700);
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&open, &link).unwrap();
        assert!(private_dir(&link).is_err());
        if rnetstat_sys::geteuid() == 0 {
            std::os::unix::fs::chown(&open, Some(65534), None).unwrap();
            let e = private_dir(&open).unwrap_err().to_string();
            assert!(e.contains("belongs to uid 65534"), "{e}");
        }
    }
}
