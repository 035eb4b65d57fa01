//! Network namespaces as scopes of collection.
//!
//! Collection takes a list of [`Space`]s, and every record it returns is stamped with the
//! namespace it came from; renderers get namespaces for free. A space is either the
//! namespace rnetstat runs in (read directly) or another one behind a [`Door`], entered on a
//! thread of its own ([`enter`]). [`select`] turns `-N`, `--all-netns` and `--container` into
//! spaces, each described (inode, name, container) by discovery and attribution.

mod discover;
pub mod enter;

pub use discover::{Discovery, Found, NAMED_DIRS, discover, nsfs_mounts};
pub use enter::{Door, NetnsError};

use std::path::{Path, PathBuf};

use crate::containers::{self, RuntimeFiles};
use crate::procfs::ProcRoot;
use rnetstat_model::Netns;
use rnetstat_model::error::Error;
use rnetstat_sys::sanitize::quoted;

/// Which namespaces a run covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The one rnetstat runs in (no option).
    Current,
    /// `-N NS`: a name under `/run/netns`, a path to a namespace file, or `pid:PID`.
    Net(String),
    /// `--all-netns`.
    All,
    /// `--container NAME|ID-PREFIX`.
    Container(String),
}

/// A namespace to collect from.
#[derive(Debug, Clone)]
pub struct Space {
    pub ns: Netns,
    /// How to enter it; `None` for the namespace rnetstat runs in.
    door: Option<Door>,
}

impl Space {
    pub fn is_current(&self) -> bool {
        self.door.is_none()
    }

    /// Runs `f` inside this namespace (on the calling thread when it is the current one)
    /// with the `/proc` root whose `net/` shows it.
    pub fn run<T: Send>(
        &self,
        proc_root: &ProcRoot,
        f: impl FnOnce(&ProcRoot) -> T + Send,
    ) -> Result<T, NetnsError> {
        match &self.door {
            None => Ok(f(proc_root)),
            Some(d) => enter::run(d, proc_root, f),
        }
    }
}

impl Space {
    /// The namespace rnetstat runs in, described by its inode alone: for callers that do
    /// not print where sockets live (`compare`, `lab`).
    pub fn here(proc_root: &ProcRoot) -> Space {
        Space {
            ns: Netns {
                inode: discover::inode(&proc_root.path("thread-self/ns/net")).unwrap_or(0),
                name: None,
                host: true,
                container: None,
            },
            door: None,
        }
    }
}

/// Threads entering namespaces at once: enough to hide the entries' latency, few enough
/// not to crowd a small machine.
pub fn workers() -> usize {
    rnetstat_sys::cores().clamp(2, 4)
}

/// Runs `f` inside every space; results in the spaces' order.
pub fn each<T: Send>(
    spaces: &[Space],
    proc_root: &ProcRoot,
    f: impl Fn(&ProcRoot) -> T + Sync,
) -> Vec<Result<T, NetnsError>> {
    let doors: Vec<&Door> = spaces.iter().filter_map(|s| s.door.as_ref()).collect();
    let mut entered = enter::each(&doors, proc_root, workers(), &f).into_iter();
    spaces
        .iter()
        .map(|s| match s.door {
            None => Ok(f(proc_root)),
            Some(_) => entered
                .next()
                .unwrap_or_else(|| Err(NetnsError::Vanished(PathBuf::new()))),
        })
        .collect()
}

