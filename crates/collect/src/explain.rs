//! `explain` and `--why`: the sockets collected once or twice an interval apart, each judged
//! by `rnetstat-why` as it streams past, the namespaces' counters and the host's limits
//! read around the samples, and the processes named only when a finding needs a name.
//! Returns data ([`Explained`]); the renderers print it.

use std::io;
use std::time::{Duration, Instant};

use rnetstat_diag::stack_reply::Snapshot;
use rnetstat_model::error::Error;
use rnetstat_model::why::{Finding, Scope};
use rnetstat_model::{Socket, State};
use rnetstat_sys::hash::Map;
pub use rnetstat_why::Samples;
use rnetstat_why::{self as why, Conn, PortUse};

use crate::diff::key;
use crate::netns::Space;
use crate::owners::Owners;
use crate::procfs::ProcRoot;
use crate::why_inputs::{self, NetnsReading};
use crate::{Group, Pipeline, Selection, Sink, Unreached, collect};

/// A socket with its findings, and the index of the space it lives in.
#[derive(Debug)]
pub struct Judged {
    pub socket: Socket<'static>,
    pub space: usize,
    pub why: Vec<Finding>,
}

/// A finding about a process, a namespace or the host.
#[derive(Debug)]
pub struct Scoped {
    pub finding: Finding,
    pub scope: Scope,
    /// The namespace (index into the spaces) for process and netns findings.
    pub space: Option<usize>,
    /// The process, for process findings.
    pub pid: Option<u32>,
}

/// What `explain` found.
#[derive(Debug, Default)]
pub struct Explained {
    /// Sockets with findings (connections and listeners), in collection order.
    pub sockets: Vec<Judged>,
    pub scoped: Vec<Scoped>,
    /// Who holds the sockets: walked only when a finding names a process (or `-p`).
    pub owners: Option<Owners>,
    /// TCP sockets looked at in the (second) sample.
    pub looked_at: u64,
    /// The time between the two samples; `None` for one sample.
    pub interval: Option<Duration>,
    pub reach: Unreached,
    pub warnings: Vec<String>,
}

/// The namespace inode → space index.
fn space_index(spaces: &[Space]) -> Map<u64, usize> {
    spaces
        .iter()
        .enumerate()
        .map(|(i, s)| (s.ns.inode, i))
        .collect()
}

/// The first sample: each TCP socket's numbers, nothing kept of the record.
struct Sampler<'a> {
    samples: &'a mut Samples,
    warnings: Vec<String>,
}

impl Sink for Sampler<'_> {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        if let Some(c) = Conn::of(s) {
            self.samples
                .insert(key(s.netns.map_or(0, |n| n.inode), s), c);
        }
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        self.warnings.push(msg.to_string());
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Takes the first sample into `samples` (for `--why --interval` as well as `explain`).
pub fn sample(
    sel: &Selection,
    proc_root: &ProcRoot,
    spaces: &[Space],
    user: &[Snapshot],
    samples: &mut Samples,
) -> Result<Vec<String>, Error> {
    let mut s = Sampler {
        samples,
        warnings: Vec::new(),
    };
    collect(sel, proc_root, spaces, user, Pipeline::plain(&mut s))?;
    Ok(s.warnings)
}

/// The second pass: every socket judged as it streams past.
struct Judge<'a> {
    earlier: Option<(&'a Samples, Duration)>,
    index: Map<u64, usize>,
    overflows: Vec<Option<u64>>,
    ports: Vec<PortUse>,
    /// CLOSE_WAIT sockets (space, inode), for `close-wait-leak`.
    close_wait: Vec<(usize, u32)>,
    out: Explained,
}

impl Sink for Judge<'_> {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        if s.proto != rnetstat_model::Proto::Tcp {
            return Ok(());
        }
        self.out.looked_at += 1;
        let ns = s.netns.map_or(0, |n| n.inode);
        let space = self.index.get(&ns).copied().unwrap_or(0);
        if let Some(p) = self.ports.get_mut(space) {
            p.add(s);
        }
        if s.state == State::CloseWait && s.inode != 0 {
            self.close_wait.push((space, s.inode));
        }
        let overflows = self.overflows.get(space).copied().flatten();
        let why = why::judge(s, &key(ns, s), self.earlier, overflows);
        if !why.is_empty() {
            self.out.sockets.push(Judged {
                socket: s.detached(),
                space,
                why,
            });
        }
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        self.out.warnings.push(msg.to_string());
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What `explain` needs besides the selection.
pub struct Request<'a> {
    pub proc_root: &'a ProcRoot,
    pub spaces: &'a [Space],
    /// Two samples this far apart, or one.
    pub interval: Option<Duration>,
    /// The userspace stacks' snapshots for each sample (`--stack`): called once per sample.
    pub userspace: &'a dyn Fn() -> Vec<Snapshot>,
}

