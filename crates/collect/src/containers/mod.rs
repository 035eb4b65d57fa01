//! Container attribution: which container a network namespace belongs to.
//!
//! A pass over data, not part of any decoder: the processes living in a namespace (from
//! discovery) → their cgroup path (`/proc/PID/cgroup`) → a runtime and container id
//! ([`cgroup`]) → the container's name from the runtime's files on disk ([`names`]). The
//! lowest pid that names a container wins; in a pod that is usually the sandbox, which
//! holds the pod's namespace. The host's own namespace has no container.

pub use rnetstat_diag::containers::{cgroup, names, ports};

use std::fs;
use std::os::unix::fs::MetadataExt;

use crate::procfs::ProcRoot;
use rnetstat_model::Container;

pub use names::RuntimeFiles;

/// How many of a namespace's processes are looked at before giving up.
const TRIES: usize = 16;

/// The container whose processes are `pids` (ascending), if their cgroups name one.
pub fn attribute(
    pids: &[u32],
    proc_root: &ProcRoot,
    files: &mut RuntimeFiles,
) -> Option<Container> {
    pids.iter().take(TRIES).find_map(|&pid| {
        let text = fs::read_to_string(proc_root.path(&format!("{pid}/cgroup"))).ok()?;
        let m = cgroup::parse(&text)?;
        // Rootless podman keeps its storage in the owner's home.
        let uid = fs::metadata(proc_root.path(&pid.to_string())).ok()?.uid();
        let home = (uid != 0).then(|| rnetstat_sys::home_dir(uid)).flatten();
        let named = files.lookup(m.runtime, &m.id, m.pod_uid.as_deref(), home.as_deref());
        Some(Container {
            runtime: m.runtime,
            id: m.id,
            name: named.name,
            pod: named.pod,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_process_with_a_container_cgroup_wins() {
        let d = tempfile::tempdir().unwrap();
        let id = "ab".repeat(32);
        let put = |pid: u32, cg: &str| {
            let p = d.path().join(pid.to_string());
            fs::create_dir_all(&p).unwrap();
            fs::write(p.join("cgroup"), cg).unwrap();
        };
        put(10, "0::/machine.slice/libpod-conmon-x.scope\n");
        put(11, &format!("0::/libpod_parent/libpod-{id}\n"));
        let mut files = RuntimeFiles::new(d.path().join("none"));
        let root = ProcRoot(d.path().to_path_buf());
        let c = attribute(&[9, 10, 11], &root, &mut files).unwrap();
        assert_eq!(c.id, id);
        assert_eq!(c.runtime, rnetstat_model::Runtime::Podman);
        assert_eq!(c.name, None);
        assert_eq!(attribute(&[10], &root, &mut files), None);
    }
}
