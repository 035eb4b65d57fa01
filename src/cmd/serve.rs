//! `rnetstat serve`: the exporter over HTTP. Each scrape collects afresh, but scrapes that
//! arrive while a collection runs share the next one (single flight), so a burst of
//! scrapers costs at most two collections. Counters that span scrapes
//! (`rnetstat_scrape_errors_total`, `rnetstat_series_dropped_total`) live here.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::cli::ServeArgs;
use crate::config::{ExporterConfig, ServeConfig};
use crate::error::Error;
use crate::output::metrics::encode::{self, Format};
use crate::output::metrics::{Exposition, scrape_families};
use crate::serve::web_config::WebConfig;
use crate::serve::{self, Handler, Reply, Request};
use crate::source::containers::RuntimeFiles;
use crate::source::netns;
use crate::source::procfs::ProcRoot;

struct Exporter {
    cfg: ExporterConfig,
    proc_root: ProcRoot,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The latest collection and when it started.
    last: Option<(Instant, Arc<Exposition>)>,
    errors: BTreeMap<String, u64>,
    dropped: u64,
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
        let (mut done, seconds) = super::metrics::scrape(&self.cfg, &self.proc_root)?;
        for w in &done.warnings {
            log(&format!("warning: {w}"));
        }
        for n in done.failed {
            *st.errors.entry(n).or_default() += 1;
        }
        st.dropped += done.dropped;
        let errors: Vec<(String, u64)> = st.errors.iter().map(|(k, v)| (k.clone(), *v)).collect();
        done.exposition
            .families
            .extend(scrape_families(seconds, &errors, st.dropped));
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
fn log(line: &str) {
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

pub fn run(a: &ServeArgs) -> Result<(), Error> {
    let cfg = ServeConfig::from_args(a)?;
    let web = match &a.web_config_file {
        Some(p) => WebConfig::load(p)
            .map_err(|e| Error::Usage(format!("--web.config.file {}: {e}", p.display())))?,
        None => WebConfig::none(),
    };
    for w in &web.warnings {
        log(&format!("warning: --web.config.file: {w}"));
    }
    let proc_root = ProcRoot::default();
    // Namespaces and containers named with -N / --container must exist now: an exporter
    // whose every scrape would fail does not start.
    netns::select(
        &cfg.exporter.netns,
        &proc_root,
        &mut RuntimeFiles::new("/"),
        false,
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let listener = TcpListener::bind(cfg.listen)
        .map_err(|e| Error::Usage(format!("--listen {}: {e}", cfg.listen)))?;
    let at = listener.local_addr().map_err(Error::Output)?;
    let scheme = if web.tls.is_some() { "https" } else { "http" };
    log(&format!("metrics at {scheme}://{at}/metrics"));
    if !at.ip().is_loopback() {
        let warning = match (web.tls.is_some(), web.auth.is_some()) {
            (false, false) => Some(
                "without TLS or authentication: anyone who can reach it reads this host's \
                 socket tables",
            ),
            (false, true) => {
                Some("without TLS: passwords and socket tables cross the network in the clear")
            }
            (true, false) => Some(
                "without authentication: anyone who can reach it reads this host's socket tables",
            ),
            (true, true) => None,
        };
        if let Some(w) = warning {
            log(&format!(
                "warning: listening on {at}, beyond loopback, {w}; see --web.config.file"
            ));
        }
    }
    // Every connection may hold two descriptors: take what the hard limit allows.
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    if let Some(max) = limit.maximum {
        let _ = rustix::process::setrlimit(
            rustix::process::Resource::Nofile,
            rustix::process::Rlimit {
                current: Some(max),
                maximum: Some(max),
            },
        );
    }
    let exporter = Exporter {
        cfg: cfg.exporter,
        proc_root,
        state: Mutex::new(State::default()),
    };
    let opts = serve::Options {
        timeout: cfg.timeout,
        max_connections: cfg.max_connections,
    };
    serve::run(&listener, opts, &web, &exporter).map_err(Error::Output)
}
