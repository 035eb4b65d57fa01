//! `rnetstat history`: the recorder's events (open, state, close) between two times, in
//! order, each with the socket as it was and the process that held it; text, or JSON lines
//! as `watch --json` writes them.

use std::io::Write;

use clap::Parser;

use crate::cli::{Cli, HistoryArgs};
use crate::config::Config;
use crate::error::Error;
use crate::model::{Netns, State};
use crate::output::events::{Event, Events};
use crate::record::Happened;
use crate::source::owners::Owners;

use super::World;

pub fn run<W: Write>(a: &HistoryArgs, world: &mut World<W>) -> Result<(), Error> {
    // The listing's resolution of the protocols and the filter: one set of meanings.
    let mut cli =
        Cli::try_parse_from(["rnetstat"]).map_err(|e| Error::Usage(format!("history: {e}")))?;
    cli.protocols = a.protocols.clone();
    cli.filter = a.filter.clone();
    cli.all = true;
    // `--at now` resolves the database and the clock as the listing does.
    cli.at = Some("-0s".into());
    cli.db = a.db.clone();
    let cfg = Config::from_cli(&cli)?;
    let Some(at) = &cfg.at else {
        return Err(Error::Usage("history: no database".into()));
    };
    let now = at.ms;
    let when = |flag: &str, t: &Option<String>, default: i64| -> Result<i64, Error> {
        t.as_deref()
            .map_or(Ok(default), |t| crate::config::parse_time(flag, t, now))
    };
    let (since, until) = (
        when("--since", &a.since, 0)?,
        when("--until", &a.until, now)?,
    );
    if since > until {
        return Err(Error::Usage("history: --since is after --until".into()));
    }
    // The filter's remote end, when it names one, narrows what is read (by index).
    let remote = cfg
        .selection
        .filter
        .as_ref()
        .map(|f| {
            let (addrs, port) = f.remote_hint();
            crate::record::Remote { addrs, port }
        })
        .unwrap_or_default();
    let events = crate::record::events(&at.db, since, until, &remote)?;
    let host = super::at::host_inode(&crate::source::procfs::ProcRoot::default());
    let mut spaces: Vec<Netns> = Vec::new();
    for (_, _, s) in &events {
        if !spaces.iter().any(|n| n.inode == s.key.0) {
            spaces.push(super::at::netns_of(s, host));
        }
    }
    // Name each socket's process by the inode it had when held, and each pid by the
    // process that had it then: a run of events in which no pid changes its name.
    let runs = named_runs(events.iter().map(|e| &e.2));
    let owners: Vec<Owners> = runs
        .iter()
        .map(|r| {
            Owners::from_records(events[r.clone()].iter().filter_map(|(_, _, s)| {
                Some((
                    s.first_inode,
                    s.pid?,
                    s.process.clone().unwrap_or_default(),
                    s.program.clone(),
                ))
            }))
        })
        .collect();
    let mut out = Events::new(&mut world.out, a.json, owners.first(), spaces.len() > 1);
    let sel = &cfg.selection;
    let tables = sel.tables();
    let mut run = 0;
    for (i, (t, what, s)) in events.iter().enumerate() {
        if runs.get(run).is_some_and(|r| !r.contains(&i)) {
            run += 1;
            out.set_owners(owners.get(run));
        }
        let Some(ns) = spaces.iter().find(|n| n.inode == s.key.0) else {
            continue;
        };
        let Some(mut r) = super::at::socket(s, ns) else {
            continue;
        };
        if !tables.contains(&(r.proto, r.family)) || !sel.matches(&r) {
            continue;
        }
        if r.inode == 0 {
            r.inode = s.first_inode;
        }
        let e = match what {
            Happened::Open => Event::Open,
            Happened::State(p) => Event::State(State::from_name(p).unwrap_or(State::Close)),
            Happened::Close => Event::Close,
        };
        let time = crate::output::events::from_unix_ms(*t);
        out.event(time, e, &r).map_err(Error::Output)?;
    }
    Ok(())
}

/// The events split where a pid names another process than before in them (the pid was
/// taken again): index ranges covering every event, in order.
fn named_runs<'s>(
    sockets: impl Iterator<Item = &'s crate::record::Seen>,
) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut names: crate::hash::Map<u32, (Option<&str>, Option<&str>)> = Default::default();
    let mut n = 0;
    for (i, s) in sockets.enumerate() {
        n = i + 1;
        let Some(pid) = s.pid else { continue };
        let name = (s.process.as_deref(), s.program.as_deref());
        if names.get(&pid).is_some_and(|had| *had != name) {
            runs.push(start..i);
            start = i;
            names.clear();
        }
        names.insert(pid, name);
    }
    runs.push(start..n);
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(pid: Option<u32>, name: &str) -> crate::record::Seen {
        crate::record::Seen {
            key: (1, 1, 0),
            netns_name: None,
            container: None,
            cookie: 1,
            inode: 1,
            first_inode: 1,
            proto: "tcp",
            family: "inet",
            sock_type: "stream",
            state: "ESTABLISHED",
            local: None,
            remote: None,
            path: None,
            uid: 0,
            pid,
            process: Some(name.into()),
            program: Some(name.into()),
            recv_q: 0,
            send_q: 0,
            counters: None,
            timer_ms: None,
        }
    }

    #[test]
    fn a_pid_taken_again_starts_a_new_run() {
        let seen = [
            held(Some(7), "nginx"),
            held(Some(8), "curl"),
            held(None, "-"),
            held(Some(7), "nginx"),
            held(Some(7), "sshd"),
            held(Some(8), "curl"),
            held(Some(7), "nginx"),
        ];
        assert_eq!(named_runs(seen.iter()), vec![0..4, 4..6, 6..7]);
        assert_eq!(named_runs([].iter()), vec![0..0]);
    }
}
