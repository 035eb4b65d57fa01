//! cgroup v2 ids → paths, for `-ee`. The kernel reports a socket's cgroup by id
//! (`INET_DIAG_CGROUP_ID`); on cgroup2 the id is the inode number of the cgroup's
//! directory, so one walk of the mount maps every id to its path (ss keeps the same cache).

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::model::CgroupPaths;

/// Where cgroup2 is mounted: `/sys/fs/cgroup` on unified systems, `/sys/fs/cgroup/unified`
/// on hybrid ones (from `/proc/self/mounts`).
pub fn root() -> PathBuf {
    fs::read_to_string("/proc/self/mounts")
        .ok()
        .and_then(|m| {
            m.lines().find_map(|l| {
                let mut w = l.split_whitespace();
                let (_, dir, fstype) = (w.next()?, w.next()?, w.next()?);
                (fstype == "cgroup2").then(|| PathBuf::from(dir))
            })
        })
        .unwrap_or_else(|| PathBuf::from("/sys/fs/cgroup"))
}

/// Walks the cgroup2 mount at `root` (see [`root`]). Unreadable parts are
/// skipped; the map is then simply smaller.
pub fn scan(root: &Path) -> CgroupPaths {
    let mut map = CgroupPaths::new();
    let mut stack = vec![(root.to_path_buf(), String::from("/"))];
    while let Some((dir, rel)) = stack.pop() {
        if let Ok(m) = fs::metadata(&dir) {
            map.insert(m.ino(), rel.clone());
        }
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                let name = e.file_name().to_string_lossy().into_owned();
                let child = if rel == "/" {
                    format!("/{name}")
                } else {
                    format!("{rel}/{name}")
                };
                stack.push((e.path(), child));
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_directory_inodes_to_paths() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("user.slice/app.scope")).unwrap();
        let ino = fs::metadata(d.path().join("user.slice/app.scope"))
            .unwrap()
            .ino();
        let m = scan(d.path());
        assert_eq!(
            m.get(&ino).map(String::as_str),
            Some("/user.slice/app.scope")
        );
        assert_eq!(m.len(), 3);
    }
}
