//! The walk of `/proc/<pid>/fd` behind `-p`, spread over threads.
//!
//! Reading the links is nearly all of `-p`'s cost at scale: listing a process's fd
//! directory makes the kernel build a dentry and inode per fd, and each `readlinkat` looks
//! one name up and checks ptrace access (fs/proc/fd.c). The work is cut into tasks: one per
//! process, and a process with many fds into ranges of fd numbers, since procfs lets a
//! reader seek straight to fd N at directory offset N + 2 (`proc_readfd_common`) and
//! `stat` on the directory gives the number of open fds (Linux ≥ 6.2; 0 before, which just
//! means no split). Threads take tasks from one queue and keep their own results, merged
//! once at the end. One `openat` per task, one `readlinkat` per fd, no allocation per fd.

use std::collections::HashSet;
use std::ffi::CStr;
use std::io::Write as _;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Condvar, Mutex};
use std::thread;

use rustix::fs::{CWD, Mode, OFlags, PROC_SUPER_MAGIC, RawDir, SeekFrom};
use rustix::io::Errno;

use super::{Holder, Owners, ProcInfo, parse_u32, read_proc_info, socket_inode};
use crate::procfs::ProcRoot;

/// How the walk is cut up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Fds per task when a process is split (only on procfs, where offsets are fd numbers).
    pub chunk: u32,
    /// Threads, the calling one included.
    pub threads: usize,
}

impl Plan {
    /// One thread per core, at most 8; 4096 fds per task.
    pub fn for_this_machine() -> Plan {
        Plan {
            chunk: 4096,
            threads: rnetstat_sys::cores().min(8),
        }
    }
}

/// fds `from..to` of one process; `from == 0` is the task that may split the rest off.
#[derive(Debug, Clone, Copy)]
struct Task {
    pid: u32,
    from: u32,
    to: u32,
}

/// Tasks left, and how many are being worked on (a busy worker may still add tasks, so an
/// empty queue alone does not mean the walk is over).
struct Queue {
    state: Mutex<(Vec<Task>, usize)>,
    changed: Condvar,
}

impl Queue {
    fn take(&self) -> Option<Task> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(t) = s.0.pop() {
                s.1 += 1;
                return Some(t);
            }
            if s.1 == 0 {
                return None;
            }
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn add(&self, more: impl Iterator<Item = Task>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0.extend(more);
        self.changed.notify_all();
    }

    fn done(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.1 -= 1;
        if s.1 == 0 && s.0.is_empty() {
            self.changed.notify_all();
        }
    }
}

/// A task in progress; dropping it tells the queue.
struct Busy<'a>(&'a Queue);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.done();
    }
}

/// What one thread found.
#[derive(Default)]
struct Found {
    entries: Vec<(u32, Holder)>,
    procs: Vec<(u32, ProcInfo)>,
    incomplete: bool,
    readable: bool,
}

struct Walk<'a> {
    root: &'a ProcRoot,
    proc_dir: OwnedFd,
    /// The root is procfs, so directory offsets are fd numbers and tasks may split.
    seekable: bool,
    chunk: u32,
    queue: Queue,
    /// Processes whose name has been read (by whichever thread first found a socket).
    named: Mutex<HashSet<u32>>,
}

/// Walks `<root>/<pid>/fd` for every process.
pub fn walk(root: &ProcRoot, plan: Plan) -> Owners {
    let mut o = Owners::default();
    let Ok(proc_dir) = open_dir(CWD, root.0.as_path()) else {
        o.nothing_readable = true;
        return o;
    };
    let mut tasks = Vec::new();
    let mut buf = vec![MaybeUninit::uninit(); 16 * 1024];
    let mut dir = RawDir::new(&proc_dir, &mut buf);
    while let Some(Ok(ent)) = dir.next() {
        if let Some(pid) = parse_u32(ent.file_name().to_bytes()) {
            tasks.push(Task {
                pid,
                from: 0,
                to: u32::MAX,
            });
        }
    }
    // Popped from the end: lowest pids first, like a sequential walk.
    tasks.reverse();
    let seekable = rustix::fs::fstatfs(&proc_dir).is_ok_and(|s| s.f_type == PROC_SUPER_MAGIC);
    let w = Walk {
        root,
        proc_dir,
        seekable,
        chunk: plan.chunk.max(1),
        queue: Queue {
            state: Mutex::new((tasks, 0)),
            changed: Condvar::new(),
        },
        named: Mutex::new(HashSet::new()),
    };
    let found: Vec<Found> = thread::scope(|s| {
        let helpers: Vec<_> = (1..plan.threads.max(1))
            .filter_map(|_| thread::Builder::new().spawn_scoped(s, || w.worker()).ok())
            .collect();
        let mut all = vec![w.worker()];
        all.extend(helpers.into_iter().filter_map(|h| h.join().ok()));
        all
    });
    let mut procs = rnetstat_sys::hash::Map::default();
    let mut readable = false;
    for f in found {
        o.entries.extend(f.entries);
        procs.extend(f.procs);
        o.incomplete |= f.incomplete;
        readable |= f.readable;
    }
    o.procs = procs;
    o.nothing_readable = !readable;
    // Within an inode, lowest pid first: the holder netstat shows (it keeps the first
    // found, walking /proc in pid order).
    o.entries
        .sort_unstable_by_key(|&(inode, h)| (inode, h.pid, h.fd));
    o.buckets = super::index::Buckets::new(o.entries.iter().map(|e| e.0));
    o
}