/// The namespaces `target` names, described. `Current` costs two `stat`s, and with
/// `describe` (an output that prints the namespace's name and container) a look in the
/// netns directories and, outside the host's namespace, a walk of `/proc`; the other
/// targets always walk `/proc` once (discovery and attribution).
pub fn select(
    target: &Target,
    proc_root: &ProcRoot,
    files: &mut RuntimeFiles,
    describe: bool,
) -> Result<Vec<Space>, Error> {
    let current = discover::inode(&proc_root.path("thread-self/ns/net")).unwrap_or(0);
    if *target == Target::Current {
        let host = match discover::inode(&proc_root.path("1/ns/net")) {
            Some(h) => h == current,
            // pid 1 hidden: a fixed init inode lies below the dynamic range
            // (fs/proc/generic.c PROC_DYNAMIC_FIRST); 0 is a fixture /proc.
            None => current < discover::PROC_DYNAMIC_FIRST,
        };
        let mut ns = Netns {
            inode: current,
            name: describe.then(|| discover::name_of(current)).flatten(),
            host,
            container: None,
        };
        if describe && !host {
            let d = discover(proc_root);
            ns.container = d
                .found
                .get(&current)
                .and_then(|f| containers::attribute(&f.pids, proc_root, files));
        }
        return Ok(vec![Space { ns, door: None }]);
    }
    let d = discover(proc_root);
    let describe = |f: &Found, files: &mut RuntimeFiles| {
        let inode = f.door.inode;
        let host = d.host == inode;
        Space {
            ns: Netns {
                inode,
                name: f.name.clone(),
                host,
                container: if host {
                    None
                } else {
                    containers::attribute(&f.pids, proc_root, files)
                },
            },
            door: (inode != current).then(|| f.door.clone()),
        }
    };
    match target {
        Target::Current => unreachable_current(),
        Target::All => Ok(d.found.values().map(|f| describe(f, files)).collect()),
        Target::Net(spec) => {
            let shown = quoted(spec);
            let door = match spec.strip_prefix("net:[").and_then(|r| r.strip_suffix(']')) {
                // The form rnetstat prints for a namespace without a name.
                Some(n) => {
                    let inode: u64 = n.parse().map_err(|_| {
                        Error::Usage(format!("-N {shown}: '{n}' is not an inode number"))
                    })?;
                    d.found.get(&inode).map(|f| f.door.clone()).ok_or_else(|| {
                        Error::Usage(format!("-N {shown}: no network namespace with that inode"))
                    })?
                }
                None => resolve(spec, proc_root)?,
            };
            let found = d.found.get(&door.inode).cloned().unwrap_or(Found {
                door: door.clone(),
                name: None,
                pids: Vec::new(),
            });
            let mut space = describe(&found, files);
            if space.ns.name.is_none() && !spec.contains(['/', ':']) {
                space.ns.name = Some(spec.clone());
            }
            if let Some(d) = &mut space.door {
                *d = door;
                // Enter once now, so a file of another kind or a refusal is told at once.
                d_check(d, proc_root, spec)?;
            }
            Ok(vec![space])
        }
        Target::Container(want) => {
            let all: Vec<Space> = d
                .found
                .values()
                .filter(|f| d.host != f.door.inode)
                .map(|f| describe(f, files))
                .filter(|s| s.ns.container.is_some())
                .collect();
            pick_container(all, want)
        }
    }
}

/// `Target::Current` returns before discovery.
fn unreachable_current() -> Result<Vec<Space>, Error> {
    Err(Error::Usage(
        "internal: current namespace selected twice".into(),
    ))
}

fn d_check(door: &Door, proc_root: &ProcRoot, spec: &str) -> Result<(), Error> {
    let shown = quoted(spec);
    match enter::run(door, proc_root, |_| ()) {
        Ok(()) => Ok(()),
        Err(NetnsError::Refused(_)) => Err(Error::Permission(format!(
            "-N {shown}: entering another network namespace needs root (CAP_SYS_ADMIN); \
             without -N rnetstat shows its own namespace"
        ))),
        Err(NetnsError::NotNetns(p)) => Err(Error::Usage(format!(
            "-N {shown}: {} is a namespace, but not a network namespace",
            p.display()
        ))),
        Err(e) => Err(Error::Usage(format!("-N {shown}: {e}"))),
    }
}

/// nsfs's `statfs` magic (include/uapi/linux/magic.h `NSFS_MAGIC`).
const NSFS_MAGIC: i64 = 0x6e73_6673;

