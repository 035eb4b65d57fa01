//! Finding every network namespace on the host, each once.
//!
//! A namespace lives as long as something holds it: a process (or one of its threads), a
//! bind mount of its nsfs file (`ip netns add`, container runtimes), or an open fd. The first
//! two are visible: `/proc/*/ns/net`, `/proc/*/task/*/ns/net`, and every `nsfs` mount in
//! `/proc/self/mountinfo`. They are deduplicated by the namespace's inode, read with
//! `stat` (which follows the magic link to the nsfs inode; `lstat` would give the link's).
//! A namespace only an fd holds (no process, no mount) cannot be found by anyone.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::enter::Door;
use crate::procfs::ProcRoot;

/// Directories whose entries name namespaces: `ip netns`'s (podman binds its own there too)
/// and docker's.
pub const NAMED_DIRS: [&str; 3] = ["/run/netns", "/var/run/netns", "/run/docker/netns"];

/// The initial network namespace's fixed inode on newer kernels (include/linux/proc_ns.h
/// `PROC_NET_INIT_INO`, after the other `PROC_*_INIT_INO`s); older kernels number it like
/// any other namespace.
pub(crate) const NET_INIT_INO: u64 = 0xEFFF_FFF9;

/// The first inode the kernel hands out to a new namespace; fixed init inodes lie below.
pub(crate) const PROC_DYNAMIC_FIRST: u64 = 0xF000_0000;

/// Which inode is the host's: pid 1's namespace when pid 1 can be looked at (in some
/// sandboxes even root may not), else the kernel's fixed init inode when that namespace
/// exists, else `current`.
pub(crate) fn host_inode(proc_root: &ProcRoot, current: u64, exists: impl Fn(u64) -> bool) -> u64 {
    inode(&proc_root.path("1/ns/net"))
        .or_else(|| exists(NET_INIT_INO).then_some(NET_INIT_INO))
        .unwrap_or(current)
}

/// A namespace as discovery found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub door: Door,
    /// Its name when bound under one of [`NAMED_DIRS`].
    pub name: Option<String>,
    /// The processes (thread-group ids) with at least one thread in it, ascending.
    pub pids: Vec<u32>,
}

/// Every namespace found, by inode, and which is the host's.
#[derive(Debug, Default)]
pub struct Discovery {
    pub found: BTreeMap<u64, Found>,
    /// The initial namespace (see `host_inode`).
    pub host: u64,
}

/// The inode of a namespace file, following the link.
pub fn inode(path: &Path) -> Option<u64> {
    fs::metadata(path).ok().map(|m| m.ino())
}

/// Walks `/proc` and the mount table.
pub fn discover(proc_root: &ProcRoot) -> Discovery {
    let mut d = Discovery::default();
    if let Ok(dir) = fs::read_dir(&proc_root.0) {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let base = e.path();
            let ns = base.join("ns/net");
            let Some(ino) = inode(&ns) else { continue };
            d.add(ino, ns, None, Some(pid));
            // Threads may have entered other namespaces (setns is per thread). A task
            // directory's link count is 2 + its threads (fs/proc/base.c
            // `proc_task_getattr`): one `stat` spares listing it for a single thread.
            let task_dir = base.join("task");
            if fs::metadata(&task_dir).is_ok_and(|m| m.nlink() <= 3) {
                continue;
            }
            let Ok(tasks) = fs::read_dir(task_dir) else {
                continue;
            };
            for t in tasks.flatten() {
                if t.file_name().to_str() == Some(&pid.to_string()) {
                    continue;
                }
                let tns = t.path().join("ns/net");
                if let Some(tino) = inode(&tns).filter(|&i| i != ino) {
                    d.add(tino, tns, None, Some(pid));
                }
            }
        }
    }
    let mountinfo = fs::read_to_string(proc_root.path("self/mountinfo")).unwrap_or_default();
    for point in nsfs_mounts(&mountinfo) {
        if let Some(ino) = inode(&point) {
            let name = bound_name(&point);
            d.add(ino, point, name, None);
        }
    }
    for f in d.found.values_mut() {
        f.pids.sort_unstable();
        f.pids.dedup();
    }
    let current = inode(&proc_root.path("thread-self/ns/net")).unwrap_or(0);
    d.host = host_inode(proc_root, current, |i| d.found.contains_key(&i));
    d
}

