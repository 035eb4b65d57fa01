//! `-i`, `-r` and `-g`: interfaces, routes and multicast groups. Each is read inside the
//! namespace it describes (its `/proc/net` files, rtnetlink and interface ioctls are all
//! per namespace); with `--all-netns` there is one section per namespace.

use std::io::Write;
use std::thread;

use crate::config::{Config, View};
use crate::error::Error;
use crate::model::iface::{Interface, Membership};
use crate::model::route::Route;
use crate::output::Format;
use crate::output::names::Names;
use crate::output::netns::Sections;
use crate::source::Listening;
use crate::source::netns::Target;
use crate::source::procfs::ProcRoot;

use super::World;

/// What one namespace's view holds, read inside it.
enum Data {
    Routes(Vec<Route>),
    Interfaces(Vec<Interface>),
    Groups(Vec<Membership>),
}

pub fn run<W: Write>(cfg: &Config, world: &mut World<W>) -> Result<(), Error> {
    let mut names = Names::new(cfg.numeric);
    loop {
        let spaces = super::spaces(cfg, &world.proc_root)?;
        let per_section = cfg.netns == Target::All;
        let json = matches!(cfg.format, Format::Json | Format::Jsonl);
        let mut sections = Sections::new(json);
        let mut refused = 0;
        for space in &spaces {
            let root = &world.proc_root;
            let read = super::read_in(space, root, per_section, &mut refused, |r| read(cfg, r))?;
            let Some((data, warnings)) = read else {
                continue;
            };
            if per_section {
                let mut body = Vec::new();
                render(cfg, &mut body, &data, &warnings, &mut names, false)?;
                sections
                    .section(&mut world.out, &space.ns, &super::heading(space), &body)
                    .map_err(Error::Output)?;
            } else {
                let color = super::color(world);
                render(cfg, &mut world.out, &data, &warnings, &mut names, color)?;
            }
        }
        if per_section {
            sections.finish(&mut world.out).map_err(Error::Output)?;
        }
        super::refused_notice(refused);
        super::lookup_notice(&mut names);
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}

/// Reads the view inside the namespace whose `/proc` root is `root`.
fn read(cfg: &Config, root: &ProcRoot) -> Result<(Data, Vec<String>), Error> {
    let sel = &cfg.selection;
    Ok(match cfg.view {
        View::Routes => {
            let (l, w) =
                crate::source::routes::routes(root, cfg.stats.v4, cfg.stats.v6, sel.source)?;
            (Data::Routes(l), w)
        }
        View::Groups => {
            let (l, w) = crate::source::ifaces::groups(root, sel.inet4, sel.inet6)?;
            (Data::Groups(l), w)
        }
        _ => {
            let (l, w) = crate::source::ifaces::interfaces(root, cfg.text.extend)?;
            (Data::Interfaces(l), w)
        }
    })
}

fn render(
    cfg: &Config,
    mut out: &mut dyn Write,
    data: &Data,
    warnings: &[String],
    names: &mut Names,
    color: bool,
) -> Result<(), Error> {
    match data {
        Data::Routes(list) => {
            let o = cfg.stats;
            let r = crate::output::route::Render {
                format: cfg.format,
                layout: crate::output::route::Layout::from_extend(o.extend),
                v4: o.v4,
                v6: o.v6,
                warnings,
                color,
            };
            crate::output::route::render(&mut out, list, names, &r)
        }
        Data::Interfaces(list) => {
            let o = crate::output::iface::Opts {
                format: cfg.format,
                all: cfg.selection.listening == Listening::All,
                long: cfg.text.extend,
                color,
            };
            crate::output::iface::render(&mut out, list, warnings, o)
        }
        Data::Groups(list) => {
            crate::output::groups::render(&mut out, cfg.format, list, names, warnings, color)
        }
    }
    .map_err(Error::Output)
}