/// `-N`'s argument → the namespace file to open.
fn resolve(spec: &str, proc_root: &ProcRoot) -> Result<Door, Error> {
    let shown = quoted(spec);
    let path = if let Some(pid) = spec.strip_prefix("pid:") {
        let pid: u32 = pid.parse().map_err(|_| {
            Error::Usage(format!("-N {shown}: '{}' is not a process id", quoted(pid)))
        })?;
        // The process's directory says whether it exists; its ns/net may still be closed
        // to us (another user's process), which is a permission error, not a missing one.
        if !proc_root.path(&pid.to_string()).exists() {
            return Err(Error::Usage(format!("-N {shown}: no process {pid}")));
        }
        let p = proc_root.path(&format!("{pid}/ns/net"));
        if let Err(e) = rustix::fs::statfs(&p)
            && e == rustix::io::Errno::ACCESS
        {
            return Err(Error::Permission(format!(
                "-N {shown}: {}: {e}; entering another process's network namespace needs \
                 root (CAP_SYS_ADMIN and ptrace access to it)",
                p.display()
            )));
        }
        p
    } else if spec.contains('/') {
        PathBuf::from(spec)
    } else {
        NAMED_DIRS
            .iter()
            .map(|d| Path::new(d).join(spec))
            .find(|p| p.exists())
            .ok_or_else(|| {
                let names = discover::names();
                Error::Usage(format!(
                    "-N {shown}: no network namespace of that name in {}; {}",
                    NAMED_DIRS.join(", "),
                    if names.is_empty() {
                        "there are none (`ip netns list`)".to_string()
                    } else {
                        format!("there are: {}", names.join(", "))
                    }
                ))
            })?
    };
    let st = rustix::fs::statfs(&path).map_err(|e| {
        Error::Usage(format!(
            "-N {shown}: {}: {e}",
            quoted(&path.to_string_lossy())
        ))
    })?;
    if st.f_type as i64 != NSFS_MAGIC {
        return Err(Error::Usage(format!(
            "-N {shown}: {} is not a namespace file (expected a name under /run/netns, \
             /proc/PID/ns/net, a bind mount of one, or pid:PID)",
            quoted(&path.to_string_lossy())
        )));
    }
    let inode = discover::inode(&path).ok_or_else(|| {
        Error::Usage(format!(
            "-N {shown}: cannot stat {}",
            quoted(&path.to_string_lossy())
        ))
    })?;
    Ok(Door { path, inode })
}

/// The one container `want` names: an exact name, else a unique id prefix.
fn pick_container(all: Vec<Space>, want: &str) -> Result<Vec<Space>, Error> {
    let of = |s: &Space| s.ns.container.clone();
    let by_name: Vec<&Space> = all
        .iter()
        .filter(|s| of(s).and_then(|c| c.name).as_deref() == Some(want))
        .collect();
    let chosen: Vec<&Space> = if !by_name.is_empty() {
        by_name
    } else if !want.is_empty() {
        all.iter()
            .filter(|s| of(s).is_some_and(|c| c.id.starts_with(want)))
            .collect()
    } else {
        Vec::new()
    };
    let list = |v: &[&Space]| {
        v.iter()
            .filter_map(|s| of(s))
            .map(|c| {
                format!(
                    "{} ({})",
                    c.name.as_deref().unwrap_or("-"),
                    &c.id[..12.min(c.id.len())]
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match chosen.len() {
        1 => Ok(vec![chosen[0].clone()]),
        0 => {
            let every: Vec<&Space> = all.iter().collect();
            Err(Error::Usage(format!(
                "--container {want}: no running container of that name or id; {}",
                if every.is_empty() {
                    "none found on this host".to_string()
                } else {
                    format!("found: {}", list(&every))
                }
            )))
        }
        _ => Err(Error::Usage(format!(
            "--container {want}: ambiguous, it matches {}",
            list(&chosen)
        ))),
    }
}