impl Walk<'_> {
    fn worker(&self) -> Found {
        let mut f = Found::default();
        let mut buf = vec![MaybeUninit::uninit(); 32 * 1024];
        while let Some(t) = self.queue.take() {
            // Marks the task done even if `run` unwinds, so no other thread waits forever.
            let _busy = Busy(&self.queue);
            self.run(t, &mut f, &mut buf);
        }
        f
    }

    fn run(&self, t: Task, f: &mut Found, buf: &mut [MaybeUninit<u8>]) {
        let mut path = [0u8; 24];
        let Some(name) = fd_dir_name(t.pid, &mut path) else {
            return;
        };
        let dir = match open_dir(&self.proc_dir, name) {
            Ok(d) => d,
            Err(Errno::ACCESS) | Err(Errno::PERM) => {
                f.incomplete = true;
                return;
            }
            Err(_) => return, // gone, or a kernel thread
        };
        f.readable = true;
        let mut to = t.to;
        if t.from > 0 {
            if rustix::fs::seek(&dir, SeekFrom::Start(u64::from(t.from) + 2)).is_err() {
                return;
            }
        } else if self.seekable {
            let open = rustix::fs::fstat(&dir).map_or(0, |st| st.st_size.max(0) as u64);
            let open = u32::try_from(open).unwrap_or(u32::MAX);
            if open > self.chunk {
                let n = open.div_ceil(self.chunk);
                let chunk = self.chunk;
                to = chunk;
                self.queue.add((1..n).map(|c| Task {
                    pid: t.pid,
                    from: c * chunk,
                    to: if c + 1 == n {
                        u32::MAX
                    } else {
                        (c + 1) * chunk
                    },
                }));
            }
        }
        let before = f.entries.len();
        let mut link = [0u8; 64];
        let mut fds = RawDir::new(&dir, buf);
        while let Some(Ok(ent)) = fds.next() {
            let name = ent.file_name();
            let Some(fd) = parse_u32(name.to_bytes()) else {
                continue; // "." and ".."
            };
            if fd >= to {
                break; // procfs lists fds in ascending order
            }
            let Ok(n) = rustix::fs::readlinkat_raw(&dir, name, &mut link[..]) else {
                continue;
            };
            if let Some(inode) = socket_inode(&link[..n.min(link.len())]) {
                f.entries.push((inode, Holder { pid: t.pid, fd }));
            }
        }
        if f.entries.len() > before
            && self
                .named
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(t.pid)
        {
            f.procs.push((t.pid, read_proc_info(self.root, t.pid)));
        }
    }
}

/// `"<pid>/fd\0"` in `buf`, without allocating (once per task, not per fd).
fn fd_dir_name(pid: u32, buf: &mut [u8; 24]) -> Option<&CStr> {
    let mut rest = &mut buf[..];
    write!(rest, "{pid}/fd\0").ok()?;
    let len = 24 - rest.len();
    CStr::from_bytes_with_nul(&buf[..len]).ok()
}

fn open_dir<Fd: AsFd, P: rustix::path::Arg>(at: Fd, p: P) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(
        at,
        p,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    #[test]
    fn fd_dir_names() {
        let mut b = [0u8; 24];
        assert_eq!(fd_dir_name(0, &mut b).unwrap().to_bytes(), b"0/fd");
        assert_eq!(
            fd_dir_name(4_294_967_295, &mut b).unwrap().to_bytes(),
            b"4294967295/fd"
        );
        assert_eq!(fd_dir_name(1234, &mut b).unwrap().to_bytes(), b"1234/fd");
    }

    /// Guards the split: seeking into /proc/<pid>/fd must neither skip nor repeat an fd,
    /// whatever the chunk size and thread count.
    #[test]
    fn split_walks_find_exactly_what_one_walk_finds() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut held = Vec::new();
        for _ in 0..40 {
            held.push(TcpStream::connect(l.local_addr().unwrap()).unwrap());
            held.push(l.accept().unwrap().0);
        }
        let root = ProcRoot::default();
        let me = std::process::id();
        // Only this test's own fds: other tests of this process open and close sockets
        // while it runs (regression: two of theirs, opened between walks, failed it).
        let ours: Vec<u32> = held
            .iter()
            .map(|s| s.as_raw_fd() as u32)
            .chain([l.as_raw_fd() as u32])
            .collect();
        let mine = |o: &Owners| -> Vec<(u32, u32)> {
            let mut v: Vec<_> = o
                .entries
                .iter()
                .filter(|e| e.1.pid == me && ours.contains(&e.1.fd))
                .map(|e| (e.0, e.1.fd))
                .collect();
            v.sort_unstable();
            v
        };
        let whole = walk(
            &root,
            Plan {
                chunk: u32::MAX,
                threads: 1,
            },
        );
        let reference = mine(&whole);
        for s in &held {
            let fd = s.as_raw_fd() as u32;
            assert!(reference.iter().any(|e| e.1 == fd), "fd {fd} not found");
        }
        assert!(whole.process(me).is_some());
        for (chunk, threads) in [(1, 1), (4, 2), (7, 3), (16, 8)] {
            let split = walk(&root, Plan { chunk, threads });
            assert_eq!(mine(&split), reference, "chunk {chunk}, {threads} threads");
            assert!(split.process(me).is_some());
        }
    }
}
