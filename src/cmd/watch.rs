//! `rnetstat watch`: sockets as they open, change state and close. Every interval the
//! selected namespaces are dumped and diffed with the previous dump ([`diff`]); between
//! dumps, TCP closes arrive as the kernel announces them ([`Destroyed`]), each with its
//! final `tcp_info`, so connections that live less than an interval are seen too.
//!
//! A close the kernel announced is not reported again by the next diff, nor is what
//! remains of that connection: its TIME_WAIT (or FIN_WAIT2 time-wait) socket, known by the
//! cookie, or by the address pair when the connection was never dumped (the kernel gives a
//! socket its cookie on first use, and a time-wait socket made before that gets a cookie
//! of its own).
//!
//! With `--all-netns` the namespaces are looked for again at every interval: one made after
//! `watch` started is dumped and its destroy group joined; one that went away is let go (its
//! subscription closed, which would otherwise keep it alive).

use std::io::{self, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use super::closes::Closes;
use crate::cli::WatchArgs;
use crate::config::WatchConfig;
use crate::error::Error;
use crate::hash::{Map, Set};
use crate::model::{Endpoint, Family, Netns, Proto, Socket, State};
use crate::output::events::{Event, Events};
use crate::source::buffer::Buffered;
use crate::source::containers::RuntimeFiles;
use crate::source::diff::{Change, Key, diff, key};
use crate::source::netns::{self, Space, Target};
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;
use crate::source::{self, Selection};

/// One dump, owned (it outlives the namespace list it was taken with): each record without
/// what it borrowed, its unix path, and its namespace's inode.
struct Dump {
    keys: Vec<(Key, State)>,
    recs: Vec<(Socket<'static>, Option<Box<[u8]>>)>,
    owners: Option<Owners>,
}

fn dump(cfg: &WatchConfig, proc_root: &ProcRoot, spaces: &[Space]) -> Result<Dump, Error> {
    let owners = cfg.programs.then(|| Owners::scan(proc_root));
    let mut buf = Buffered::new(spaces);
    source::collect(
        &cfg.selection,
        proc_root,
        spaces,
        &[],
        source::Pipeline::plain(&mut buf),
    )?;
    for w in &buf.warnings {
        eprintln!("rnetstat: warning: {w}");
    }
    let mut keys = Vec::with_capacity(buf.len());
    let mut recs = Vec::with_capacity(buf.len());
    for i in 0..buf.len() {
        let ns = buf.netns(i).map_or(0, |n| n.inode);
        let s = buf.bare(i);
        keys.push((key(ns, s), s.state));
        recs.push((s.clone(), buf.path(i).map(Box::from)));
    }
    Ok(Dump { keys, recs, owners })
}

impl Dump {
    /// Record `i`, with its namespace (from `names`, by inode) and path.
    fn get<'a>(&'a self, i: usize, names: &'a Map<u64, Netns>) -> Socket<'a> {
        let (bare, path) = &self.recs[i];
        let mut s: Socket<'a> = bare.clone();
        s.netns = names.get(&self.keys[i].0.0);
        s.path = path.as_deref();
        s
    }
}

fn family_ok(sel: &Selection, s: &Socket<'_>) -> bool {
    match s.family {
        Family::Inet => sel.inet4,
        Family::Inet6 => sel.inet6,
        _ => true,
    }
}

/// How long an announced close or a transition waits before it is printed, so that the two
/// streams come out in the order things happened.
const HOLD: Duration = Duration::from_millis(100);

/// An announced close or a transition, waiting to be printed.
enum Held {
    /// The namespace's inode, when, and the socket's last record.
    Close(u64, SystemTime, Box<Socket<'static>>),
    Move(super::transitions::Transition),
}

impl Held {
    fn time(&self) -> SystemTime {
        match self {
            Held::Close(_, t, _) => *t,
            Held::Move(t) => t.at,
        }
    }
}

/// Prints one TCP transition the tracepoint told: a socket's first (a connect, an accepted
/// connection, a listen) as `open`, the others as `state`; the last, to CLOSE, is the
/// `close` the kernel's destroy announcement reports with the final counters.
fn transition(
    t: &super::transitions::Transition,
    cfg: &WatchConfig,
    nss: &Map<u64, Netns>,
    owners: Option<&Owners>,
    netns_column: bool,
    out: &mut impl Write,
) -> Result<(), Error> {
    // A namespace made since the last look is labelled by its inode (--all-netns).
    let unnamed;
    let ns = match nss.get(&t.netns) {
        Some(n) => n,
        None if cfg.netns == Target::All && t.netns != 0 => {
            unnamed = Netns {
                inode: t.netns,
                name: None,
                host: false,
                container: None,
            };
            &unnamed
        }
        None => return Ok(()),
    };
    if t.new == State::Close {
        return Ok(());
    }
    let birth = super::transitions::is_birth(t);
    let mut s = Socket::between(Proto::Tcp, t.local.into(), t.remote.into(), t.new);
    s.inode = t.inode;
    s.netns = Some(ns);
    if !family_ok(&cfg.selection, &s) || !cfg.selection.matches(&s) {
        return Ok(());
    }
    let e = if birth {
        Event::Open
    } else {
        Event::State(t.old)
    };
    Events::new(out, cfg.json, owners, netns_column)
        .event(t.at, e, &s)
        .map_err(Error::Output)
}

/// Each namespace's record, by inode, for the events' Namespace column and JSON.
fn names(spaces: &[Space]) -> Map<u64, Netns> {
    spaces.iter().map(|s| (s.ns.inode, s.ns.clone())).collect()
}

/// Whether a state is what a closed TCP connection leaves behind: a time-wait socket, in
/// TIME_WAIT or in its FIN_WAIT2 substate.
fn remnant(state: State) -> bool {
    matches!(state, State::TimeWait | State::FinWait2)
}

pub fn run(a: &WatchArgs) -> Result<(), Error> {
    let cfg = WatchConfig::from_args(a)?;
    let proc_root = ProcRoot::default();
    let mut spaces = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
    let mut nss = names(&spaces);
    let netns_column = cfg.netns != Target::Current;
    // The kernel's close announcements, heard between dumps.
    let mut closes = if cfg.selection.tcp {
        Some(Closes::start(&spaces, &proc_root)?)
    } else {
        None
    };
    // Every TCP transition, when the kernel's tracepoint can be read (root): then dumps
    // report TCP sockets' closes only, and no transition between two dumps is missed.
    let transitions = if cfg.selection.tcp {
        match super::transitions::start() {
            Ok(rx) => Some(rx),
            Err(e) => {
                eprintln!(
                    "rnetstat: warning: TCP state changes are seen by dumps only (a socket \
                     that changes twice between two dumps shows one change): {e}"
                );
                None
            }
        }
    } else {
        None
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut before = dump(&cfg, &proc_root, &spaces)?;
    let mut closed: Set<Key> = Set::default();
    // The address pairs of announced closes, for their time-wait remnants.
    let mut tuples: Set<(u64, Endpoint, Endpoint)> = Set::default();
    let mut next = Instant::now() + cfg.interval;
    // Announced closes and transitions come on two threads: each waits here for HOLD, so
    // they are printed in the order they happened.
    let mut held: Vec<Held> = Vec::new();
    loop {
        let mut wait = next.saturating_duration_since(Instant::now());
        if transitions.is_some() {
            wait = wait.min(HOLD / 2);
        }
        let heard = match &closes {
            Some(c) => c.heard.recv_timeout(wait),
            None => Err(mpsc::RecvTimeoutError::Disconnected),
        };
        let got = match heard {
            Ok((inode, at, s)) => {
                let mut shown: Socket<'_> = s.clone();
                shown.netns = nss.get(&inode);
                let k = key(inode, &shown);
                if family_ok(&cfg.selection, &shown)
                    && cfg.selection.matches(&shown)
                    && closed.insert(k)
                {
                    tuples.insert((k.0, shown.local, shown.remote));
                    held.push(Held::Close(inode, at, Box::new(s)));
                }
                true
            }
            Err(mpsc::RecvTimeoutError::Timeout) => false,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(wait);
                false
            }
        };
        if let Some(rx) = &transitions {
            held.extend(rx.try_iter().map(Held::Move));
        }
        let due = Instant::now() >= next;
        // Everything, before a dump's events; else what has waited HOLD.
        let cutoff = if due {
            SystemTime::now()
        } else {
            SystemTime::now() - HOLD
        };
        held.sort_by_key(Held::time);
        let ready = held.partition_point(|h| h.time() <= cutoff);
        for h in held.drain(..ready) {
            match h {
                Held::Close(inode, at, mut shown) => {
                    shown.netns = nss.get(&inode);
                    Events::new(&mut out, cfg.json, None, netns_column)
                        .event(at, Event::Close, &shown)
                        .map_err(Error::Output)?;
                }
                Held::Move(t) => transition(
                    &t,
                    &cfg,
                    &nss,
                    before.owners.as_ref(),
                    netns_column,
                    &mut out,
                )?,
            }
        }
        if got || !due {
            continue;
        }
        next += cfg.interval;
        if cfg.netns == Target::All {
            let now = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
            let new = now.iter().any(|s| !nss.contains_key(&s.ns.inode));
            if new || spaces.len() != now.len() {
                if let Some(c) = &mut closes {
                    c.follow(&now, &proc_root);
                }
                // Namespaces no longer there keep their labels until their last
                // records have been reported closed.
                for s in &now {
                    nss.insert(s.ns.inode, s.ns.clone());
                }
                spaces = now;
            }
        }
        let after = dump(&cfg, &proc_root, &spaces)?;
        let at = SystemTime::now();
        for c in diff(&before.keys, &after.keys) {
            let (d, i, e) = match c {
                Change::Open(i) => (&after, i, Event::Open),
                Change::State { now, before: b } => (&after, now, Event::State(b)),
                Change::Close(i) => (&before, i, Event::Close),
            };
            if closed.contains(&d.keys[i].0) {
                continue;
            }
            let s = &d.recs[i].0;
            let ns = d.keys[i].0.0;
            // The tracepoint reported this TCP socket's opening and changes as they came.
            if transitions.is_some() && s.proto == Proto::Tcp && e != Event::Close {
                continue;
            }
            if e == Event::Open && remnant(s.state) && tuples.contains(&(ns, s.local, s.remote)) {
                closed.insert(d.keys[i].0);
                continue;
            }
            Events::new(&mut out, cfg.json, d.owners.as_ref(), netns_column)
                .event(at, e, &d.get(i, &nss))
                .map_err(Error::Output)?;
        }
        // A close the kernel announced matters while something of that socket remains.
        let present: Set<Key> = after.keys.iter().map(|(k, _)| *k).collect();
        closed.retain(|k| present.contains(k));
        let live: Set<(u64, Endpoint, Endpoint)> = after
            .recs
            .iter()
            .zip(&after.keys)
            .map(|((s, _), (k, _))| (k.0, s.local, s.remote))
            .collect();
        tuples.retain(|t| live.contains(t));
        // Labels of namespaces with nothing left in them are let go.
        if nss.len() > spaces.len() {
            let inodes: Set<u64> = spaces.iter().map(|s| s.ns.inode).collect();
            nss.retain(|n, _| inodes.contains(n));
        }
        before = after;
        out.flush().map_err(Error::Output)?;
    }
}
