//! cgroup v2 ids → paths, for `-ee`. The kernel reports a socket's cgroup by id
//! (`INET_DIAG_CGROUP_ID`); on cgroup2 the id is the inode number of the cgroup's
//! directory, so one walk of the mount maps every id to its path (ss keeps the same cache).

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use rnetstat_model::CgroupPaths;

/// Walks the cgroup2 mount at `root` (see [`rnetstat_sys::cgroup2_root`]). Unreadable parts are
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