/// Looks, waits, looks again, and judges.
pub fn explain(sel: &Selection, req: &Request<'_>) -> Result<Explained, Error> {
    let (proc_root, spaces) = (req.proc_root, req.spaces);
    let mut samples = Samples::default();
    let mut first = None;
    let mut warnings = Vec::new();
    if let Some(wait) = req.interval {
        let ns = why_inputs::read_spaces(spaces, proc_root);
        let host = why_inputs::host(proc_root);
        let t0 = Instant::now();
        warnings = sample(sel, proc_root, spaces, &(req.userspace)(), &mut samples)?;
        std::thread::sleep(wait.saturating_sub(t0.elapsed()));
        first = Some((ns, host, t0));
    }
    let t1 = Instant::now();
    let ns_now = why_inputs::read_spaces(spaces, proc_root);
    let host_now = why_inputs::host(proc_root);
    let dt = first.as_ref().map(|(_, _, t0)| t1.duration_since(*t0));
    let counter_deltas: Vec<Option<u64>> = match &first {
        Some((ns0, _, _)) => ns_now
            .iter()
            .zip(ns0)
            .map(|(n, b)| match (n, b) {
                (Some(n), Some(b)) => n
                    .counters
                    .listen_overflows
                    .zip(b.counters.listen_overflows)
                    .map(|(n, b)| n.saturating_sub(b)),
                _ => None,
            })
            .collect(),
        None => vec![None; spaces.len()],
    };
    let mut judge = Judge {
        earlier: dt.map(|d| (&samples, d)),
        index: space_index(spaces),
        overflows: counter_deltas,
        ports: ns_now
            .iter()
            .map(|r| PortUse::new(r.and_then(|r| r.port_range)))
            .collect(),
        close_wait: Vec::new(),
        out: Explained::default(),
    };
    judge.out.warnings = warnings;
    let reach = collect(
        sel,
        proc_root,
        spaces,
        &(req.userspace)(),
        Pipeline::plain(&mut judge),
    )?;
    let Judge {
        ports,
        close_wait,
        mut out,
        ..
    } = judge;
    out.reach = reach;
    out.interval = dt;
    for (i, p) in ports.iter().enumerate() {
        for f in p.findings() {
            out.scoped.push(scoped(f, Some(i), None));
        }
    }
    if let Some((ns0, host0, _)) = &first {
        for (i, (n, b)) in ns_now.iter().zip(ns0).enumerate() {
            if let (Some(NetnsReading { counters: n, .. }), Some(b), Some(dt)) = (n, b, dt) {
                for f in why::netns(n, &b.counters, dt) {
                    out.scoped.push(scoped(f, Some(i), None));
                }
            }
        }
        for f in why::host(&host_now, Some(host0)) {
            out.scoped.push(scoped(f, None, None));
        }
    } else {
        for f in why::host(&host_now, None) {
            out.scoped.push(scoped(f, None, None));
        }
    }
    let names_needed = !out.sockets.is_empty() || close_wait.len() >= why::CLOSE_WAIT_LEAK;
    if names_needed {
        let owners = Owners::scan(proc_root);
        if owners.nothing_readable || owners.incomplete {
            out.warnings.push(
                "not every process could be identified (run as root to see them all): \
                 findings may say `pid ?`, and close-wait-leak counts only the processes seen"
                    .into(),
            );
        }
        leaks(&owners, &close_wait, &mut out);
        out.owners = Some(owners);
    }
    out.scoped
        .sort_by_key(|s| std::cmp::Reverse(s.finding.severity));
    Ok(out)
}

fn scoped(finding: Finding, space: Option<usize>, pid: Option<u32>) -> Scoped {
    let scope = finding.verdict.scope();
    Scoped {
        finding,
        scope,
        space,
        pid,
    }
}

/// `close-wait-leak`: CLOSE_WAIT sockets counted per (namespace, process) that holds them.
fn leaks(owners: &Owners, close_wait: &[(usize, u32)], out: &mut Explained) {
    if close_wait.len() < why::CLOSE_WAIT_LEAK {
        return;
    }
    let mut per: Map<(usize, u32), usize> = Map::default();
    for &(space, inode) in close_wait {
        let mut pids: Vec<u32> = owners.holders(inode).iter().map(|(_, h)| h.pid).collect();
        pids.dedup();
        for pid in pids {
            *per.entry((space, pid)).or_default() += 1;
        }
    }
    let mut hot: Vec<_> = per.into_iter().collect();
    hot.sort();
    for ((space, pid), n) in hot {
        if let Some(f) = why::close_wait_leak(n) {
            out.scoped.push(scoped(f, Some(space), Some(pid)));
        }
    }
}

/// `--why` on a listing: each TCP socket judged on its way to `inner` (against `earlier`,
/// the first sample and the time since it, when `--interval` took one).
pub struct Annotate<'a> {
    pub inner: &'a mut dyn Sink,
    pub earlier: Option<(&'a Samples, Duration)>,
}

impl Sink for Annotate<'_> {
    fn group(&mut self, g: Group) -> io::Result<()> {
        self.inner.group(g)
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        let why = why::judge(
            s,
            &key(s.netns.map_or(0, |n| n.inode), s),
            self.earlier,
            None,
        );
        if why.is_empty() {
            return self.inner.socket(s);
        }
        let mut with = s.clone();
        with.why = &why;
        self.inner.socket(&with)
    }

    fn warning(&mut self, msg: &str) {
        self.inner.warning(msg);
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }
}
