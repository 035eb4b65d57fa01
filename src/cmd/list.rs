//! The socket listing: owners once, the sink the format asks for, every selected namespace,
//! and again every `-c` interval (namespaces are found afresh each time).

use std::io::Write;
use std::thread;

use crate::config::Config;
use crate::error::Error;
use crate::hash::Set;
use crate::model::CgroupPaths;
use crate::model::{Flow, Forwarded, Peer};
use crate::output::Format;
use crate::output::json::Json;
use crate::output::names::Names;
use crate::output::netstat::NetstatText;
use crate::output::summary::Summary;
use crate::output::table::TableOut;
use crate::source::buffer::Buffered;
use crate::source::containers::{self, RuntimeFiles};
use crate::source::netns::{self, Space, Target};
use crate::source::owners::Owners;
use crate::source::{self, Listening, Selection, Sink, Unreached, conntrack, peers};
use crate::sys;

use super::World;

pub fn run<W: Write>(cfg: &Config, world: &mut World<W>) -> Result<(), Error> {
    let mut names = Names::new(cfg.numeric);
    // cgroup paths, only when -ee (text) or -e (JSON) will print them.
    let json = matches!(cfg.format, Format::Json | Format::Jsonl);
    let cgroups = ((json && cfg.text.extend) || cfg.text.extend_more)
        .then(|| crate::source::cgroups::scan(&crate::sys::cgroup2_root()));
    loop {
        let spaces = super::spaces(cfg, &world.proc_root)?;
        let reach = if cfg.peer {
            with_peers(cfg, world, &mut names, cgroups.as_ref(), &spaces)?
        } else {
            // One walk of /proc serves every namespace: socket inodes are unique host-wide.
            let owners = cfg.programs.then(|| {
                let o = Owners::scan(&world.proc_root);
                owners_notice(&o);
                o
            });
            let color = super::color(world);
            let mut sink = make_sink(
                cfg,
                &mut world.out,
                &mut names,
                owners.as_ref(),
                cgroups.as_ref(),
                color,
            )?;
            let user = userspace(cfg, sink.as_mut());
            let reach = source::collect(
                &cfg.selection,
                &world.proc_root,
                &spaces,
                &user,
                sink.as_mut(),
            )?;
            sink.finish().map_err(Error::Output)?;
            reach
        };
        super::refused_notice(reach.refused);
        lookup_notice(&mut names);
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}

/// The sink the format asks for. `owners` fill PID/Program name with `-p` and name the
/// peers with `--peer`.
fn make_sink<'a, W: Write>(
    cfg: &Config,
    out: &'a mut W,
    names: &'a mut Names,
    owners: Option<&'a Owners>,
    cgroups: Option<&'a CgroupPaths>,
    color: bool,
) -> Result<Box<dyn Sink + 'a>, Error> {
    let where_column = super::shows_netns(cfg);
    let (programs, peers) = (owners.filter(|_| cfg.programs), owners.filter(|_| cfg.peer));
    Ok(match cfg.format {
        _ if cfg.summary => Box::new(
            Summary::new(
                out,
                cfg.format != Format::Text && cfg.format != Format::Table,
            )
            .per_netns(where_column),
        ),
        Format::Text => Box::new(
            NetstatText::new(out, names, owners, cfg.text, cfg.selection.listening)
                .with_cgroups(cgroups),
        ),
        Format::Table => Box::new(
            TableOut::new(
                out,
                names,
                programs,
                color,
                cfg.text.extend,
                cfg.text.stack_column,
            )
            .with_netns(where_column)
            .with_peers(peers),
        ),
        Format::Json | Format::Jsonl => {
            let j = Json::new(out, cfg.format == Format::Jsonl, programs)
                .map_err(Error::Output)?
                .with_peers(peers);
            Box::new(if cfg.text.extend {
                j.with_extended(cgroups)
            } else {
                j
            })
        }
    })
}

/// The userspace stacks' snapshots, when `--stack` asks for them; their warnings go to
/// `sink`.
fn userspace(cfg: &Config, sink: &mut dyn Sink) -> Vec<crate::diag::stack_reply::Snapshot> {
    if !cfg.selection.userspace {
        return Vec::new();
    }
    let (user, warnings) = source::stack::fetch();
    for w in &warnings {
        sink.warning(w);
    }
    user
}

