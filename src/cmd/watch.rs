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
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::{Instant, SystemTime};

use crate::cli::WatchArgs;
use crate::config::WatchConfig;
use crate::error::Error;
use crate::hash::{Map, Set};
use crate::model::{Endpoint, Family, Netns, Socket, State};
use crate::output::events::{Event, Events};
use crate::source::buffer::Buffered;
use crate::source::containers::RuntimeFiles;
use crate::source::diff::{Change, Key, diff, key};
use crate::source::netlink::destroy_events::Destroyed;
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

/// A TCP socket the kernel destroyed: its namespace's inode, when, and its last record.
type Closed = (u64, SystemTime, Socket<'static>);

/// What the listener is told when the namespaces change: subscriptions to add, and the
/// namespaces to keep (the others' subscriptions are closed).
struct Update {
    add: Vec<(u64, Destroyed)>,
    keep: Set<u64>,
}

/// Reads every subscription, forever, and sends what it hears; `wake` is readable when an
/// update waits on `updates`.
fn listen(
    mut subs: Vec<(u64, Destroyed)>,
    tx: mpsc::Sender<Closed>,
    updates: mpsc::Receiver<Update>,
    wake: UnixStream,
) {
    use rustix::event::{PollFd, PollFlags, poll};
    use std::io::Read;
    loop {
        let (ready, woken): (Vec<usize>, bool) = {
            let mut fds: Vec<PollFd<'_>> = subs
                .iter()
                .map(|(_, s)| PollFd::from_borrowed_fd(s.fd(), PollFlags::IN))
                .collect();
            fds.push(PollFd::new(&wake, PollFlags::IN));
            if poll(&mut fds, None).is_err() {
                continue;
            }
            let woken = fds.pop().is_some_and(|f| !f.revents().is_empty());
            let ready = fds
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.revents().is_empty())
                .map(|(k, _)| k)
                .collect();
            (ready, woken)
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
        if woken {
            let mut drain = [0u8; 64];
            let _ = (&wake).read(&mut drain);
            while let Ok(u) = updates.try_recv() {
                subs.retain(|(ns, _)| u.keep.contains(ns));
                subs.extend(u.add);
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

/// Joins the destroy group in each of `spaces`; warns once if some cannot be joined.
fn subscribe(spaces: &[Space], proc_root: &ProcRoot, warned: &mut bool) -> Vec<(u64, Destroyed)> {
    let mut subs = Vec::new();
    let mut why = None;
    for (space, r) in spaces
        .iter()
        .zip(netns::each(spaces, proc_root, |_| Destroyed::subscribe()))
    {
        match r {
            Ok(Ok(s)) => subs.push((space.ns.inode, s)),
            Ok(Err(e)) => why = Some(e.to_string()),
            Err(e) => why = Some(e.to_string()),
        }
    }
    if let Some(why) = why
        && !*warned
    {
        *warned = true;
        eprintln!(
            "rnetstat: warning: TCP sockets that open and close between two dumps are not \
             seen in every namespace: joining sock_diag's destroy groups needs root \
             (CAP_NET_ADMIN) ({why})"
        );
    }
    subs
}

/// [`subscribe`] for the namespaces at `which` in `spaces` (one made since the last look),
/// entered one after the other.
fn subscribe_new(
    spaces: &[Space],
    which: &[usize],
    proc_root: &ProcRoot,
    warned: &mut bool,
) -> Vec<(u64, Destroyed)> {
    let mut subs = Vec::new();
    for &i in which {
        match spaces[i].run(proc_root, |_| Destroyed::subscribe()) {
            Ok(Ok(s)) => subs.push((spaces[i].ns.inode, s)),
            Ok(Err(e)) if !*warned => {
                *warned = true;
                eprintln!("rnetstat: warning: a new namespace's closes are not seen: {e}");
            }
            _ => {}
        }
    }
    subs
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
    let (tx, rx) = mpsc::channel::<Closed>();
    let mut warned = false;
    // How new namespaces' subscriptions reach the listener.
    let mut listener: Option<(mpsc::Sender<Update>, UnixStream)> = None;
    if cfg.selection.tcp {
        let subs = subscribe(&spaces, &proc_root, &mut warned);
        let (up_tx, up_rx) = mpsc::channel();
        let (wake_rx, wake_tx) = UnixStream::pair().map_err(Error::Output)?;
        std::thread::spawn(move || listen(subs, tx, up_rx, wake_rx));
        listener = Some((up_tx, wake_tx));
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut before = dump(&cfg, &proc_root, &spaces)?;
    let mut closed: Set<Key> = Set::default();
    // The address pairs of announced closes, for their time-wait remnants.
    let mut tuples: Set<(u64, Endpoint, Endpoint)> = Set::default();
    let mut next = Instant::now() + cfg.interval;
    loop {
        let wait = next.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok((inode, at, s)) => {
                let mut shown: Socket<'_> = s;
                shown.netns = nss.get(&inode);
                let k = key(inode, &shown);
                if family_ok(&cfg.selection, &shown)
                    && cfg.selection.matches(&shown)
                    && closed.insert(k)
                {
                    tuples.insert((k.0, shown.local, shown.remote));
                    Events::new(&mut out, cfg.json, None, netns_column)
                        .event(at, Event::Close, &shown)
                        .map_err(Error::Output)?;
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
        next += cfg.interval;
        if cfg.netns == Target::All {
            let now = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
            let new: Vec<usize> = (0..now.len())
                .filter(|&i| !nss.contains_key(&now[i].ns.inode))
                .collect();
            let gone = spaces.len() + new.len() != now.len();
            if !new.is_empty() || gone {
                if let Some((up, wake)) = &listener {
                    let add = subscribe_new(&now, &new, &proc_root, &mut warned);
                    let keep = now.iter().map(|s| s.ns.inode).collect();
                    if up.send(Update { add, keep }).is_ok() {
                        let _ = (&*wake).write_all(&[1]);
                    }
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
