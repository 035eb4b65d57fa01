//! `rnetstat metrics`: one exposition and exit, for cron and node_exporter's textfile
//! collector. [`scrape`] is the collection `serve` repeats for every request.

use std::io::Write;
use std::time::Instant;

use crate::cli::MetricsArgs;
use crate::config::{ExporterConfig, MetricsConfig};
use crate::error::Error;
use crate::model::Netns;
use crate::output::metrics::encode::{self, Format};
use crate::output::metrics::{Aggregate, Finished};
use crate::safe_file::OutFile;
use crate::source::Selection;
use crate::source::containers::RuntimeFiles;
use crate::source::netns;
use crate::source::procfs::ProcRoot;

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
            let t = s.spawn(|| crate::source::collect(&v6, proc_root, &spaces, &[], &mut agg6));
            let r4 = crate::source::collect(&v4, proc_root, &spaces, &[], &mut agg);
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
        let reach = crate::source::collect(sel, proc_root, &spaces, &[], &mut agg)?;
        reach.failed.iter().for_each(|i| agg.error(*i));
    }
    let counters = netns::each(&spaces, proc_root, |root| {
        crate::source::stats::read(root).map(|(sections, _)| sections)
    });
    for (space, r) in spaces.iter().zip(counters) {
        match r {
            Ok(Ok(sections)) => agg.counters(space.ns.inode, sections),
            _ => agg.error(space.ns.inode),
        }
    }
    Ok((agg.finish(), start.elapsed().as_secs_f64()))
}

pub fn run(a: &MetricsArgs) -> Result<(), Error> {
    let cfg = MetricsConfig::from_args(a)?;
    if let Some(path) = &cfg.output {
        // A path that cannot be written is refused before the collection, not after it.
        OutFile::new(path).check()?;
    }
    let (mut done, seconds) = scrape(&cfg.exporter, &ProcRoot::default())?;
    for w in &done.warnings {
        eprintln!("rnetstat: warning: {w}");
    }
    let errors: Vec<(String, u64)> = done.failed.iter().map(|n| (n.clone(), 1)).collect();
    done.exposition
        .families
        .extend(crate::output::metrics::scrape_families(
            seconds,
            &errors,
            done.dropped,
        ));
    let format = if cfg.openmetrics {
        Format::OpenMetrics
    } else {
        Format::Prometheus
    };
    match &cfg.output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            encode::write(&mut out, &done.exposition, format).map_err(Error::Output)?;
            out.flush().map_err(Error::Output)
        }
        Some(path) => OutFile::new(path)
            .write(|f| encode::write(f, &done.exposition, format))
            .map_err(Error::from),
    }
}
