//! rnetstat-collect: where socket records come from, and the [`Sink`] they are pushed into.
//!
//! [`collect`] walks the selected protocols in netstat's order (tcp, udp, raw over IPv4
//! then IPv6, then unix). Each (protocol, family) is one sock_diag dump; when the kernel has
//! no diag module for it (ENOENT), refuses netlink, or `--source proc` is given, that one
//! table is read from `/proc/net` instead. Records stream to the sink as they are decoded,
//! by the paths [`Pipeline`] describes. The bytes are decoded by `rnetstat-diag`; this crate
//! owns the sockets, threads and namespaces that fetch them.
//!
//! Public entry points: [`collect`] (a listing into a [`Pipeline`] over a [`Sink`] or
//! [`FastSink`]), [`Selection`], [`netns::select`] (which namespaces), [`peer_join`]
//! (`--peer`), [`buffer`] (collections held whole), [`owners::Owners`] (`-p`), [`stack`]
//! (the userspace stacks' sockets), [`read_counters`] (`-s`), [`ifaces`] and [`routes`]
//! (`-i`, `-g`, `-r`), [`rates`] and [`diff`] (`top`, `watch`), [`netlink::sock_destroy`]
//! (`-K`) and [`netlink::destroy_events`] (`watch`), [`explain`] (`explain` and `--why`:
//! sockets judged as they stream past) and [`why_inputs`] (the counters and limits the
//! verdicts read).
#![deny(unsafe_code)]

pub mod buffer;
pub mod cgroups;
mod collector;
pub mod conntrack;
pub mod containers;
pub mod diff;
pub mod explain;
pub mod forwards;
pub mod ifaces;
pub(crate) mod ipv6_rows;
pub mod netlink;
pub mod netns;
pub mod owners;
pub mod peer_join;
pub mod peers;
mod pipeline;
pub mod rates;
pub mod read_counters;
pub mod routes;
mod row;
mod selection;
mod sink;
mod spaces;
pub mod stack;
pub mod why_inputs;

pub use rnetstat_diag::procfs;

use rnetstat_model::error::Error;
use rnetstat_model::{Family, Netns, Proto};

use netns::Space;
use procfs::ProcRoot;

use rnetstat_diag::stack_reply::Snapshot;

use collector::Collector;
pub use pipeline::Pipeline;
pub use selection::{Listening, Selection, SourcePref};
pub use sink::{FastSink, ForkSink, ForkedRows, Group, Reads, Sink};
use spaces::Spaces;

/// `IPPROTO_MPTCP` (include/uapi/linux/in.h); too large for `sdiag_protocol`.
const IPPROTO_MPTCP: u32 = 262;

/// What collection could not reach: namespaces that could not be entered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Unreached {
    /// Namespaces `setns` refused (not root): told once, by the caller.
    pub refused: usize,
    /// Namespaces that were gone or failed otherwise (each already warned about).
    pub lost: usize,
    /// The inodes of every namespace that could not be read, refused or lost.
    pub failed: Vec<u64>,
}

impl Unreached {
    /// Counts a namespace that could not be entered; warns unless it was a refusal.
    fn note(&mut self, ns: &Netns, e: &netns::NetnsError, sink: &mut dyn Sink) {
        self.failed.push(ns.inode);
        match e {
            netns::NetnsError::Refused(_) => self.refused += 1,
            e => {
                self.lost += 1;
                sink.warning(&format!("network namespace skipped: {e}"));
            }
        }
    }
}

/// Collects the selected sockets of every namespace in `spaces` into `sink`: table by
/// table in netstat's order, each table from every namespace in turn (so netstat's groups
/// stay whole), then that table's userspace-stack sockets from `user` (if `sel.userspace`), each under
/// the namespace its stack serves.
/// Each record is stamped with its namespace.
pub fn collect(
    sel: &Selection,
    proc_root: &ProcRoot,
    spaces: &[Space],
    user: &[Snapshot],
    mut to: Pipeline<'_>,
) -> Result<Unreached, Error> {
    let sink = &mut to;
    let mut reach = Unreached::default();
    let mut open = Spaces::open(sel, proc_root, spaces, &mut reach, sink)?;
    let mut c = Collector::new(sel, proc_root);
    let mut tables = sel.tables();
    if !sel.kernel {
        // The userspace stack has TCP and UDP sockets only.
        tables.retain(|(p, _)| matches!(p, Proto::Tcp | Proto::Udp));
    }
    let mut group = None;
    for (k, &(proto, family)) in tables.iter().enumerate() {
        let g = Group::of(proto);
        if group != Some(g) {
            sink.group(g).map_err(Error::Output)?;
            group = Some(g);
        }
        if sel.kernel {
            let v6_next = tables.get(k + 1) == Some(&(Proto::Tcp, Family::Inet6));
            if proto == Proto::Tcp && family == Family::Inet && v6_next {
                open.tcp_both(&mut c, &mut reach, sink)?;
            } else {
                open.table(&mut c, proto, family, &mut reach, sink)?;
            }
        }
        if sel.userspace {
            // Each stack's sockets belong to the namespace it serves.
            for space in spaces {
                c.ns = Some(&space.ns);
                c.userspace(user, proto, family, sink)?;
            }
        }
    }
    Ok(reach)
}