/// `--peer`: collects every socket of the selected kinds in every namespace rnetstat may
/// enter (in every state and unfiltered: the other end of a shown socket need not be shown
/// itself), joins them ([`peers::pair`]), and prints the ones the selection shows, each
/// with its peer. The `/proc` walk that names processes runs meanwhile, on its own thread:
/// nothing is printed before the join anyway.
fn with_peers<W: Write>(
    cfg: &Config,
    world: &mut World<W>,
    names: &mut Names,
    cgroups: Option<&CgroupPaths>,
    spaces: &[Space],
) -> Result<Unreached, Error> {
    let proc_root = &world.proc_root;
    let searched = (cfg.netns != Target::All)
        .then(|| netns::select(&Target::All, proc_root, &mut RuntimeFiles::new("/"), true))
        .transpose()?;
    let all = searched.as_deref().unwrap_or(spaces);
    let wide = Selection {
        filter: None,
        listening: Listening::All,
        ..cfg.selection.clone()
    };
    let mut buf = Buffered::new(all);
    let user = userspace(cfg, &mut buf);
    let sel = &cfg.selection;
    let nat = sel.tcp || sel.udp || sel.sctp || sel.mptcp;
    let (reach, links, owners) = std::thread::scope(|sc| {
        // The /proc walk and the connection tracking tables are read while collecting.
        let walk = sc.spawn(|| Owners::scan(proc_root));
        let tracked = sc.spawn(|| {
            if nat {
                flows(all, proc_root)
            } else {
                (Vec::new(), None)
            }
        });
        let reach = source::collect(&wide, proc_root, all, &user, &mut buf);
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
            let maps = containers::ports::mappings(std::path::Path::new("/"));
            let fw = source::forwards::forwards(&keys, &flows, &maps, &containers);
            (peers::pair(&keys, &flows), fw)
        });
        let owners = walk.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (reach, links, owners)
    });
    let reach = reach?;
    let (links, forwards) = links.unwrap_or_default();
    if cfg.programs {
        owners_notice(&owners);
    }
    let color = super::color(world);
    let mut sink = make_sink(cfg, &mut world.out, names, Some(&owners), cgroups, color)?;
    let shown: Set<u64> = spaces.iter().map(|s| s.ns.inode).collect();
    buf.replay(
        sink.as_mut(),
        |_, s| s.netns.is_none_or(|n| shown.contains(&n.inode)) && cfg.selection.accepts(s),
        |i| {
            let peer = links[i].map(|(j, via)| {
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
            let fw = forwards[i]
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
    .map_err(Error::Output)?;
    sink.finish().map_err(Error::Output)?;
    Ok(reach)
}

/// Every searched namespace's connection tracking entries, by the namespace's index:
/// over ctnetlink, else from its `/proc/net/nf_conntrack`. A namespace whose
/// `nf_conntrack_count` is 0 is not dumped: a dump walks the whole table, which every
/// namespace shares (0.5–10 ms each, even when empty). When no table can be read, the
/// warning to give says why: connections through NAT then have no peer.
fn flows(
    all: &[Space],
    proc_root: &crate::source::procfs::ProcRoot,
) -> (Vec<(u32, Flow)>, Option<String>) {
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
fn keys(buf: &Buffered<'_>) -> Vec<peers::Key> {
    (0..buf.len())
        .map(|i| {
            let s = buf.bare(i);
            peers::Key {
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

/// Says once per print that name lookups ran out of time.
pub(crate) fn lookup_notice(names: &mut Names) {
    if names.lookups_timed_out {
        eprintln!(
            "rnetstat: warning: name lookups timed out; the remaining addresses are shown as numbers"
        );
        names.lookups_timed_out = false;
    }
}

/// netstat's notice when `-p` cannot see every process (net-tools `prg_cache_load`).
fn owners_notice(o: &Owners) {
    if o.nothing_readable {
        eprintln!(
            "(No info could be read for \"-p\": geteuid()={} but you should be root.)",
            sys::geteuid()
        );
    } else if o.incomplete {
        eprintln!(
            "(Not all processes could be identified, non-owned process info\n will not be shown, you would have to be root to see it all.)"
        );
    }
}
