//! The socket listing: owners once, the sink the format asks for, every selected namespace,
//! and again every `-c` interval (namespaces are found afresh each time).

use std::io::Write;
use std::thread;

use crate::config::Config;
use crate::error::Error;
use crate::model::{CgroupPaths, SocketEvents};
use crate::output::Format;
use crate::output::json::Json;
use crate::output::names::Names;
use crate::output::netstat::NetstatText;
use crate::output::summary::Summary;
use crate::output::table::TableOut;
use crate::source::netns::{Space, Target};
use crate::source::owners::Owners;
use crate::source::{self, FastSink, Pipeline, Sink, Unreached, peer_join};
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
                None,
            )?;
            let ages = match &cfg.age {
                Some(db) => Some(crate::record::first_seen(db)?),
                None => None,
            };
            let events = socket_events(cfg);
            let reach = match cfg.why {
                None if ages.is_some() || events.is_some() => {
                    let user = userspace(cfg, &spaces, sink.sink());
                    let mut aged = Aged {
                        inner: sink.sink(),
                        ages: ages.as_ref(),
                        events: events.as_ref(),
                    };
                    source::collect(
                        &cfg.selection,
                        &world.proc_root,
                        &spaces,
                        &user,
                        Pipeline::plain(&mut aged),
                    )?
                }
                None => {
                    let user = userspace(cfg, &spaces, sink.sink());
                    source::collect(
                        &cfg.selection,
                        &world.proc_root,
                        &spaces,
                        &user,
                        sink.pipeline(),
                    )?
                }
                Some(interval) => with_why(cfg, &world.proc_root, &spaces, interval, sink.sink())?,
            };
            sink.sink().finish().map_err(Error::Output)?;
            reach
        };
        super::refused_notice(reach.refused);
        super::lookup_notice(&mut names);
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}

/// A listing's sink: the text listing and the summary may take the pipeline's faster
/// paths ([`Pipeline`]); the table and JSON take every record whole.
pub(crate) enum Listing<'a> {
    Plain(Box<dyn Sink + 'a>),
    Fast(Box<dyn FastSink + 'a>),
}

impl<'a> Listing<'a> {
    fn pipeline(&mut self) -> Pipeline<'_> {
        match self {
            Listing::Plain(s) => Pipeline::plain(s.as_mut()),
            Listing::Fast(s) => Pipeline::fast(s.as_mut()),
        }
    }

    pub(crate) fn sink(&mut self) -> &mut dyn Sink {
        match self {
            Listing::Plain(s) => s.as_mut(),
            Listing::Fast(s) => s.as_mut(),
        }
    }
}

/// The sink the format asks for. `owners` fill PID/Program name with `-p` and name the
/// peers with `--peer`.
pub(crate) fn make_sink<'a, W: Write>(
    cfg: &Config,
    out: &'a mut W,
    names: &'a mut Names,
    owners: Option<&'a Owners>,
    cgroups: Option<&'a CgroupPaths>,
    color: bool,
    recorded_at: Option<String>,
) -> Result<Listing<'a>, Error> {
    let where_column = super::shows_netns(cfg);
    let (programs, peers) = (owners.filter(|_| cfg.programs), owners.filter(|_| cfg.peer));
    Ok(match cfg.format {
        _ if cfg.summary => Listing::Fast(Box::new(
            Summary::new(
                out,
                cfg.format != Format::Text && cfg.format != Format::Table,
            )
            .as_table(cfg.format == Format::Table)
            .per_netns(where_column),
        )),
        Format::Text => Listing::Fast(Box::new(
            NetstatText::new(out, names, owners, cfg.text, cfg.selection.listening)
                .with_cgroups(cgroups),
        )),
        Format::Table => Listing::Plain(Box::new(
            TableOut::new(
                out,
                names,
                programs,
                color,
                cfg.text.extend,
                cfg.text.stack_column,
            )
            .with_netns(where_column)
            .with_peers(peers)
            .with_timers(cfg.text.timers)
            .with_why(cfg.why.is_some())
            .with_age(cfg.age.is_some())
            .with_reasons(cfg.text.reasons),
        )),
        Format::Json | Format::Jsonl => {
            let j = Json::new(out, cfg.format == Format::Jsonl, programs)
                .map_err(Error::Output)?
                .with_peers(peers)
                .with_recorded_at(recorded_at);
            Listing::Plain(Box::new(if cfg.text.extend {
                j.with_extended(cgroups)
            } else {
                j
            }))
        }
    })
}

/// `--age`, and a tracer's counts: each record with when the recorder first saw it and
/// what the kernel's tracepoints counted for it, on its way to `inner`.
struct Aged<'a> {
    inner: &'a mut dyn Sink,
    ages: Option<&'a crate::hash::Map<crate::record::Key, (i64, bool)>>,
    events: Option<&'a std::collections::HashMap<crate::trace::counts::SocketKey, SocketEvents>>,
}

