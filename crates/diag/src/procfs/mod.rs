//! The `/proc/net/*` fallback: used per protocol when a sock_diag module is missing (many
//! kernels have no `raw_diag`), when netlink is refused, and on `--source proc`.
//!
//! The procfs root is a parameter so tests can point it at fixtures.

pub mod dev;
pub mod if_inet6;
pub mod igmp;
pub mod inet;
pub mod route;
pub mod snmp;
pub mod sockstat;
pub mod unix;

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rnetstat_model::error::Error;
use rnetstat_model::{Family, Proto, Socket};

/// Where `/proc` is.
#[derive(Debug, Clone)]
pub struct ProcRoot(pub PathBuf);

impl Default for ProcRoot {
    fn default() -> Self {
        ProcRoot(PathBuf::from("/proc"))
    }
}

impl ProcRoot {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// Whether `/proc/net` has a table in netstat's format for this protocol.
    pub fn has_table(proto: Proto) -> bool {
        matches!(proto, Proto::Tcp | Proto::Udp | Proto::Raw | Proto::Unix)
    }

    /// The table file for a protocol and family, e.g. `net/tcp6` (only where
    /// [`Self::has_table`]).
    pub fn table(proto: Proto, family: Family) -> &'static str {
        match (proto, family) {
            (Proto::Tcp, Family::Inet) => "net/tcp",
            (Proto::Tcp, _) => "net/tcp6",
            (Proto::Udp, Family::Inet) => "net/udp",
            (Proto::Udp, _) => "net/udp6",
            (Proto::Raw, Family::Inet) => "net/raw",
            (Proto::Raw, _) => "net/raw6",
            (Proto::Unix, _) => "net/unix",
            _ => "",
        }
    }

    /// Reads a table into `buf`. A missing file (IPv6 disabled, say) is an empty table.
    pub fn read_table(&self, rel: &str, buf: &mut String) -> Result<(), Error> {
        buf.clear();
        let path = self.path(rel);
        match read_into(&path, buf) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(Error::Proc { path, source }),
        }
    }

    /// The namespace's TCP counts (see [`sockstat`]); unreadable files give unknowns.
    pub fn tcp_counts(&self) -> sockstat::TcpCounts {
        let read = |rel: &str| fs::read_to_string(self.path(rel)).unwrap_or_default();
        sockstat::TcpCounts::parse(&read("net/sockstat"), &read("net/sockstat6"))
    }

    /// What netstat's unix table shows that sock_diag does not, from `/proc/net/unix`.
    pub fn unix_extras(&self) -> Result<UnixExtras, Error> {
        let mut text = String::new();
        self.read_table("net/unix", &mut text)?;
        let mut refcnt = HashMap::new();
        let mut embryos = Vec::new();
        for line in text.lines().skip(1) {
            let Ok(s) = unix::parse_line(line) else {
                continue;
            };
            if s.inode == 0 {
                embryos.push(line.to_string());
            } else if let Some(r) = s.refcnt {
                refcnt.insert(s.inode, r);
            }
        }
        Ok(UnixExtras { refcnt, embryos })
    }
}

/// netstat's unix columns that only `/proc/net/unix` has.
#[derive(Debug, Default)]
pub struct UnixExtras {
    /// inode → reference count (sock_diag does not report it).
    pub refcnt: HashMap<u32, u32>,
    /// "Embryo" sockets: the server half of a connection not yet accepted, which has no
    /// inode and is never dumped by unix_diag (it lives in the listener's queue), but
    /// which `/proc/net/unix` and so netstat list. Kept as their raw lines.
    pub embryos: Vec<String>,
}

fn read_into(path: &Path, buf: &mut String) -> io::Result<()> {
    use io::Read;
    let mut f = fs::File::open(path)?;
    let mut bytes = std::mem::take(buf).into_bytes();
    f.read_to_end(&mut bytes)?;
    // /proc tables are ASCII except unix paths, which may hold any bytes: keep what we can.
    *buf = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok(())
}

/// Parses every data line of a table, calling `on_socket` for each socket and `on_bad` with
/// (line number, reason) for each line that does not parse.
pub fn for_each<'b>(
    text: &'b str,
    proto: Proto,
    mut on_socket: impl FnMut(Socket<'b>) -> Result<(), Error>,
    mut on_bad: impl FnMut(usize, &'static str),
) -> Result<(), Error> {
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = match proto {
            Proto::Unix => unix::parse_line(line),
            p => inet::parse_line(line, p),
        };
        match parsed {
            Ok(s) => on_socket(s)?,
            Err(inet::BadLine(why)) => on_bad(i + 1, why),
        }
    }
    Ok(())
}
