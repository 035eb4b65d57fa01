//! `rnetstat trace`: the kernel's tracepoints as a stream of events, each joined to the
//! socket's record: its namespace (and container), addresses, state, and the process
//! holding it (by the socket's inode, from a /proc walk kept at most a second old and
//! redone, at most every 250 ms, when an inode is not in it).
//!
//! The BPF programs attach when it starts and are released when it ends (SIGTERM, SIGINT,
//! SIGHUP, `--duration`, a closed output), and by the kernel however the process ends.

use std::hash::BuildHasher;
use std::io::{self, Write};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::cli::TraceArgs;
use crate::config::TraceConfig;
use crate::error::Error;
use crate::hash::Map;
use crate::model::{Family, Netns, Proto, Socket, State};
use crate::output::events::{Event, Events};
use crate::source::containers::RuntimeFiles;
use crate::source::netns::{self, Target};
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;
use crate::trace::{Kind, Reasons, RetransmitKind, Tracer};

/// The owners table, kept fresh enough to name the process of a socket that is gone by the
/// time its event is read.
struct Holders {
    owners: Owners,
    scanned: Instant,
}

impl Holders {
    fn new(proc_root: &ProcRoot) -> Holders {
        Holders {
            owners: Owners::scan(proc_root),
            scanned: Instant::now(),
        }
    }

    /// The table, walked again when a second old, or when `inode` is not in it and the
    /// last walk is 250 ms old.
    fn for_inode(&mut self, inode: u32, proc_root: &ProcRoot) -> &Owners {
        let age = self.scanned.elapsed();
        let missing = inode != 0 && self.owners.holders(inode).is_empty();
        if age > Duration::from_secs(1) || (missing && age > Duration::from_millis(250)) {
            *self = Holders::new(proc_root);
        }
        &self.owners
    }
}

pub fn run(a: &TraceArgs) -> Result<(), Error> {
    let cfg = TraceConfig::from_args(a)?;
    let proc_root = ProcRoot::default();
    let spaces = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
    let all = cfg.netns == Target::All;
    let mut names: Map<u64, Netns> = spaces.iter().map(|s| (s.ns.inode, s.ns.clone())).collect();
    let netns_column = cfg.netns != Target::Current;
    // Only the programs of the events asked for are attached.
    let wanted: Vec<&str> = crate::trace::TRACEPOINTS
        .iter()
        .zip(cfg.events)
        .filter(|(_, on)| *on)
        .map(|(t, _)| *t)
        .collect();
    let mut tracer =
        Tracer::attach(&wanted).map_err(|e| Error::Permission(format!("trace: {e}")))?;
    if !tracer.missing.is_empty() {
        eprintln!(
            "rnetstat: warning: this kernel has no {} tracepoint; those events are not traced",
            tracer.missing.join(", ")
        );
    }
    let attached: Vec<&str> = wanted
        .iter()
        .filter(|t| !tracer.missing.contains(t))
        .copied()
        .collect();
    eprintln!("rnetstat trace: attached to {}", attached.join(", "));
    let reasons = Reasons::from_kernel();
    if !reasons.known() {
        eprintln!(
            "rnetstat: warning: the kernel's BTF (/sys/kernel/btf/vmlinux) cannot be read: \
             reasons are shown as numbers"
        );
    }
    let deadline = cfg.duration.map(|d| Instant::now() + d);
    // A full output pipe blocks a write: the process still ends 2 s after a signal or the
    // deadline.
    let stop = crate::cleanup::stop_flag_with_grace(Duration::from_secs(2), deadline)
        .map_err(Error::Output)?;
    let mut holders = Holders::new(&proc_root);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut lost_told = 0;
    let mut batch = Vec::new();
    let ids = std::collections::hash_map::RandomState::new();
    loop {
        // Asked to stop: what the kernel already wrote is still read and printed.
        let last = stop.load(Ordering::Relaxed) || deadline.is_some_and(|d| Instant::now() >= d);
        if !last {
            tracer.wait(Duration::from_millis(100));
        }
        tracer.read(|e| batch.push(e));
        // Fresh owners each second, so a socket closed before its event is read is named.
        holders.for_inode(0, &proc_root);
        for e in batch.drain(..) {
            if !cfg.events[kind_index(e.kind)] {
                continue;
            }
            let ns = u64::from(e.netns);
            if let std::collections::hash_map::Entry::Vacant(v) = names.entry(ns) {
                // Only --all-netns takes a namespace found through an event.
                if !all || ns == 0 {
                    continue;
                }
                v.insert(unnamed(ns));
            }
            let mut s = socket(&e, &names[&ns]);
            let family_ok = match s.family {
                Family::Inet => cfg.selection.inet4,
                Family::Inet6 => cfg.selection.inet6,
                _ => true,
            };
            if !family_ok || !cfg.selection.matches(&s) {
                continue;
            }
            let retransmit = RetransmitKind::of(e.ca_state).name();
            let reason = match e.kind {
                Kind::Drop => reasons.drop(e.reason),
                Kind::ResetSent => reasons.reset(e.reason),
                _ => String::new(),
            };
            let what = match e.kind {
                Kind::Retransmit => Event::Retransmit(retransmit),
                Kind::ResetSent => Event::ResetSent(&reason),
                Kind::ResetReceived => Event::ResetReceived,
                Kind::Drop => Event::Drop(&reason),
                Kind::State => {
                    let old = State::from_kernel(e.old_state).unwrap_or(State::Close);
                    Event::State(old)
                }
            };
            let owners = holders.for_inode(e.inode, &proc_root);
            s.netns = names.get(&ns);
            // The socket's kernel address, hashed with this run's random key: the same
            // socket, the same number; nothing about the kernel's memory shown.
            let id = e.has_socket.then(|| ids.hash_one(e.sock));
            let written = Events::new(&mut out, cfg.json, Some(owners), netns_column)
                .wide_names()
                .socket_id(id)
                .segments((e.kind == Kind::Retransmit).then_some(e.reason))
                .event(tracer.wall_time(e.time_ns), what, &s);
            if let Err(err) = written {
                // A closed pipe or a lost terminal ends the trace, quietly.
                if err.kind() == io::ErrorKind::BrokenPipe {
                    return Ok(());
                }
                return Err(Error::Output(err));
            }
        }
        let lost = tracer.lost();
        if lost > lost_told {
            eprintln!(
                "rnetstat: warning: {} events lost: they came faster than they were read \
                 ({lost} since the start)",
                lost - lost_told
            );
            lost_told = lost;
        }
        if last {
            break;
        }
    }
    let _ = out.flush();
    Ok(())
}

fn kind_index(k: Kind) -> usize {
    match k {
        Kind::Retransmit => 0,
        Kind::ResetSent => 1,
        Kind::ResetReceived => 2,
        Kind::Drop => 3,
        Kind::State => 4,
    }
}

/// A namespace found only through an event (`--all-netns`): known by its inode.
fn unnamed(inode: u64) -> Netns {
    Netns {
        inode,
        name: None,
        host: false,
        container: None,
    }
}

/// The event's socket as a record: what the kernel said of it at that moment.
fn socket<'a>(e: &crate::trace::Event, ns: &'a Netns) -> Socket<'a> {
    let proto = if e.protocol == 17 {
        Proto::Udp
    } else {
        Proto::Tcp
    };
    let mut s = Socket::between(
        proto,
        e.local.into(),
        e.remote.into(),
        State::from_kernel(e.new_state).unwrap_or(State::Close),
    );
    s.inode = e.inode;
    s.cookie = e.cookie;
    s.netns = Some(ns);
    s
}
