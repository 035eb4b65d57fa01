//! Entering a network namespace, on a thread of its own.
//!
//! `setns(2)` changes the calling thread only. Every entry here happens on a thread made for
//! it, which ends when the work inside is done, so no other thread of rnetstat ever sees
//! another namespace. What survives the thread is only what the work returns: a netlink
//! socket opened inside stays bound to that namespace for its whole life (the kernel ties a
//! socket to the namespace it was created in, `sock_net`), and so does a `/proc/thread-self/net`
//! file opened there.

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustix::thread::{LinkNameSpaceType, move_into_link_name_space};

use crate::procfs::ProcRoot;

/// Why a namespace could not be entered.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// Its last process exited and no bind mount holds it, or it was unmounted.
    #[error("{0}: the namespace is gone")]
    Vanished(PathBuf),
    /// `setns` needs CAP_SYS_ADMIN over the namespace's owning user namespace.
    #[error("{0}: entering it needs root (CAP_SYS_ADMIN)")]
    Refused(PathBuf),
    /// The file is not a network namespace.
    #[error("{0}: not a network namespace")]
    NotNetns(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// How to reach a namespace: a path to open (`/proc/PID/ns/net`, a bind mount) and the
/// inode it must have, so a pid reused between discovery and entry is noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Door {
    pub path: PathBuf,
    pub inode: u64,
}

impl Door {
    /// Opens the door and checks it still leads to the namespace it was found as.
    fn open(&self) -> Result<File, NetnsError> {
        let f = File::open(&self.path).map_err(|e| classify(&self.path, e))?;
        let st = rustix::fs::fstat(&f).map_err(|e| classify(&self.path, e.into()))?;
        if self.inode != 0 && st.st_ino != self.inode {
            return Err(NetnsError::Vanished(self.path.clone()));
        }
        Ok(f)
    }
}

fn classify(path: &Path, e: io::Error) -> NetnsError {
    match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ESRCH) => NetnsError::Vanished(path.to_path_buf()),
        Some(libc::EPERM) | Some(libc::EACCES) => NetnsError::Refused(path.to_path_buf()),
        Some(libc::EINVAL) => NetnsError::NotNetns(path.to_path_buf()),
        _ => NetnsError::Io {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

fn setns(door: &Door, f: &File) -> Result<(), NetnsError> {
    move_into_link_name_space(f.as_fd(), Some(LinkNameSpaceType::Network))
        .map_err(|e| classify(&door.path, e.into()))
}

/// The `/proc` root that shows the calling thread's own namespace in `net/…`.
pub(crate) fn thread_root(proc_root: &ProcRoot) -> ProcRoot {
    ProcRoot(proc_root.path("thread-self"))
}

/// Runs `f` inside the namespace behind `door`, on a new thread that ends with it. `f` gets
/// the `/proc` root whose `net/` is that namespace's.
pub fn run<T: Send>(
    door: &Door,
    proc_root: &ProcRoot,
    f: impl FnOnce(&ProcRoot) -> T + Send,
) -> Result<T, NetnsError> {
    let file = door.open()?;
    let root = thread_root(proc_root);
    std::thread::scope(|s| {
        s.spawn(|| {
            setns(door, &file)?;
            Ok(f(&root))
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Runs `f` once inside each namespace behind `doors`, on at most `workers` threads that
/// each enter one namespace after another; the results come back in the doors' order.
pub fn each<T: Send>(
    doors: &[&Door],
    proc_root: &ProcRoot,
    workers: usize,
    f: impl Fn(&ProcRoot) -> T + Sync,
) -> Vec<Result<T, NetnsError>> {
    if doors.is_empty() {
        // The usual run, in rnetstat's own namespace only: no thread at all.
        return Vec::new();
    }
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Result<T, NetnsError>>>> =
        Mutex::new((0..doors.len()).map(|_| None).collect());
    let root = thread_root(proc_root);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(door) = doors.get(i) else { break };
            let r = door.open().and_then(|file| {
                setns(door, &file)?;
                Ok(f(&root))
            });
            if let Ok(mut s) = slots.lock() {
                s[i] = Some(r);
            }
        }
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.clamp(1, doors.len().max(1)))
            .map(|_| s.spawn(work))
            .collect();
        for h in handles {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .zip(doors)
        .map(|(r, d)| {
            r.unwrap_or_else(|| {
                Err(NetnsError::Io {
                    path: d.path.clone(),
                    source: io::Error::other("not visited"),
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gone_or_replaced_namespaces_are_told_apart_from_refusals() {
        let root = ProcRoot::default();
        let gone = Door {
            path: PathBuf::from("/proc/self/ns/no-such-namespace"),
            inode: 1,
        };
        assert!(matches!(
            run(&gone, &root, |_| ()),
            Err(NetnsError::Vanished(_))
        ));
        // The same path now leads elsewhere (a pid reused since discovery).
        let here = std::fs::metadata("/proc/self/ns/net").map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.ino()
        });
        let moved = Door {
            path: PathBuf::from("/proc/self/ns/net"),
            inode: here.unwrap() + 1,
        };
        assert!(matches!(
            run(&moved, &root, |_| ()),
            Err(NetnsError::Vanished(_))
        ));
        // Results keep the doors' order, each with its own outcome.
        let r = each(&[&gone, &moved], &root, 2, |_| 7);
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|r| matches!(r, Err(NetnsError::Vanished(_)))));
    }

    #[test]
    fn a_namespace_of_another_kind_is_not_entered() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipping a_namespace_of_another_kind_is_not_entered: needs root");
            return;
        }
        let uts = Door {
            path: PathBuf::from("/proc/self/ns/uts"),
            inode: 0,
        };
        let r = run(&uts, &ProcRoot::default(), |_| ());
        assert!(matches!(r, Err(NetnsError::NotNetns(_))), "{r:?}");
    }
}
