//! `rnetstat_findings`: the verdicts of docs/why.md counted per namespace, container,
//! verdict and severity. Each TCP socket is judged as it streams past (beside the
//! aggregate); `serve` keeps a scrape's samples and counters as the baseline later scrapes
//! judge against, `metrics` (one collection) judges from one sample.
//!
//! Every client shares `serve`'s baseline, so one that scrapes fast must not narrow the
//! window the others are judged over: the baseline moves only when it is [`ADVANCE`] old,
//! and a scrape closer than [`MIN_WINDOW`] to it is judged against the one before.

use std::io;
use std::time::{Duration, Instant};

use rnetstat_collect::diff::key;
use rnetstat_collect::{Group, Sink};
use rnetstat_model::Socket;
use rnetstat_model::why::{Severity, Verdict};
use rnetstat_sys::hash::Map;
use rnetstat_why::{self as why, Conn, HostState, NetnsCounters, PortUse, Samples};

/// The baseline moves forward only when it is this old.
pub const ADVANCE: Duration = Duration::from_secs(5);
/// A scrape judges against a baseline at least this old.
pub const MIN_WINDOW: Duration = Duration::from_secs(1);

/// One scrape's samples and counters.
#[derive(Debug)]
struct Baseline {
    samples: Samples,
    at: Instant,
    counters: Map<u64, NetnsCounters>,
    host: HostState,
}

/// What scrapes leave for later ones: the baseline, and the one before it.
#[derive(Debug, Default)]
pub struct WhyState {
    baseline: Option<Baseline>,
    older: Option<Baseline>,
}

impl WhyState {
    /// The baseline a scrape at `now` judges against.
    fn reference(&self, now: Instant) -> Option<&Baseline> {
        match &self.baseline {
            Some(b) if now.duration_since(b.at) >= MIN_WINDOW => Some(b),
            _ => self.older.as_ref(),
        }
    }
}

/// (namespace inode, verdict, severity) → findings.
pub(crate) type Counts = Map<(u64, Verdict, Severity), u64>;

/// Forwards every record to `inner` and judges the TCP ones.
pub(crate) struct Judging<'a> {
    pub inner: &'a mut dyn Sink,
    earlier: Option<(&'a Samples, Duration)>,
    pub next: Samples,
    pub counts: Counts,
    pub ports: &'a mut Map<u64, PortUse>,
}

impl<'a> Judging<'a> {
    pub fn new(
        inner: &'a mut dyn Sink,
        state: &'a WhyState,
        now: Instant,
        ports: &'a mut Map<u64, PortUse>,
    ) -> Judging<'a> {
        Judging {
            inner,
            earlier: state
                .reference(now)
                .map(|b| (&b.samples, now.duration_since(b.at))),
            next: Samples::default(),
            counts: Counts::default(),
            ports,
        }
    }
}

impl Sink for Judging<'_> {
    fn group(&mut self, g: Group) -> io::Result<()> {
        self.inner.group(g)
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        if let Some(c) = Conn::of(s) {
            let ns = s.netns.map_or(0, |n| n.inode);
            let k = key(ns, s);
            for f in why::judge(s, &k, self.earlier, None) {
                *self.counts.entry((ns, f.verdict, f.severity)).or_default() += 1;
            }
            if let Some(p) = self.ports.get_mut(&ns) {
                p.add(s);
            }
            self.next.insert(k, c);
        }
        self.inner.socket(s)
    }

    fn warning(&mut self, msg: &str) {
        self.inner.warning(msg);
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }
}

/// What a scrape read besides the sockets.
pub(crate) struct Reading<'a> {
    /// When the sockets were collected.
    pub now: Instant,
    /// Each namespace's counters (`None`: it could not be read).
    pub netns: Vec<(u64, Option<NetnsCounters>)>,
    pub ports: &'a Map<u64, PortUse>,
    pub host: HostState,
    /// The namespace host findings are counted under.
    pub host_ns: u64,
}

/// Adds the namespace and host findings to `counts`, and keeps this scrape for the next.
pub(crate) fn close(state: &mut WhyState, counts: &mut Counts, next: Samples, r: Reading<'_>) {
    let Reading {
        now,
        netns,
        ports,
        host,
        host_ns,
    } = r;
    let reference = state.reference(now);
    let dt = reference.map(|b| now.duration_since(b.at));
    let mut count = |ns: u64, f: rnetstat_model::why::Finding| {
        *counts.entry((ns, f.verdict, f.severity)).or_default() += 1;
    };
    for (ns, c) in &netns {
        if let (Some(c), Some(b), Some(dt)) = (c, reference.and_then(|r| r.counters.get(ns)), dt) {
            for f in why::netns(c, b, dt) {
                count(*ns, f);
            }
        }
    }
    for (ns, p) in ports {
        for f in p.findings() {
            count(*ns, f);
        }
    }
    for f in why::host(&host, reference.map(|r| &r.host)) {
        count(host_ns, f);
    }
    let advance = state
        .baseline
        .as_ref()
        .is_none_or(|b| now.duration_since(b.at) >= ADVANCE);
    if advance {
        state.older = state.baseline.take();
        state.baseline = Some(Baseline {
            samples: next,
            at: now,
            counters: netns
                .into_iter()
                .filter_map(|(ns, c)| c.map(|c| (ns, c)))
                .collect(),
            host,
        });
    }
}
