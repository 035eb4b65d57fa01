//! `rnetstat metrics`: one exposition and exit, for cron and node_exporter's textfile
//! collector. [`scrape`] is the collection `serve` repeats for every request.

use std::io::Write;

use crate::cli::MetricsArgs;
use crate::config::MetricsConfig;
use crate::error::Error;
use crate::exporter::metrics::encode::{self, Format};
use crate::exporter::scrape::scrape;
use crate::safe_file::OutFile;
use crate::source::procfs::ProcRoot;

pub fn run(a: &MetricsArgs) -> Result<(), Error> {
    let cfg = MetricsConfig::from_args(a)?;
    if let Some(path) = &cfg.output {
        // A path that cannot be written is refused before the collection, not after it.
        OutFile::new(path).check()?;
    }
    let (mut done, seconds) = scrape(
        &cfg.exporter,
        &ProcRoot::default(),
        &mut crate::exporter::findings::WhyState::default(),
    )?;
    for w in &done.warnings {
        eprintln!("rnetstat: warning: {w}");
    }
    let errors: Vec<(String, u64)> = done.failed.iter().map(|n| (n.clone(), 1)).collect();
    done.exposition
        .families
        .extend(crate::exporter::metrics::scrape_families(
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
