//! The socket listing: owners once, the sink the format asks for, every selected namespace,
//! and again every `-c` interval (namespaces are found afresh each time).

use std::io::Write;
use std::thread;

use crate::config::Config;
use crate::error::Error;
use crate::output::Format;
use crate::output::detail::CgroupPaths;
use crate::output::json::Json;
use crate::output::names::Names;
use crate::output::netstat::NetstatText;
use crate::output::summary::Summary;
use crate::output::table::TableOut;
use crate::source::netns::Space;
use crate::source::owners::Owners;
use crate::source::{self, Reach, Sink};
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
        // One walk of /proc serves every namespace: socket inodes are unique host-wide.
        let owners = cfg.programs.then(|| {
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
) -> Result<Reach, Error> {
    let color = super::color(world);
    let where_column = super::shows_netns(cfg);
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
                owners,
                color,
                cfg.text.extend,
                cfg.text.stack_column,
            )
            .with_netns(where_column),
        ),
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
    let reach = source::collect(
        &cfg.selection,
        &world.proc_root,
        spaces,
        &user,
        sink.as_mut(),
    )?;
    sink.finish().map_err(Error::Output)?;
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
