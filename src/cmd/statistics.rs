//! `-s`: the protocol counters of each selected namespace, or with `--delta` their change
//! since the previous run (history kept per user and per namespace) and then over each
//! `-c` interval. With `--all-netns`, one section per namespace.

use std::io::Write;
use std::thread;

use crate::config::Config;
use crate::diag::stats_history::Saved;
use crate::error::Error;
use crate::history::{self, History};
use crate::model::counters::{delta, netstat_order};
use crate::output::Format;
use crate::output::counters_text::{Render, Span};
use crate::output::netns::Sections;
use crate::source;
use crate::source::netns::{Space, Target};

use super::World;

/// One namespace's history and what it said last time.
struct Memory {
    history: Option<History>,
    before: Option<Saved>,
    /// Notes for the first print.
    pending: Vec<String>,
}

impl Memory {
    fn new(delta: bool, space: &Space) -> Result<Memory, Error> {
        let inode = if space.is_current() {
            history::netns_inode()
        } else {
            space.ns.inode
        };
        let history = delta.then(|| History::locate(inode)).transpose()?;
        let mut pending = Vec::new();
        let before = match &history {
            Some(h) => h.load(&mut pending)?,
            None => None,
        };
        if let (Some(h), None) = (&history, &before) {
            pending.push(format!(
                "no earlier `-s --delta` run in this network namespace: showing the counts since \
                 it began (history: {})",
                h.shown()
            ));
        }
        Ok(Memory {
            history,
            before,
            pending,
        })
    }
}

pub fn run<W: Write>(cfg: &Config, world: &mut World<W>) -> Result<(), Error> {
    let o = cfg.stats;
    // Chosen once: each namespace's history follows it across the -c intervals.
    let spaces = super::spaces(cfg, &world.proc_root)?;
    let mut memories = spaces
        .iter()
        .map(|s| Memory::new(o.delta, s))
        .collect::<Result<Vec<_>, _>>()?;
    let per_section = cfg.netns == Target::All;
    let json = matches!(cfg.format, Format::Json | Format::Jsonl);
    let color = super::color(world);
    let mut first = true;
    loop {
        let mut sections = Sections::new(json);
        let mut refused = 0;
        for (space, m) in spaces.iter().zip(&mut memories) {
            let taken = history::now();
            let root = &world.proc_root;
            let read = super::read_in(space, root, per_section, &mut refused, |r| {
                source::read_counters::read(r)
                    .map(|(now, w)| (now, w, source::read_counters::has_ipv6(r)))
            })?;
            let Some((now, mut warnings, has6)) = read else {
                continue;
            };
            if first && o.v6 && !has6 {
                m.pending
                    .push("no IPv6 counters: /proc/net/snmp6 is missing".into());
            }
            warnings.splice(0..0, m.pending.drain(..));
            let (shown, span) = match &m.history {
                None => (None, Span::Totals),
                Some(_) => {
                    let earlier = m.before.as_ref().map_or(&[][..], |b| &b.sections[..]);
                    let seconds = m.before.as_ref().and_then(|b| b.age(taken));
                    (Some(delta(&now, earlier)), Span::Delta { seconds })
                }
            };
            let list = netstat_order(shown.as_deref().unwrap_or(&now), o.v4, o.v6);
            let r = Render {
                format: cfg.format,
                groups: o.groups,
                span,
                warnings: &warnings,
                color: color && !per_section,
            };
            if per_section {
                let mut body = Vec::new();
                crate::output::counters_text::render(&mut body, &list, &r)
                    .map_err(Error::Output)?;
                sections
                    .section(&mut world.out, &space.ns, &super::heading(space), &body)
                    .map_err(Error::Output)?;
            } else {
                crate::output::counters_text::render(&mut world.out, &list, &r)
                    .map_err(Error::Output)?;
            }
            if let Some(h) = &m.history {
                h.save(&now, taken)?;
                m.before = Some(Saved {
                    taken,
                    sections: now,
                });
            }
        }
        if per_section {
            sections.finish(&mut world.out).map_err(Error::Output)?;
        }
        super::refused_notice(refused);
        first = false;
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}
