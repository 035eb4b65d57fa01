//! The socket listing: owners once, the sink the format asks for, every selected namespace,
//! and again every `-c` interval (namespaces are found afresh each time).

use std::io::Write;
use std::thread;

use crate::config::Config;
use crate::error::Error;
use crate::hash::Set;
use crate::model::Peer;
use crate::output::Format;
use crate::output::detail::CgroupPaths;
use crate::output::json::Json;
use crate::output::names::Names;
use crate::output::netstat::NetstatText;
use crate::output::summary::Summary;
use crate::output::table::TableOut;
use crate::source::buffer::Buffered;
use crate::source::containers::RuntimeFiles;
use crate::source::netns::{self, Space, Target};
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;
use crate::source::{self, Listening, Reach, Selection, Sink, peers};
use crate::sys;

use super::World;

pub fn run<W: Write>(cfg: &Config, world: &mut World<W>) -> Result<(), Error> {
    let mut names = Names::new(cfg.numeric);
    // cgroup paths, only when -ee (text) or -e (JSON) will print them.
    let json = matches!(cfg.format, Format::Json | Format::Jsonl);
    let cgroups = ((json && cfg.text.extend) || cfg.text.extend_more)
        .then(|| crate::source::cgroups::scan(&crate::source::cgroups::root()));
    loop {
        let spaces = super::spaces(cfg, &world.proc_root)?;
        // --peer looks for the other end in every namespace it can enter.
        let searched = (cfg.peer && cfg.netns != Target::All)
            .then(|| {
                netns::select(
                    &Target::All,
                    &world.proc_root,
                    &mut RuntimeFiles::new("/"),
                    true,
                )
            })
            .transpose()?;
        // One walk of /proc serves every namespace: socket inodes are unique host-wide.
        let owners = (cfg.programs || cfg.peer).then(|| {
            let o = Owners::scan(&world.proc_root);
            owners_notice(&o);
            o
        });
        let reach = once(
            cfg,
            world,
            &mut names,
            owners.as_ref(),
            cgroups.as_ref(),
            &spaces,
            searched.as_deref(),
        )?;
        super::refused_notice(reach.refused);
        lookup_notice(&mut names);
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}

fn once<W: Write>(
    cfg: &Config,
    world: &mut World<W>,
    names: &mut Names,
    owners: Option<&Owners>,
    cgroups: Option<&CgroupPaths>,
    spaces: &[Space],
    searched: Option<&[Space]>,
) -> Result<Reach, Error> {
    let color = super::color(world);
    let where_column = super::shows_netns(cfg);
    // The owners fill PID/Program name only with -p; with --peer they name the peers.
    let (programs, peers) = (owners.filter(|_| cfg.programs), owners.filter(|_| cfg.peer));
    let out = &mut world.out;
    let mut sink: Box<dyn Sink + '_> = match cfg.format {
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
    };
    let (user, warnings) = if cfg.selection.userspace {
        source::stack::fetch()
    } else {
        Default::default()
    };
    for w in &warnings {
        sink.warning(w);
    }
    let reach = if cfg.peer {
        with_peers(
            cfg,
            &world.proc_root,
            spaces,
            searched,
            &user,
            sink.as_mut(),
        )?
    } else {
        source::collect(
            &cfg.selection,
            &world.proc_root,
            spaces,
            &user,
            sink.as_mut(),
        )?
    };
    sink.finish().map_err(Error::Output)?;
    Ok(reach)
}

/// `--peer`: collects every socket of the selected kinds in every namespace searched (in
/// every state and unfiltered: the other end of a shown socket need not be shown itself),
/// joins them ([`peers::pair`]), and passes on the ones the selection shows, each with its
/// peer.
fn with_peers(
    cfg: &Config,
    proc_root: &ProcRoot,
    spaces: &[Space],
    searched: Option<&[Space]>,
    user: &[crate::stack::snapshot::Snapshot],
    sink: &mut dyn Sink,
) -> Result<Reach, Error> {
    let all = searched.unwrap_or(spaces);
    let wide = Selection {
        filter: None,
        listening: Listening::All,
        ..cfg.selection.clone()
    };
    let mut buf = Buffered::new(all);
    let reach = source::collect(&wide, proc_root, all, user, &mut buf)?;
    let keys: Vec<peers::Key> = (0..buf.len())
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
        .collect();
    let links = peers::pair(&keys);
    let shown: Set<u64> = spaces.iter().map(|s| s.ns.inode).collect();
    buf.replay(
        sink,
        |_, s| s.netns.is_none_or(|n| shown.contains(&n.inode)) && cfg.selection.accepts(s),
        |i, s| {
            if let Some((j, via)) = links[i] {
                let p = buf.get(j);
                s.peer = Some(Peer {
                    via,
                    netns: p.netns,
                    proto: p.proto,
                    family: p.family,
                    state: p.state,
                    local: p.local,
                    remote: p.remote,
                    inode: p.inode,
                    path: p.path,
                });
            }
        },
    )
    .map_err(Error::Output)?;
    Ok(reach)
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
