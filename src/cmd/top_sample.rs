//! One `top` refresh: the selected namespaces' TCP sockets dumped with `tcp_info`, the five
//! numbers a row needs taken from each as it streams past (no record kept), and the /proc
//! walk that names their processes (`Owned` says when it runs). Shared by the plain
//! frames (`top`) and the full screen (`top_screen`).

use std::collections::HashSet;
use std::io;
use std::time::{Duration, Instant};

use crate::config::TopConfig;
use crate::error::Error;
use crate::output::top::Conn;
use crate::source::diff::Key;
use crate::source::netns::Space;
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;
use crate::source::rates::Counters;
use crate::source::{self};

/// One refresh: each connection's key, counters and what a row shows of it.
pub(crate) struct Sample {
    pub at: Instant,
    pub counters: Vec<(Key, Counters)>,
    pub conns: Vec<Conn>,
}

impl Sample {
    /// Each connection's main verdict (docs/why.md) from its sample `seconds` after
    /// `before`'s (the previous refresh's counters, which hold the samples too).
    pub(crate) fn judge(&mut self, before: Option<&crate::hash::Map<Key, Counters>>, seconds: f64) {
        let dt = Duration::from_secs_f64(seconds.max(0.0));
        for (c, (key, counters)) in self.conns.iter_mut().zip(&self.counters) {
            let now = &counters.sample;
            let b = before.and_then(|m| m.get(key)).map(|b| (&b.sample, dt));
            let found = if now.state == Some(crate::model::State::Listen) {
                crate::why::listener(now, b.map(|(b, _)| b), None)
                    .into_iter()
                    .collect()
            } else {
                crate::why::connection(now, b)
            };
            c.why = crate::model::why::main_finding(&found).map(|f| (f.severity, f.verdict.name()));
        }
    }
}

/// Takes what a frame needs of each TCP socket as it is collected: no record is kept.
struct Taker {
    counters: Vec<(Key, Counters)>,
    conns: Vec<Conn>,
    /// Each connection's inode, to name its process once the /proc walk is done.
    inodes: Vec<u32>,
    /// The label of the namespace last seen (records come namespace by namespace).
    place: Option<(u64, String)>,
}

impl Taker {
    fn label(&mut self, s: &crate::model::Socket<'_>) -> String {
        let ns = s.netns.map_or(0, |n| n.inode);
        match &self.place {
            Some((i, l)) if *i == ns => l.clone(),
            _ => {
                let l = s
                    .netns
                    .map_or_else(|| "-".to_string(), |n| n.label().to_string());
                self.place = Some((ns, l.clone()));
                l
            }
        }
    }
}

