//! One collection for the exporter: the selected namespaces' sockets aggregated into metric
//! families, and each namespace's counters read inside it. `rnetstat metrics` runs it once;
//! `serve` runs it for a scrape.

use std::time::Instant;

use rnetstat_collect::containers::RuntimeFiles;
use rnetstat_collect::netns::{self, Target};
use rnetstat_collect::procfs::ProcRoot;
use rnetstat_collect::{Pipeline, Selection};
use rnetstat_model::Netns;
use rnetstat_model::error::Error;

use rnetstat_collect::why_inputs;
use rnetstat_sys::hash::Map;
use rnetstat_why::PortUse;

use crate::findings::{self, Judging, WhyState};
use crate::metrics::{Aggregate, Finished, Limits as SeriesLimits};

/// What `rnetstat metrics` and `rnetstat serve` collect.
#[derive(Debug, Clone)]
pub struct ExporterConfig {
    pub selection: Selection,
    pub netns: Target,
    pub limits: SeriesLimits,
}

/// One collection: the selected namespaces' sockets aggregated and judged, and each
/// namespace's counters read inside it. `why` carries the previous scrape's samples for
/// the findings over the time between them (`None`: one sample, as `metrics` takes).
/// Returns the families and how long it took.
pub fn scrape(
    cfg: &ExporterConfig,
    proc_root: &ProcRoot,
    why: &mut WhyState,
) -> Result<(Finished, f64), Error> {
    let start = Instant::now();
    let spaces = netns::select(&cfg.netns, proc_root, &mut RuntimeFiles::new("/"), true)?;
    let nss: Vec<&Netns> = spaces.iter().map(|s| &s.ns).collect();
    let mut agg = Aggregate::new(&nss, cfg.limits.clone());
    // Counters and port ranges first: the sockets are judged against the ranges.
    let read = netns::each(&spaces, proc_root, |root| {
        let sections = rnetstat_collect::read_counters::read(root).map(|(s, _)| s);
        (sections, why_inputs::port_range(proc_root))
    });
    let mut netns_counters = Vec::new();
    let mut ports: Map<u64, PortUse> = Map::default();
    for (space, r) in spaces.iter().zip(read) {
        let inode = space.ns.inode;
        match r {
            Ok((Ok(sections), range)) => {
                netns_counters.push((inode, Some(why_inputs::from_sections(&sections))));
                ports.insert(inode, PortUse::new(range));
                agg.counters(inode, sections);
            }
            _ => {
                netns_counters.push((inode, None));
                agg.error(inode);
            }
        }
    }
    let now = Instant::now();
    let sel = &cfg.selection;
    let (next, mut counts) = if spaces.len() == 1 && sel.inet4 && sel.inet6 {
        // Each family's TCP dump walks the whole established hash, skipping the other
        // family's sockets; counting needs no order, so the two walks run side by side
        // (with many namespaces, collection already spreads them over threads).
        let v4 = Selection {
            inet6: false,
            ..sel.clone()
        };
        let v6 = Selection {
            inet4: false,
            unix: false,
            ..sel.clone()
        };
        let mut agg6 = Aggregate::new(&nss, cfg.limits.clone());
        let mut ports6 = ports.iter().map(|(k, p)| (*k, p.fresh())).collect();
        let state: &WhyState = why;
        let (r4, r6) = std::thread::scope(|s| {
            let t = s.spawn(|| {
                let mut j = Judging::new(&mut agg6, state, now, &mut ports6);
                let r = rnetstat_collect::collect(
                    &v6,
                    proc_root,
                    &spaces,
                    &[],
                    Pipeline::plain(&mut j),
                );
                r.map(|reach| (reach, j.next, j.counts))
            });
            let mut j = Judging::new(&mut agg, state, now, &mut ports);
            let r4 =
                rnetstat_collect::collect(&v4, proc_root, &spaces, &[], Pipeline::plain(&mut j))
                    .map(|reach| (reach, j.next, j.counts));
            (
                r4,
                t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        });
        let ((reach4, mut next, mut counts), (reach6, next6, counts6)) = (r4?, r6?);
        for reach in [reach4, reach6] {
            reach.failed.iter().for_each(|i| agg.error(*i));
        }
        agg.merge(agg6);
        next.extend(next6);
        for (k, n) in counts6 {
            *counts.entry(k).or_default() += n;
        }
        // The IPv6 table's destinations are other addresses: the two add up.
        for (k, p6) in ports6 {
            if let Some(p) = ports.get_mut(&k) {
                p.absorb(p6);
            }
        }
        (next, counts)
    } else {
        let mut j = Judging::new(&mut agg, why, now, &mut ports);
        let reach =
            rnetstat_collect::collect(sel, proc_root, &spaces, &[], Pipeline::plain(&mut j))?;
        let (next, counts) = (j.next, j.counts);
        reach.failed.iter().for_each(|i| agg.error(*i));
        (next, counts)
    };
    let host_ns = spaces
        .iter()
        .find(|s| s.is_current())
        .map_or_else(|| netns::Space::here(proc_root).ns.inode, |s| s.ns.inode);
    let host = why_inputs::host(proc_root);
    let reading = findings::Reading {
        now,
        netns: netns_counters,
        ports: &ports,
        host,
        host_ns,
    };
    findings::close(why, &mut counts, next, reading);
    let mut counted: Vec<_> = counts.into_iter().collect();
    counted.sort_by_key(|((ns, v, s), _)| (*ns, *v, *s));
    for ((ns, v, s), n) in counted {
        agg.findings(ns, v.name(), s.name(), n);
    }
    Ok((agg.finish(), start.elapsed().as_secs_f64()))
}
