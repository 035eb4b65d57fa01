//! `rnetstat watch`: sockets as they open, change state and close. Every interval the
//! selected namespaces are dumped and diffed with the previous dump ([`diff`]); between
//! dumps, TCP closes arrive as the kernel announces them ([`Destroyed`]), each with its
//! final `tcp_info`, so connections that live less than an interval are seen too.
//!
//! A close the kernel announced is not reported again by the next diff, nor is what
//! remains of that connection: its TIME_WAIT socket, known by the cookie, or by the
//! address pair when the connection was never dumped (the kernel gives a socket its
//! cookie on first use, and a TIME_WAIT socket made before that gets a cookie of its own).

use std::io::{self, Write};
use std::sync::mpsc;
use std::time::{Instant, SystemTime};

use crate::cli::WatchArgs;
use crate::config::WatchConfig;
use crate::error::Error;
use crate::hash::Set;
use crate::model::{Endpoint, Family, Socket, State};
use crate::output::events::{Event, Events};
use crate::source::buffer::Buffered;
use crate::source::containers::RuntimeFiles;
use crate::source::diff::{Change, Key, diff, key};
use crate::source::netlink::destroyed::Destroyed;
use crate::source::netns::{self, Space};
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;
use crate::source::{self, Selection};

/// One dump, and each record's key and state.
struct Dump<'n> {
    buf: Buffered<'n>,
    keys: Vec<(Key, State)>,
    owners: Option<Owners>,
}

fn dump<'n>(
    cfg: &WatchConfig,
    proc_root: &ProcRoot,
    spaces: &'n [Space],
) -> Result<Dump<'n>, Error> {
    let owners = cfg.programs.then(|| Owners::scan(proc_root));
    let mut buf = Buffered::new(spaces);
    source::collect(&cfg.selection, proc_root, spaces, &[], &mut buf)?;
    for w in &buf.warnings {
        eprintln!("rnetstat: warning: {w}");
    }
    let keys = (0..buf.len())
        .map(|i| {
            let ns = buf.netns(i).map_or(0, |n| n.inode);
            let s = buf.bare(i);
            (key(ns, s), s.state)
        })
        .collect();
    Ok(Dump { buf, keys, owners })
}

/// A TCP socket the kernel destroyed: which namespace, when, and its last record.
type Closed = (usize, SystemTime, Socket<'static>);

/// Reads every subscription, forever, and sends what it hears.
fn listen(mut subs: Vec<(usize, Destroyed)>, tx: mpsc::Sender<Closed>) {
    use rustix::event::{PollFd, PollFlags, poll};
    loop {
        let ready: Vec<usize> = {
            let mut fds: Vec<PollFd<'_>> = subs
                .iter()
                .map(|(_, s)| PollFd::from_borrowed_fd(s.fd(), PollFlags::IN))
                .collect();
            if poll(&mut fds, None).is_err() {
                continue;
            }
            fds.iter()
                .enumerate()
                .filter(|(_, f)| !f.revents().is_empty())
                .map(|(k, _)| k)
                .collect()
        };
        for k in ready {
            let (ns, sub) = &mut subs[k];
            let now = SystemTime::now();
            let mut gone = Vec::new();
            if let Err(e) = sub.recv(|s| gone.push(s.detached()))
                && e.raw_os_error() == Some(libc::ENOBUFS)
            {
                eprintln!(
                    "rnetstat: warning: closes came faster than they were read; some were lost"
                );
            }
            for s in gone {
                if tx.send((*ns, now, s)).is_err() {
                    return;
                }
            }
        }
    }
}

fn family_ok(sel: &Selection, s: &Socket<'_>) -> bool {
    match s.family {
        Family::Inet => sel.inet4,
        Family::Inet6 => sel.inet6,
        _ => true,
    }
}

pub fn run(a: &WatchArgs) -> Result<(), Error> {
    let cfg = WatchConfig::from_args(a)?;
    let proc_root = ProcRoot::default();
    let spaces = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
    let (tx, rx) = mpsc::channel::<Closed>();
    if cfg.selection.tcp {
        let mut subs = Vec::new();
        let mut why = None;
        for (i, r) in netns::each(&spaces, &proc_root, |_| Destroyed::subscribe())
            .into_iter()
            .enumerate()
        {
            match r {
                Ok(Ok(s)) => subs.push((i, s)),
                Ok(Err(e)) => why = Some(e.to_string()),
                Err(e) => why = Some(e.to_string()),
            }
        }
        if let Some(why) = why {
            eprintln!(
                "rnetstat: warning: TCP sockets that open and close between two dumps are not \
                 seen in every namespace: joining sock_diag's destroy groups needs root \
                 (CAP_NET_ADMIN) ({why})"
            );
        }
        if !subs.is_empty() {
            std::thread::spawn(move || listen(subs, tx));
        }
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut before = dump(&cfg, &proc_root, &spaces)?;
    let mut closed: Set<Key> = Set::default();
    // The address pairs of announced closes, for their TIME_WAIT remnants.
    let mut tuples: Set<(u64, Endpoint, Endpoint)> = Set::default();
    let mut next = Instant::now() + cfg.interval;
    loop {
        let wait = next.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok((i, at, s)) => {
                let mut shown: Socket<'_> = s;
                shown.netns = spaces.get(i).map(|sp| &sp.ns);
                let k = key(shown.netns.map_or(0, |n| n.inode), &shown);
                if family_ok(&cfg.selection, &shown)
                    && cfg.selection.matches(&shown)
                    && closed.insert(k)
                {
                    tuples.insert((k.0, shown.local, shown.remote));
                    Events::new(&mut out, cfg.json, None)
                        .event(at, Event::Close, &shown)
                        .map_err(Error::Output)?;
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
        next += cfg.interval;
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
            let s = d.buf.bare(i);
            let ns = d.keys[i].0.0;
            if e == Event::Open
                && s.state == State::TimeWait
                && tuples.contains(&(ns, s.local, s.remote))
            {
                closed.insert(d.keys[i].0);
                continue;
            }
            Events::new(&mut out, cfg.json, d.owners.as_ref())
                .event(at, e, &d.buf.get(i))
                .map_err(Error::Output)?;
        }
        // A close the kernel announced matters while something of that socket remains.
        let present: Set<Key> = after.keys.iter().map(|(k, _)| *k).collect();
        closed.retain(|k| present.contains(k));
        let live: Set<(u64, Endpoint, Endpoint)> = (0..after.buf.len())
            .map(|i| {
                let s = after.buf.bare(i);
                (after.keys[i].0.0, s.local, s.remote)
            })
            .collect();
        tuples.retain(|t| live.contains(t));
        before = after;
        out.flush().map_err(Error::Output)?;
    }
}