impl crate::source::Sink for Taker {
    fn group(&mut self, _: crate::source::Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &crate::model::Socket<'_>) -> io::Result<()> {
        let Some(info) = s.tcp_info.as_deref() else {
            return Ok(());
        };
        let ns = s.netns.map_or(0, |n| n.inode);
        let key = crate::source::diff::key(ns, s);
        let (acked, received) = (
            info.bytes_acked.unwrap_or(0),
            info.bytes_received.unwrap_or(0),
        );
        self.counters.push((
            key,
            Counters {
                acked,
                received,
                retrans: u64::from(info.total_retrans.unwrap_or(0)),
                sample: crate::why::Conn::of(s).unwrap_or_default(),
            },
        ));
        self.inodes.push(s.inode);
        let place = self.label(s);
        self.conns.push(Conn {
            local: std::net::SocketAddr::new(s.local.addr, s.local.port),
            remote: std::net::SocketAddr::new(s.remote.addr, s.remote.port),
            state: s.state.name(),
            process: None,
            place,
            rate: None,
            acked,
            received,
            rtt_us: info.rtt,
            recv_q: u64::from(s.recv_q),
            send_q: u64::from(s.send_q),
            why: None,
        });
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        eprintln!("rnetstat: warning: {msg}");
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Who holds which socket, kept from one refresh to the next. At 100k sockets the /proc
/// walk costs more than the dump with `tcp_info`, and between two refreshes most
/// connections are the same ones. So a refresh first tries the last walk: when every
/// connection it finds was there at that walk (named or not) and the walk is under
/// [`MAX_AGE`] old, the names come from it and no walk runs. Otherwise it walks, after the
/// dump; and since a walk after the dump costs more than one beside it, the next
/// [`BESIDE_AFTER_MISS`] refreshes walk beside the dump without trying.
#[derive(Default)]
pub(crate) struct Owned {
    last: Option<Walked>,
    beside: u32,
}

struct Walked {
    at: Instant,
    owners: Owners,
    /// The inodes of the refresh the walk was taken for.
    inodes: HashSet<u32>,
}

/// How stale a name may get: a socket passed to another process, or left to a child when
/// its parent exits, shows its old holder at most this long.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(10);
pub(crate) const BESIDE_AFTER_MISS: u32 = 5;

impl Owned {
    /// Whether this refresh should try the last walk before walking.
    fn try_last(&self, now: Instant) -> bool {
        self.beside == 0 && self.last.as_ref().is_some_and(|w| now - w.at < MAX_AGE)
    }

    /// Whether the last walk saw every one of `inodes` (0: no inode, as in TIME_WAIT).
    fn covers(&self, inodes: &[u32]) -> bool {
        self.last
            .as_ref()
            .is_some_and(|w| inodes.iter().all(|i| *i == 0 || w.inodes.contains(i)))
    }

    fn keep(&mut self, owners: Owners, inodes: &[u32]) {
        self.last = Some(Walked {
            at: Instant::now(),
            owners,
            inodes: inodes.iter().copied().collect(),
        });
    }
}

/// One refresh. `owned`: name the processes, from the last walk when it still serves;
/// `None`: no names (a sample only taken for its counters, as `--once` takes first).
pub(crate) fn sample(
    cfg: &TopConfig,
    proc_root: &ProcRoot,
    spaces: &[Space],
    owned: Option<&mut Owned>,
) -> Result<Sample, Error> {
    let mut t = Taker {
        counters: Vec::new(),
        conns: Vec::new(),
        inodes: Vec::new(),
        place: None,
    };
    let collect = |t: &mut Taker| {
        source::collect(
            &cfg.selection,
            proc_root,
            spaces,
            &[],
            source::Pipeline::plain(t),
        )
    };
    let Some(owned) = owned else {
        collect(&mut t)?;
        return Ok(Sample {
            at: Instant::now(),
            counters: t.counters,
            conns: t.conns,
        });
    };
    if owned.try_last(Instant::now()) {
        collect(&mut t)?;
        if !owned.covers(&t.inodes) {
            owned.keep(Owners::scan(proc_root), &t.inodes);
            owned.beside = BESIDE_AFTER_MISS;
        }
    } else {
        // The walk runs beside the dump.
        let (owners, collected) = std::thread::scope(|sc| {
            let walk = sc.spawn(|| Owners::scan(proc_root));
            let collected = collect(&mut t);
            (
                walk.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                collected,
            )
        });
        collected?;
        owned.keep(owners, &t.inodes);
        owned.beside = owned.beside.saturating_sub(1);
    }
    let at = Instant::now();
    if let Some(w) = &owned.last {
        let owners = &w.owners;
        for (c, &ino) in t.conns.iter_mut().zip(&t.inodes) {
            c.process = owners.holders(ino).first().map(|(_, h)| {
                let name = owners
                    .process(h.pid)
                    .map_or(String::new(), |p| p.comm.clone());
                (h.pid, name)
            });
        }
    }
    Ok(Sample {
        at,
        counters: t.counters,
        conns: t.conns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_walk_serves_while_it_covers_and_is_young() {
        let mut o = Owned::default();
        let now = Instant::now();
        assert!(!o.try_last(now), "nothing walked yet");
        o.keep(Owners::default(), &[1, 2, 3]);
        assert!(o.try_last(Instant::now()));
        assert!(
            o.covers(&[3, 1, 0]),
            "inode 0 (TIME_WAIT) never asks for a walk"
        );
        assert!(!o.covers(&[1, 4]), "a new connection does");
        assert!(!o.try_last(Instant::now() + MAX_AGE), "too old");
        o.beside = BESIDE_AFTER_MISS;
        assert!(
            !o.try_last(Instant::now()),
            "after a miss, walk beside the dump"
        );
    }
}
