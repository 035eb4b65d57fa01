//! `rnetstat diff FROM [TO]`: what the recorder saw at FROM against TO (recorded) or now
//! (a live dump), keyed as dumps key sockets: listeners added and removed, connections
//! opened and closed, states changed.

use std::io::Write;
use std::time::UNIX_EPOCH;

use clap::Parser;

use crate::cli::{Cli, DiffArgs};
use crate::config::Config;
use crate::error::Error;
use crate::hash::Map;
use crate::model::{Netns, Socket, State};
use crate::output::changes::{self, Changes};
use crate::record::{Key, Seen};
use crate::source::Selection;
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;

use super::World;

pub fn run<W: Write>(a: &DiffArgs, world: &mut World<W>) -> Result<(), Error> {
    let mut cli =
        Cli::try_parse_from(["rnetstat"]).map_err(|e| Error::Usage(format!("diff: {e}")))?;
    cli.protocols = a.protocols.clone();
    cli.netns = a.netns.clone();
    cli.all = true;
    cli.at = Some(a.from.clone());
    cli.db = a.db.clone();
    let cfg = Config::from_cli(&cli)?;
    let Some(at) = &cfg.at else {
        return Err(Error::Usage("diff: no time given".into()));
    };
    let label = |ms: i64| crate::output::events::rfc3339(crate::output::events::from_unix_ms(ms));
    // The tables the recorder dumped at each time: only those dumped at both (or at FROM,
    // against a live side) are compared.
    let mut recorded_tables: Vec<Vec<String>> = Vec::new();
    let mut recorded = |ms: i64| -> Result<(i64, Vec<Seen>), Error> {
        crate::record::sockets_at(&at.db, ms)?
            .map(|snap| {
                recorded_tables.extend(snap.tables);
                (snap.at, snap.sockets)
            })
            .ok_or_else(|| Error::History {
                path: at.db.display().to_string(),
                reason: format!("nothing was recorded at or before {}", label(ms)),
            })
    };
    let keep = super::at::selected(&cfg, &ProcRoot::default())?;
    let mut recorded = |ms: i64| -> Result<(i64, Vec<Seen>), Error> {
        let (t, v) = recorded(ms)?;
        let v = v
            .into_iter()
            .filter(|s| keep.as_ref().is_none_or(|k| k.contains(&s.key.0)))
            .collect();
        Ok((t, v))
    };
    let (t1, mut before) = recorded(at.ms)?;
    let (to_label, mut after) = match &a.to {
        Some(t) => {
            let ms = crate::config::parse_time("TIME", t, now_ms())?;
            let (t2, v) = recorded(ms)?;
            (label(t2), v)
        }
        None => {
            let live = super::record::dump(&cfg.selection, &cfg.netns, &ProcRoot::default())?;
            ("now".to_string(), live)
        }
    };
    let dumped = |s: &Seen| {
        let table = format!("{}/{}", s.proto, s.family);
        recorded_tables.iter().all(|t| t.contains(&table))
    };
    before.retain(dumped);
    after.retain(dumped);
    let host = super::at::host_inode(&crate::source::procfs::ProcRoot::default());
    let mut spaces: Vec<Netns> = Vec::new();
    for s in before.iter().chain(&after) {
        if !spaces.iter().any(|n| n.inode == s.key.0) {
            spaces.push(super::at::netns_of(s, host));
        }
    }
    let sel = &cfg.selection;
    let (b, n) = (
        records(&before, &spaces, sel),
        records(&after, &spaces, sel),
    );
    let owners = Owners::from_records(before.iter().chain(&after).filter_map(|s| {
        Some((
            s.first_inode,
            s.pid?,
            s.process.clone().unwrap_or_default(),
            s.program.clone(),
        ))
    }));
    let mut c = Changes::default();
    let mut keys: Vec<&Key> = n.keys().collect();
    keys.sort();
    for k in keys {
        let (s, st) = &n[k];
        match b.get(k) {
            None if Selection::is_listening(s) => c.listeners_added.push(s),
            None => c.opened.push(s),
            Some((_, old)) if old != st => c.changed.push((*old, s)),
            Some(_) => {}
        }
    }
    let mut gone: Vec<&Key> = b.keys().filter(|k| !n.contains_key(k)).collect();
    gone.sort();
    for k in gone {
        let (s, _) = &b[k];
        if Selection::is_listening(s) {
            c.listeners_removed.push(s);
        } else {
            c.closed.push(s);
        }
    }
    let from = label(t1);
    let r = if a.json {
        changes::json(&mut world.out, &from, &to_label, &c, &owners)
    } else {
        changes::text(&mut world.out, &from, &to_label, &c, &owners)
    };
    r.map_err(Error::Output)
}

/// Each recorded socket as a record, by key, with its state.
fn records<'a>(
    v: &'a [Seen],
    spaces: &'a [Netns],
    sel: &Selection,
) -> Map<Key, (Socket<'a>, State)> {
    v.iter()
        .filter_map(|s| {
            let ns = spaces.iter().find(|n| n.inode == s.key.0)?;
            let mut r = super::at::socket(s, ns)?;
            if r.inode == 0 {
                r.inode = s.first_inode;
            }
            let st = r.state;
            wanted(sel, &r).then_some((s.key, (r, st)))
        })
        .collect()
}

/// The protocols and the filter's expression (not `-l`/`-a`: a diff covers every state).
fn wanted(sel: &Selection, s: &Socket<'_>) -> bool {
    sel.tables().contains(&(s.proto, s.family)) && sel.matches(s)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
