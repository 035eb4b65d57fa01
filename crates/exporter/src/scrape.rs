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

use crate::metrics::{Aggregate, Finished, Limits as SeriesLimits};

/// What `rnetstat metrics` and `rnetstat serve` collect.
#[derive(Debug, Clone)]
pub struct ExporterConfig {
    pub selection: Selection,
    pub netns: Target,
    pub limits: SeriesLimits,
}

/// One collection: the selected namespaces' sockets aggregated, and each namespace's
/// counters read inside it. Returns the families and how long it took.
pub fn scrape(cfg: &ExporterConfig, proc_root: &ProcRoot) -> Result<(Finished, f64), Error> {
    let start = Instant::now();
    let spaces = netns::select(&cfg.netns, proc_root, &mut RuntimeFiles::new("/"), true)?;
    let nss: Vec<&Netns> = spaces.iter().map(|s| &s.ns).collect();
    let mut agg = Aggregate::new(&nss, cfg.limits.clone());
    let sel = &cfg.selection;
    if spaces.len() == 1 && sel.inet4 && sel.inet6 {
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
        let (r4, r6) = std::thread::scope(|s| {
            let t = s.spawn(|| {
                rnetstat_collect::collect(&v6, proc_root, &spaces, &[], Pipeline::plain(&mut agg6))
            });
            let r4 =
                rnetstat_collect::collect(&v4, proc_root, &spaces, &[], Pipeline::plain(&mut agg));
            (
                r4,
                t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        });
        for reach in [r4?, r6?] {
            reach.failed.iter().for_each(|i| agg.error(*i));
        }
        agg.merge(agg6);
    } else {
        let reach =
            rnetstat_collect::collect(sel, proc_root, &spaces, &[], Pipeline::plain(&mut agg))?;
        reach.failed.iter().for_each(|i| agg.error(*i));
    }
    let counters = netns::each(&spaces, proc_root, |root| {
        rnetstat_collect::read_counters::read(root).map(|(sections, _)| sections)
    });
    for (space, r) in spaces.iter().zip(counters) {
        match r {
            Ok(Ok(sections)) => agg.counters(space.ns.inode, sections),
            _ => agg.error(space.ns.inode),
        }
    }
    Ok((agg.finish(), start.elapsed().as_secs_f64()))
}
