//! `serve`'s handler: each scrape collects afresh, but scrapes that arrive while a
//! collection runs share the next one (single flight), so a burst of scrapers costs at most
//! two collections. Counters that span scrapes (`rnetstat_scrape_errors_total`,
//! `rnetstat_series_dropped_total`) live here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rnetstat_collect::procfs::ProcRoot;
use rnetstat_model::error::Error;

use crate::metrics::encode::{self, Format};
use crate::metrics::{Exposition, scrape_families};
use crate::scrape::ExporterConfig;
use crate::server::{Handler, Reply, Request};

pub struct Exporter {
    cfg: ExporterConfig,
    proc_root: ProcRoot,
    state: Mutex<State>,
    /// The kernel's events counted since the start, when a tracer feeds them.
    kernel: Option<Arc<Mutex<crate::kernel_events::KernelEvents>>>,
}

#[derive(Default)]
struct State {
    /// The latest collection and when it started.
    last: Option<(Instant, Arc<Exposition>)>,
    errors: BTreeMap<String, u64>,
    dropped: u64,
    /// The last scrape's samples, for findings over the time between scrapes.
    why: crate::findings::WhyState,
}

impl Exporter {
    /// A collection that started no earlier than `arrived`.
    fn exposition(&self, arrived: Instant) -> Result<Arc<Exposition>, Error> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((started, e)) = &st.last
            && *started >= arrived
        {
            return Ok(Arc::clone(e));
        }
        let started = Instant::now();
        let (mut done, seconds) = crate::scrape::scrape(&self.cfg, &self.proc_root, &mut st.why)?;
        for w in &done.warnings {
            log(&format!("warning: {w}"));
        }
        for n in done.failed {
            *st.errors.entry(n).or_default() += 1;
        }
        st.dropped += done.dropped;
        let mut kernel_dropped = 0;
        if let Some(k) = &self.kernel {
            let k = k.lock().unwrap_or_else(|p| p.into_inner());
            done.exposition.families.extend(k.families());
            kernel_dropped = k.dropped;
        }
        let errors: Vec<(String, u64)> = st.errors.iter().map(|(k, v)| (k.clone(), *v)).collect();
        done.exposition.families.extend(scrape_families(
            seconds,
            &errors,
            st.dropped + kernel_dropped,
        ));
        let e = Arc::new(done.exposition);
        st.last = Some((started, Arc::clone(&e)));
        Ok(e)
    }
}

impl Handler for Exporter {
    fn reply(&self, req: &Request, arrived: Instant) -> Reply {
        if req.path != "/metrics" {
            return Reply {
                status: 404,
                content_type: "text/plain",
                body: b"not found: metrics are at /metrics\n".to_vec(),
            };
        }
        let format = Format::negotiate(req.accept.as_deref());
        match self.exposition(arrived) {
            Ok(e) => {
                let mut body = Vec::with_capacity(16 * 1024);
                match encode::write(&mut body, &e, format) {
                    Ok(()) => Reply {
                        status: 200,
                        content_type: format.content_type(),
                        body,
                    },
                    Err(err) => failure(&err.to_string()),
                }
            }
            Err(err) => failure(&err.to_string()),
        }
    }
}

/// A scrape that failed: the reason goes to the operator's log; the client learns only
/// that it failed (the reason may name the host's namespaces and containers).
/// A line for the operator's log (standard error). Written while serving, so a closed
/// standard error must not end the exporter (`eprintln!` would panic).
pub fn log(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "rnetstat serve: {line}");
}

fn failure(why: &str) -> Reply {
    log(&format!("scrape failed: {why}"));
    Reply {
        status: 500,
        content_type: "text/plain",
        body: b"scrape failed; the reason is in rnetstat serve's log\n".to_vec(),
    }
}

impl Exporter {
    /// An exporter that collects what `cfg` selects, reading `/proc` at `proc_root`.
    pub fn new(cfg: ExporterConfig, proc_root: ProcRoot) -> Exporter {
        Exporter {
            cfg,
            proc_root,
            state: Mutex::new(State::default()),
            kernel: None,
        }
    }

    /// Shows the kernel's events counted into `k` (by the command's tracer) at each scrape.
    pub fn with_kernel_events(
        mut self,
        k: Arc<Mutex<crate::kernel_events::KernelEvents>>,
    ) -> Exporter {
        self.kernel = Some(k);
        self
    }
}
