//! Which processes hold which sockets (`-p`), from `/proc/<pid>/fd/*` links.
//!
//! A socket shared after fork or passed over a unix socket has several holders, so every
//! (pid, fd) is kept, in a flat table sorted by inode so lookups allocate nothing. The walk
//! itself (`walk`) runs on every core with one `readlinkat` per fd. Processes and fds that
//! vanish mid-walk are skipped: that is normal on a live system.

mod index;
mod walk;

use std::fs;

use rnetstat_sys::hash::Map;

use super::procfs::ProcRoot;

/// One holder of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub fd: u32,
}

/// What we know of a process that holds sockets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcInfo {
    /// `comm`, the kernel's name for the task (as ss and lsof show it).
    pub comm: String,
    /// netstat's "PID/Program name" cell: the pid, `/`, and argv\[0\] (its basename when it
    /// is an absolute path), printable ASCII only, cut to 19 bytes.
    pub netstat_name: String,
}

/// The socket → holders table.
#[derive(Debug, Default)]
pub struct Owners {
    /// (inode, holder), sorted by inode, then pid and fd (netstat shows the lowest pid).
    entries: Vec<(u32, Holder)>,
    /// Where each inode's entries start ([`index`]).
    buckets: index::Buckets,
    procs: Map<u32, ProcInfo>,
    /// Some process's fds could not be read (EACCES): not every owner is known.
    pub incomplete: bool,
    /// No process's fds could be read at all.
    pub nothing_readable: bool,
}

impl Owners {
    /// Every holder of `inode`, lowest pid first.
    pub fn holders(&self, inode: u32) -> &[(u32, Holder)] {
        if inode == 0 {
            return &[];
        }
        let bucket = &self.entries[self.buckets.range(inode, self.entries.len())];
        let start = bucket.partition_point(|e| e.0 < inode);
        // A socket has one holder or a few: walk them rather than search again.
        let n = bucket[start..].iter().take_while(|e| e.0 == inode).count();
        &bucket[start..start + n]
    }

    pub fn process(&self, pid: u32) -> Option<&ProcInfo> {
        self.procs.get(&pid)
    }

    /// A table from what was recorded: each socket's inode with the pid, `comm` and
    /// netstat's program name that held it (`--at`). netstat's cell is `pid/program`
    /// (`pid/comm` when no program was recorded), cut as a walk cuts it.
    pub fn from_records(
        records: impl IntoIterator<Item = (u32, u32, String, Option<String>)>,
    ) -> Owners {
        let mut o = Owners::default();
        for (inode, pid, comm, program) in records {
            o.entries.push((inode, Holder { pid, fd: 0 }));
            o.procs.entry(pid).or_insert_with(|| {
                // netstat's cell from the name recorded as netstat made it, else from comm.
                let mut cell = format!("{pid}/");
                cell.extend(program.as_deref().unwrap_or(&comm).chars().map(|c| {
                    if c.is_ascii_graphic() || c == ' ' {
                        c
                    } else {
                        '?'
                    }
                }));
                cell.truncate(cell.char_indices().nth(19).map_or(cell.len(), |(i, _)| i));
                ProcInfo {
                    comm,
                    netstat_name: cell,
                }
            });
        }
        o.entries.sort_unstable_by_key(|&(i, h)| (i, h.pid, h.fd));
        // A socket recorded in several rows (its events) holds one process once.
        o.entries.dedup_by_key(|&mut (i, h)| (i, h.pid));
        o.buckets = index::Buckets::new(o.entries.iter().map(|e| e.0));
        o
    }

    /// Walks `<root>/<pid>/fd` for every process, on every core (see `walk`).
    pub fn scan(root: &ProcRoot) -> Owners {
        walk::walk(root, walk::Plan::for_this_machine())
    }
}

fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    u32::try_from(n).ok()
}

/// `socket:[12345]` → 12345 (the form of fs/proc's link for a socket fd).
pub(crate) fn socket_inode(link: &[u8]) -> Option<u32> {
    parse_u32(link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?)
}

fn read_proc_info(root: &ProcRoot, pid: u32) -> ProcInfo {
    let dir = root.0.join(pid.to_string());
    let comm = fs::read(dir.join("comm"))
        .map(|b| String::from_utf8_lossy(b.strip_suffix(b"\n").unwrap_or(&b)).into_owned())
        .unwrap_or_default();
    let cmdline = fs::read(dir.join("cmdline")).unwrap_or_default();
    ProcInfo {
        netstat_name: netstat_program(pid, &cmdline),
        comm,
    }
}

/// netstat's program cell from a raw `cmdline` (see `prg_cache_load` in net-tools' netstat.c
/// for the behaviour: first 511 bytes, argv[0] only, non-printable ASCII → '.', basename of
/// an absolute path, the whole cell cut to 19 bytes).
pub(crate) fn netstat_program(pid: u32, cmdline: &[u8]) -> String {
    let head = &cmdline[..cmdline.len().min(511)];
    let argv0 = head.split(|&c| c == 0).next().unwrap_or(&[]);
    let name = if argv0.first() == Some(&b'/') {
        let at = argv0.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
        &argv0[at..]
    } else {
        argv0
    };
    let mut cell = pid.to_string();
    cell.push('/');
    cell.extend(name.iter().map(|&c| {
        if (b' '..=b'~').contains(&c) {
            c as char
        } else {
            '.'
        }
    }));
    cell.truncate(19);
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_links() {
        assert_eq!(socket_inode(b"socket:[12345]"), Some(12345));
        assert_eq!(socket_inode(b"socket:[]"), None);
        assert_eq!(socket_inode(b"socket:[99999999999]"), None);
        assert_eq!(socket_inode(b"pipe:[1]"), None);
        assert_eq!(socket_inode(b"/dev/null"), None);
    }

    #[test]
    fn netstat_program_cells() {
        assert_eq!(netstat_program(42, b"/usr/sbin/sshd\0-D\0"), "42/sshd");
        assert_eq!(
            netstat_program(7, b"sshd: root@pts/0\0"),
            "7/sshd: root@pts/0"
        );
        assert_eq!(netstat_program(7, b"a\x1bb\0"), "7/a.b");
        assert_eq!(netstat_program(7, b""), "7/");
        assert_eq!(
            netstat_program(1234567, b"/bin/averyveryverylongname"),
            "1234567/averyveryve"
        );
        assert_eq!(netstat_program(7, "/x/h\u{e9}".as_bytes()), "7/h..");
    }

    #[test]
    fn holders_lookup() {
        let h = |pid| Holder { pid, fd: 3 };
        let o = Owners {
            entries: vec![(5, h(1)), (7, h(1)), (7, h(2)), (9, h(3))],
            ..Default::default()
        };
        assert_eq!(o.holders(7).len(), 2);
        assert_eq!(o.holders(7)[0].1.pid, 1);
        assert!(o.holders(6).is_empty());
        assert!(o.holders(0).is_empty());
        assert_eq!(o.holders(9).len(), 1);
    }
}
