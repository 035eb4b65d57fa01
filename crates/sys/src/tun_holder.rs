//! Who holds a TUN device: the process, in this network namespace, with a descriptor of
//! `/dev/net/tun` attached to it. Its `fdinfo` names the device (`iff:\tNAME`). Used to turn
//! TUNSETIFF's bare "Device or resource busy" into a message that names the holder.

use std::fs;
use std::os::unix::fs::MetadataExt;

/// Most processes and descriptors looked at: the scan is bounded, and runs only on an error
/// path.
const MAX_PIDS: usize = 65_536;
const MAX_FDS: usize = 4096;

/// A process holding a TUN device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// Its `comm`, sanitised for a terminal.
    pub command: String,
}

/// Whether one `fdinfo` text is that of a TUN descriptor attached to `name`.
pub fn fdinfo_names(fdinfo: &str, name: &str) -> bool {
    fdinfo
        .lines()
        .filter_map(|l| l.strip_prefix("iff:"))
        .any(|v| v.trim() == name)
}

/// The first process in the caller's network namespace holding TUN device `name`, if one
/// can be seen (another user's descriptors are hidden from a non-root caller).
pub fn holder(name: &str) -> Option<Holder> {
    let here = fs::metadata("/proc/thread-self/ns/net").ok()?.ino();
    for entry in fs::read_dir("/proc").ok()?.take(MAX_PIDS).flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        if fs::metadata(dir.join("ns/net")).map(|m| m.ino()).ok() != Some(here) {
            continue;
        }
        let Ok(fds) = fs::read_dir(dir.join("fd")) else {
            continue;
        };
        for fd in fds.take(MAX_FDS).flatten() {
            let is_tun = fs::read_link(fd.path()).is_ok_and(|t| t.as_os_str() == "/dev/net/tun");
            let attached = is_tun
                && fs::read_to_string(dir.join("fdinfo").join(fd.file_name()))
                    .is_ok_and(|info| fdinfo_names(&info, name));
            if attached {
                let comm = fs::read_to_string(dir.join("comm")).unwrap_or_default();
                return Some(Holder {
                    pid,
                    command: crate::sanitize::quoted(comm.trim_end()),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fdinfo_is_read_for_the_device_name() {
        let info = "pos:\t0\nflags:\t02004002\nmnt_id:\t25\nino:\t1035\niff:\trns0\n";
        assert!(fdinfo_names(info, "rns0"));
        assert!(!fdinfo_names(info, "rns"));
        assert!(!fdinfo_names("pos:\t0\n", "rns0"));
    }
}
