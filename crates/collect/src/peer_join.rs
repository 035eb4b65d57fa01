//! `--peer`: every socket of the selected kinds in every namespace rnetstat may enter (in
//! every state and unfiltered: the other end of a shown socket need not be shown itself),
//! each joined to its peer ([`peers::pair`]) and, for listeners, to the addresses that lead
//! to them ([`forwards`]). The `/proc` walk that names processes and the connection
//! tracking tables are read on their own threads while the sockets are collected: nothing
//! is printed before the join anyway.

use std::io;
use std::path::Path;

use rnetstat_model::error::Error;
use rnetstat_model::{Flow, Forwarded, Peer, Socket, Via};
use rnetstat_sys::hash::Set;

use crate::buffer::Buffered;
use crate::containers::{self, RuntimeFiles};
use crate::forwards::{self, Forward};
use crate::netns::{self, Space, Target};
use crate::owners::Owners;
use crate::peers::{self, Key};
use crate::procfs::ProcRoot;
use crate::{Listening, Pipeline, Selection, Sink, Unreached, conntrack, stack};

/// The namespaces a join searches: every one when `spaces` (the shown ones) are not
/// already all of them.
pub fn searched(all_shown: bool, proc_root: &ProcRoot) -> Result<Option<Vec<Space>>, Error> {
    (!all_shown)
        .then(|| netns::select(&Target::All, proc_root, &mut RuntimeFiles::new("/"), true))
        .transpose()
}

/// A collection joined: its records, each one's peer and forwards, and the process table.
pub struct Joined<'n> {
    buf: Buffered<'n>,
    links: Vec<Option<(usize, Via)>>,
    forwards: Vec<Vec<Forward>>,
    /// The `/proc` walk, for the sink to name owners and peers' owners with.
    pub owners: Owners,
    /// What could not be reached.
    pub reach: Unreached,
}

/// Collects `sel`'s kinds of socket in every namespace of `all` and joins them.
pub fn collect<'n>(
    sel: &Selection,
    proc_root: &ProcRoot,
    all: &'n [Space],
) -> Result<Joined<'n>, Error> {
    let wide = Selection {
        filter: None,
        listening: Listening::All,
        ..sel.clone()
    };
    let mut buf = Buffered::new(all);
    let user = if sel.userspace {
        let found = stack::fetch(all);
        for w in &found.warnings {
            buf.warning(w);
        }
        found.snaps
    } else {
        Vec::new()
    };
    let nat = sel.tcp || sel.udp || sel.sctp || sel.mptcp;
    let (reach, links, owners) = std::thread::scope(|sc| {
        let walk = sc.spawn(|| Owners::scan(proc_root));
        let tracked = sc.spawn(|| {
            if nat {
                flows(all, proc_root)
            } else {
                (Vec::new(), None)
            }
        });
        let reach = crate::collect(&wide, proc_root, all, &user, Pipeline::plain(&mut buf));
        let (flows, warning) = tracked
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        if let Some(w) = warning {
            buf.warning(&w);
        }
        let links = reach.is_ok().then(|| {
            let keys = keys(&buf);
            let containers: Vec<Option<&str>> = all
                .iter()
                .map(|s| s.ns.container.as_ref().map(|c| c.id.as_str()))
                .collect();
            let maps = containers::ports::mappings(Path::new("/"));
            let fw = forwards::forwards(&keys, &flows, &maps, &containers);
            (peers::pair(&keys, &flows), fw)
        });
        let owners = walk.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (reach, links, owners)
    });
    let (links, forwards) = links.unwrap_or_default();
    Ok(Joined {
        buf,
        links,
        forwards,
        owners,
        reach: reach?,
    })
}

impl Joined<'_> {
    /// Sends the records of the namespaces in `shown` that `sel` accepts to `to`, each
    /// with its peer and forwards.
    pub fn replay(
        &self,
        sel: &Selection,
        shown: &[Space],
        to: &mut Pipeline<'_>,
    ) -> io::Result<()> {
        let shown: Set<u64> = shown.iter().map(|s| s.ns.inode).collect();
        let buf = &self.buf;
        buf.replay(
            to,
            |_, s: &Socket<'_>| s.netns.is_none_or(|n| shown.contains(&n.inode)) && sel.accepts(s),
            |i| {
                let peer = self.links[i].map(|(j, via)| {
                    let p = buf.bare(j);
                    Peer {
                        via,
                        netns: buf.netns(j),
                        proto: p.proto,
                        family: p.family,
                        state: p.state,
                        local: p.local,
                        remote: p.remote,
                        inode: p.inode,
                        path: buf.path(j),
                    }
                });
                let fw = self.forwards[i]
                    .iter()
                    .map(|f| Forwarded {
                        netns: f.target.and_then(|t| buf.netns(t)),
                        address: f.address,
                        inode: f.target.map_or(0, |t| buf.bare(t).inode),
                        source: f.source,
                    })
                    .collect();
                (peer, fw)
            },
        )
    }
}

/// Every searched namespace's connection tracking entries, by the namespace's index:
/// over ctnetlink, else from its `/proc/net/nf_conntrack`. A namespace whose
/// `nf_conntrack_count` is 0 is not dumped: a dump walks the whole table, which every
/// namespace shares (0.5–10 ms each, even when empty). When no table can be read, the
/// warning to give says why: connections through NAT then have no peer.
fn flows(all: &[Space], proc_root: &ProcRoot) -> (Vec<(u32, Flow)>, Option<String>) {
    let per = netns::each(all, proc_root, |root| {
        // /proc/sys/net shows the namespace of the thread reading it.
        let count = std::fs::read_to_string("/proc/sys/net/netfilter/nf_conntrack_count");
        if count.ok().and_then(|t| t.trim().parse::<u64>().ok()) == Some(0) {
            return Ok(Vec::new());
        }
        conntrack::dump().map_err(|e| e.to_string()).or_else(|e| {
            let path = root.path("net/nf_conntrack");
            std::fs::read_to_string(&path)
                .map(|t| conntrack::parse_proc(&t))
                .map_err(|e2| format!("ctnetlink: {e}; {}: {e2}", path.display()))
        })
    });
    let mut flows = Vec::new();
    let (mut read, mut why) = (0, None);
    for (i, r) in per.into_iter().enumerate() {
        match r {
            Ok(Ok(f)) => {
                read += 1;
                flows.extend(f.into_iter().map(|f| (i as u32, f)));
            }
            Ok(Err(e)) => why = Some(e),
            // Not entered: collection has already said so.
            Err(_) => {}
        }
    }
    let warning = (read == 0).then_some(why).flatten().map(|why| {
        format!(
            "connection tracking could not be read ({why}); peers through NAT are not shown \
             (it needs root, CAP_NET_ADMIN)"
        )
    });
    (flows, warning)
}

/// What the join needs of each buffered record.
fn keys(buf: &Buffered<'_>) -> Vec<Key> {
    (0..buf.len())
        .map(|i| {
            let s = buf.bare(i);
            Key {
                proto: s.proto,
                state: s.state,
                local: s.local,
                remote: s.remote,
                inode: s.inode,
                peer_inode: s.peer_inode,
                ns: buf.ns_index(i),
            }
        })
        .collect()
}
