//! `rnetstat compare`: each kernel socket beside the userspace-stack socket at the other
//! end of the same connection, one row per connection, with notes on what the two ends
//! show together (e.g. a kernel Send-Q held back by the stack's zero window).
//!
//! collect (kernel sockets with tcp_info over sock_diag, stack snapshots over their control
//! sockets) → `pair` → `render` (text or JSON).

pub mod pair;
pub mod render;

use std::io::Write;
use std::net::IpAddr;
use std::thread;

use crate::config::CompareConfig;
use rnetstat_collect as source;
use rnetstat_collect::buffer::Collect;
use rnetstat_collect::containers::RuntimeFiles;
use rnetstat_collect::netns::{self, Space};
use rnetstat_collect::procfs::ProcRoot;
use rnetstat_collect::{Listening, Selection, SourcePref};
use rnetstat_diag::stack_reply::Snapshot;
use rnetstat_model::Socket;
use rnetstat_model::error::Error;

/// Kernel TCP and UDP sockets of both families, every state, with tcp_info.
pub(crate) fn kernel_selection() -> Selection {
    Selection {
        tcp: true,
        udp: true,
        raw: false,
        unix: false,
        inet4: true,
        inet6: true,
        listening: Listening::All,
        source: SourcePref::Auto,
        unix_proc_extras: false,
        tcp_info: true,
        memory: false,
        sctp: false,
        mptcp: false,
        packet: false,
        netlink: false,
        filter: None,
        kernel_filter: true,
        kernel: true,
        userspace: false,
    }
}

/// The stacks serving one namespace, and that namespace's kernel sockets.
pub struct Group {
    /// The namespace's name in headings; `None` when it is the caller's own and the only
    /// one asked about.
    pub label: Option<String>,
    pub kernel: Vec<Socket<'static>>,
    pub stacks: Vec<Snapshot>,
}

impl Group {
    /// The stacks' own addresses: kernel sockets talking to these are candidates.
    pub fn stack_addrs(&self) -> Vec<IpAddr> {
        self.stacks
            .iter()
            .flat_map(|s| s.addresses.iter())
            .filter_map(|c| c.split('/').next()?.parse().ok())
            .collect()
    }

    /// Every socket of the group's stacks, as records.
    pub fn user_sockets(&self) -> Vec<Socket<'_>> {
        self.stacks
            .iter()
            .flat_map(|snap| {
                snap.sockets
                    .iter()
                    .map(move |s| source::stack::record(snap, s))
            })
            .collect()
    }
}

/// Everything one comparison looks at.
pub struct View {
    /// One per namespace asked about in which a stack runs, in the order asked.
    pub groups: Vec<Group>,
    pub warnings: Vec<String>,
    /// What to say when there is no group.
    pub nowhere: String,
}

impl View {
    /// The stacks serving `spaces`, each namespace's beside its kernel sockets. Only
    /// namespaces with a stack have their kernel tables read.
    pub fn gather(proc_root: &ProcRoot, spaces: &[Space], all: bool) -> Result<View, Error> {
        let found = source::stack::fetch(spaces);
        let (stacks, mut warnings) = (found.snaps, found.warnings);
        let mut groups = Vec::new();
        for space in spaces {
            let here: Vec<Snapshot> = stacks
                .iter()
                .filter(|s| s.netns == space.ns.inode)
                .cloned()
                .collect();
            if here.is_empty() {
                continue;
            }
            let mut k = Collect::default();
            source::collect(
                &kernel_selection(),
                proc_root,
                std::slice::from_ref(space),
                &[],
                source::Pipeline::plain(&mut k),
            )?;
            warnings.extend(k.warnings);
            groups.push(Group {
                label: (!(space.is_current() && spaces.len() == 1))
                    .then(|| space.ns.label().to_string()),
                kernel: k.sockets,
                stacks: here,
            });
        }
        let place = match spaces {
            _ if all => "any network namespace".to_string(),
            [one] if one.is_current() => "this network namespace".to_string(),
            [one] => format!("network namespace {}", one.ns.label()),
            _ => "the network namespaces asked about".to_string(),
        };
        let nowhere = if found.closed > 0 {
            format!("No userspace stack this user may query runs in {place}.")
        } else {
            match spaces {
                [one] if one.is_current() => format!(
                    "No userspace stack is running in {place} (start one with `rnetstat stack`)."
                ),
                _ => format!("No userspace stack is running in {place}."),
            }
        };
        Ok(View {
            groups,
            warnings,
            nowhere,
        })
    }
}

/// Prints each kernel socket beside the stack socket at the other end to `out`, once or
/// every `cfg.continuous`, reading the kernel's tables through `proc_root`.
pub fn run<W: Write>(cfg: &CompareConfig, out: &mut W, proc_root: &ProcRoot) -> Result<(), Error> {
    loop {
        // Found afresh each time, as the listing's -c does.
        let spaces = netns::select(&cfg.netns, proc_root, &mut RuntimeFiles::new("/"), false)?;
        let view = View::gather(proc_root, &spaces, cfg.netns == netns::Target::All)?;
        let users: Vec<Vec<Socket<'_>>> = view.groups.iter().map(Group::user_sockets).collect();
        let pairs: Vec<Vec<pair::Pair<'_, '_>>> = view
            .groups
            .iter()
            .zip(&users)
            .map(|(g, u)| pair::pair(&g.kernel, u, &g.stack_addrs()))
            .collect();
        if cfg.json {
            render::json(out, &view, &pairs)
        } else {
            render::text(out, &view, &users, &pairs)
        }
        .map_err(Error::Output)?;
        out.flush().map_err(Error::Output)?;
        if !cfg.json {
            for w in &view.warnings {
                eprintln!("rnetstat: warning: {w}");
            }
        }
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}