impl Discovery {
    fn add(&mut self, inode: u64, path: PathBuf, name: Option<String>, pid: Option<u32>) {
        let f = self.found.entry(inode).or_insert_with(|| Found {
            door: Door {
                path: path.clone(),
                inode,
            },
            name: None,
            pids: Vec::new(),
        });
        pid.into_iter().for_each(|p| f.pids.push(p));
        if name.is_some() {
            // A bind mount outlives any process: enter through it.
            f.door.path = path;
            if f.name.is_none() {
                f.name = name;
            }
        }
    }
}

/// The mount points of network namespaces in a `mountinfo` text (proc(5)): fields are
/// `id parent major:minor root mountpoint options [optional…] - fstype source super`; an
/// nsfs mount's root is `net:[INODE]` for a network namespace.
pub fn nsfs_mounts(mountinfo: &str) -> Vec<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let (pre, post) = l.split_once(" - ")?;
            if post.split(' ').next()? != "nsfs" {
                return None;
            }
            let mut f = pre.split(' ');
            let root = f.nth(3)?;
            let point = f.next()?;
            root.starts_with("net:[")
                .then(|| PathBuf::from(unescape(point)))
        })
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as `\NNN` octal.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = b[i + 1..i + 4]
                .iter()
                .fold(0u32, |a, c| a * 8 + u32::from(c - b'0'));
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The name of a namespace bound directly under one of [`NAMED_DIRS`].
pub(crate) fn bound_name(point: &Path) -> Option<String> {
    let parent = point.parent()?;
    NAMED_DIRS
        .iter()
        .any(|d| parent == Path::new(d))
        .then(|| point.file_name()?.to_str().map(str::to_string))
        .flatten()
}

/// The name under [`NAMED_DIRS`] of the namespace with `inode`, by looking in those
/// directories (cheaper than the mount table when only one namespace matters).
pub(crate) fn name_of(inode: u64) -> Option<String> {
    NAMED_DIRS.iter().find_map(|d| {
        fs::read_dir(d).ok()?.flatten().find_map(|e| {
            (self::inode(&e.path()) == Some(inode))
                .then(|| e.file_name().to_str().map(str::to_string))
                .flatten()
        })
    })
}

/// The names bound under [`NAMED_DIRS`], sorted (for messages).
pub fn names() -> Vec<String> {
    let mut v: Vec<String> = NAMED_DIRS
        .iter()
        .filter_map(|d| fs::read_dir(d).ok())
        .flat_map(|r| r.flatten())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsfs_mounts_of_network_namespaces_only() {
        let mi = "\
22 1 0:21 / /proc rw,nosuid - proc proc rw
44 42 0:4 net:[4026532177] /run/netns/netns-fb90c03a rw shared:2 - nsfs nsfs rw
45 42 0:4 net:[4026532178] /run/netns/with\\040space rw - nsfs nsfs rw
46 42 0:4 mnt:[4026532179] /run/mntns/x rw - nsfs nsfs rw
47 42 0:4 net:[4026532180] /tmp/elsewhere rw shared:9 master:3 - nsfs nsfs rw
bogus line
";
        assert_eq!(
            nsfs_mounts(mi),
            vec![
                PathBuf::from("/run/netns/netns-fb90c03a"),
                PathBuf::from("/run/netns/with space"),
                PathBuf::from("/tmp/elsewhere"),
            ]
        );
    }

    #[test]
    fn names_come_from_the_netns_directories_only() {
        assert_eq!(
            bound_name(Path::new("/run/netns/blue")).as_deref(),
            Some("blue")
        );
        assert_eq!(
            bound_name(Path::new("/run/docker/netns/1a2b")).as_deref(),
            Some("1a2b")
        );
        assert_eq!(bound_name(Path::new("/tmp/blue")), None);
        assert_eq!(bound_name(Path::new("/run/netns/sub/blue")), None);
    }

    #[test]
    fn unescape_octal() {
        assert_eq!(unescape(r"a\040b\134c\01"), "a b\\c\\01");
    }
}