/// What running tracers counted per socket, with the kernel's reason names: for
/// `--reasons`, and for JSON whenever a tracer runs. `None` when nothing was counted, or
/// the kernel's maps cannot be read (`--reasons` then says why, once).
fn socket_events(
    cfg: &Config,
) -> Option<std::collections::HashMap<crate::trace::counts::SocketKey, SocketEvents>> {
    let json = matches!(cfg.format, Format::Json | Format::Jsonl);
    if !(cfg.text.reasons || json) || !cfg.selection.tcp {
        return None;
    }
    let counts = match crate::trace::counts::read_all() {
        Ok(c) => c,
        Err(e) => {
            if cfg.text.reasons {
                eprintln!(
                    "rnetstat: --reasons: the tracer's counts cannot be read (root, or \
                     CAP_BPF, is needed): {e}"
                );
            }
            return None;
        }
    };
    if counts.is_empty() {
        if cfg.text.reasons {
            eprintln!(
                "rnetstat: --reasons: nothing counted: the counts exist while `rnetstat trace`, \
                 `serve` or `record` runs, as root"
            );
        }
        return None;
    }
    let names = crate::trace::Reasons::from_kernel();
    Some(
        counts
            .into_iter()
            .map(|(k, c)| {
                let mut drops: Vec<(String, u64)> =
                    c.drops.iter().map(|&(r, n)| (names.drop(r), n)).collect();
                if c.drops_other > 0 {
                    drops.push(("other".into(), c.drops_other));
                }
                let e = SocketEvents {
                    retransmits_timeout: c.retransmits[0],
                    retransmits_fast: c.retransmits[1],
                    retransmits_tail_loss_probe: c.retransmits[2],
                    resets_sent: c.resets_sent,
                    reset_reason: (c.resets_sent > 0).then(|| names.reset(c.reset_reason)),
                    resets_received: c.resets_received,
                    drops,
                };
                (k, e)
            })
            .collect(),
    )
}

impl Sink for Aged<'_> {
    fn group(&mut self, g: crate::source::Group) -> std::io::Result<()> {
        self.inner.group(g)
    }

    fn socket(&mut self, s: &crate::model::Socket<'_>) -> std::io::Result<()> {
        let ns = s.netns.map_or(0, |n| n.inode);
        let key = crate::source::diff::key(ns, s);
        let age = self.ages.and_then(|m| m.get(&key));
        let events = self.events.and_then(|m| {
            m.get(&crate::trace::counts::SocketKey {
                netns: ns as u32,
                local: (s.local.addr, s.local.port),
                remote: (s.remote.addr, s.remote.port),
            })
        });
        if age.is_none() && events.is_none() {
            return self.inner.socket(s);
        }
        let mut with = s.clone();
        if let Some(&(at_ms, exact)) = age {
            with.first_seen = Some(crate::model::FirstSeen { at_ms, exact });
        }
        with.events = events;
        self.inner.socket(&with)
    }

    fn warning(&mut self, msg: &str) {
        self.inner.warning(msg);
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.inner.finish()
    }
}

/// `--why`: with an interval, a first sample and the wait; then the listing, each TCP
/// socket judged on its way to `sink` (every record whole: no faster path).
fn with_why(
    cfg: &Config,
    proc_root: &crate::source::procfs::ProcRoot,
    spaces: &[Space],
    interval: Option<std::time::Duration>,
    sink: &mut dyn Sink,
) -> Result<Unreached, Error> {
    let mut samples = crate::source::explain::Samples::default();
    let mut earlier = None;
    if let Some(wait) = interval {
        let t0 = std::time::Instant::now();
        let user = userspace(cfg, spaces, sink);
        for w in source::explain::sample(&cfg.selection, proc_root, spaces, &user, &mut samples)? {
            sink.warning(&w);
        }
        thread::sleep(wait.saturating_sub(t0.elapsed()));
        earlier = Some(t0.elapsed());
    }
    let user = userspace(cfg, spaces, sink);
    let mut judged = source::explain::Annotate {
        inner: sink,
        earlier: earlier.map(|d| (&samples, d)),
    };
    source::collect(
        &cfg.selection,
        proc_root,
        spaces,
        &user,
        Pipeline::plain(&mut judged),
    )
}

/// The snapshots of the userspace stacks serving `spaces`, when `--stack` asks for them;
/// their warnings go to `sink`.
fn userspace(
    cfg: &Config,
    spaces: &[Space],
    sink: &mut dyn Sink,
) -> Vec<crate::diag::stack_reply::Snapshot> {
    if !cfg.selection.userspace {
        return Vec::new();
    }
    let found = source::stack::fetch(spaces);
    for w in &found.warnings {
        sink.warning(w);
    }
    found.snaps
}

/// `--peer`: every namespace searched and joined ([`peer_join`]), then the shown ones
/// printed, each socket with its peer.
fn with_peers<W: Write>(
    cfg: &Config,
    world: &mut World<W>,
    names: &mut Names,
    cgroups: Option<&CgroupPaths>,
    spaces: &[Space],
) -> Result<Unreached, Error> {
    let searched = peer_join::searched(cfg.netns == Target::All, &world.proc_root)?;
    let all = searched.as_deref().unwrap_or(spaces);
    let joined = peer_join::collect(&cfg.selection, &world.proc_root, all)?;
    if cfg.programs {
        owners_notice(&joined.owners);
    }
    let color = super::color(world);
    let mut sink = make_sink(
        cfg,
        &mut world.out,
        names,
        Some(&joined.owners),
        cgroups,
        color,
        None,
    )?;
    joined
        .replay(&cfg.selection, spaces, &mut sink.pipeline())
        .map_err(Error::Output)?;
    sink.sink().finish().map_err(Error::Output)?;
    Ok(joined.reach)
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
