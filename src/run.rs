//! One run of rnetstat: collect owners if asked, pick the sink, collect, repeat for `-c`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::thread;

use crate::config::{Config, View};
use crate::error::Error;
use crate::output::Format;
use crate::output::detail::CgroupPaths;
use crate::output::json::Json;
use crate::output::names::Names;
use crate::output::netstat::NetstatText;
use crate::output::summary::Summary;
use crate::output::table::TableOut;
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;
use crate::source::{self, Sink};
use crate::sys;

/// The outside world a run touches, passed in so tests can substitute it.
pub struct World<W: Write> {
    pub out: W,
    pub proc_root: ProcRoot,
    /// Whether stdout is a terminal (colour in tables).
    pub tty: bool,
}

impl World<BufWriter<io::Stdout>> {
    pub fn real() -> Self {
        let stdout = io::stdout();
        let tty = stdout.is_terminal();
        World {
            out: BufWriter::with_capacity(64 * 1024, stdout),
            proc_root: ProcRoot::default(),
            tty,
        }
    }
}

pub fn run<W: Write>(cfg: &Config, world: &mut World<W>) -> Result<(), Error> {
    if cfg.kill {
        return crate::kill::run(cfg, &world.proc_root, &mut world.out);
    }
    if cfg.view == View::Statistics {
        return statistics(cfg, world);
    }
    let mut names = Names::new(cfg.numeric);
    if cfg.view != View::Sockets {
        loop {
            view_once(cfg, world, &mut names)?;
            lookup_notice(&mut names);
            match cfg.continuous {
                Some(d) => thread::sleep(d),
                None => return Ok(()),
            }
        }
    }
    // cgroup paths, only when -ee (text) or -e (JSON) will print them.
    let json = matches!(cfg.format, Format::Json | Format::Jsonl);
    let cgroups = ((json && cfg.text.extend) || cfg.text.extend_more)
        .then(|| crate::source::cgroups::scan(&crate::source::cgroups::root()));
    loop {
        let owners = cfg.programs.then(|| {
            let o = Owners::scan(&world.proc_root);
            owners_notice(&o);
            o
        });
        once(cfg, world, &mut names, owners.as_ref(), cgroups.as_ref())?;
        lookup_notice(&mut names);
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}

/// One print of a non-socket view (`-i`, `-g`).
fn view_once<W: Write>(cfg: &Config, world: &mut World<W>, names: &mut Names) -> Result<(), Error> {
    let color = color(world);
    let out = &mut world.out;
    match cfg.view {
        View::Sockets | View::Statistics => Ok(()),
        View::Routes => {
            let o = cfg.stats;
            let (list, warnings) =
                crate::source::routes::routes(&world.proc_root, o.v4, o.v6, cfg.selection.source)?;
            let r = crate::output::route::Render {
                format: cfg.format,
                layout: crate::output::route::Layout::from_extend(o.extend),
                v4: o.v4,
                v6: o.v6,
                warnings: &warnings,
                color,
            };
            crate::output::route::render(out, &list, names, &r).map_err(Error::Output)
        }
        View::Interfaces => {
            let long = cfg.text.extend;
            let (list, warnings) = crate::source::ifaces::interfaces(&world.proc_root, long)?;
            let all = cfg.selection.listening == crate::source::Listening::All;
            let o = crate::output::iface::Opts {
                format: cfg.format,
                all,
                long,
                color,
            };
            crate::output::iface::render(out, &list, &warnings, o).map_err(Error::Output)
        }
        View::Groups => {
            let sel = &cfg.selection;
            let (list, warnings) =
                crate::source::ifaces::groups(&world.proc_root, sel.inet4, sel.inet6)?;
            crate::output::groups::render(out, cfg.format, &list, names, &warnings, color)
                .map_err(Error::Output)
        }
    }
}

/// `-s`: the counters, or with `--delta` their change since the previous run and then
/// over each `-c` interval.
fn statistics<W: Write>(cfg: &Config, world: &mut World<W>) -> Result<(), Error> {
    use crate::history::{self, History, Saved};
    use crate::model::stats::{delta, netstat_order};
    use crate::output::stats::{Render, Span};

    let o = cfg.stats;
    let history = o
        .delta
        .then(|| History::locate(history::netns_inode()))
        .transpose()?;
    let mut pending = Vec::new();
    let mut before = history.as_ref().and_then(|h| h.load(&mut pending));
    if let (Some(h), None) = (&history, &before) {
        pending.push(format!(
            "no earlier `-s --delta` run in this network namespace: showing the counts since \
             it began (history: {})",
            h.path().display()
        ));
    }
    if o.v6 && !source::stats::has_ipv6(&world.proc_root) {
        pending.push("no IPv6 counters: /proc/net/snmp6 is missing".into());
    }
    let color = color(world);
    loop {
        let taken = history::now();
        let (now, mut warnings) = source::stats::read(&world.proc_root)?;
        warnings.splice(0..0, pending.drain(..));
        let (shown, span) = match &history {
            None => (None, Span::Totals),
            Some(_) => {
                let earlier = before.as_ref().map_or(&[][..], |b| &b.sections[..]);
                let seconds = before.as_ref().and_then(|b| b.age(taken));
                (Some(delta(&now, earlier)), Span::Delta { seconds })
            }
        };
        let list = netstat_order(shown.as_deref().unwrap_or(&now), o.v4, o.v6);
        let r = Render {
            format: cfg.format,
            groups: o.groups,
            span,
            warnings: &warnings,
            color,
        };
        crate::output::stats::render(&mut world.out, &list, &r).map_err(Error::Output)?;
        if let Some(h) = &history {
            if let Err(e) = h.save(&now, taken) {
                eprintln!("rnetstat: warning: cannot save {}: {e}", h.path().display());
            }
            before = Some(Saved {
                taken,
                sections: now,
            });
        }
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}

/// Colour in tables: on a terminal, unless `NO_COLOR` is set.
fn color<W: Write>(world: &World<W>) -> bool {
    world.tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn once<W: Write>(
    cfg: &Config,
    world: &mut World<W>,
    names: &mut Names,
    owners: Option<&Owners>,
    cgroups: Option<&CgroupPaths>,
) -> Result<(), Error> {
    let color = color(world);
    let out = &mut world.out;
    let mut sink: Box<dyn Sink + '_> = match cfg.format {
        _ if cfg.summary => Box::new(Summary::new(
            out,
            cfg.format != Format::Text && cfg.format != Format::Table,
        )),
        Format::Text => Box::new(
            NetstatText::new(out, names, owners, cfg.text, cfg.selection.listening)
                .with_cgroups(cgroups),
        ),
        Format::Table => Box::new(TableOut::new(
            out,
            names,
            owners,
            color,
            cfg.text.extend,
            cfg.text.stack_column,
        )),
        Format::Json | Format::Jsonl => {
            let j = Json::new(out, cfg.format == Format::Jsonl, owners).map_err(Error::Output)?;
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
    source::collect(&cfg.selection, &world.proc_root, &user, sink.as_mut())?;
    sink.finish().map_err(Error::Output)
}

/// Says once per print that name lookups ran out of time.
fn lookup_notice(names: &mut Names) {
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
