//! `rnetstat serve`: the exporter over HTTP. Checks what it was given (the web
//! configuration, the namespaces), says where it listens and what it lacks beyond loopback,
//! then serves [`Exporter`] with [`server::run`].

use std::net::TcpListener;

use crate::cli::ServeArgs;
use crate::config::ServeConfig;
use crate::error::Error;
use crate::exporter::exporter::{Exporter, log};
use crate::exporter::server::{self, Options};
use crate::exporter::web_config::WebConfig;
use crate::source::containers::RuntimeFiles;
use crate::source::netns;
use crate::source::procfs::ProcRoot;

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
    let kernel = super::serve_events::start(&cfg.exporter.netns, &proc_root);
    let mut exporter = Exporter::new(cfg.exporter, proc_root);
    if let Some(k) = kernel {
        exporter = exporter.with_kernel_events(k);
    }
    let opts = Options {
        timeout: cfg.timeout,
        max_connections: cfg.max_connections,
    };
    server::run(&listener, opts, &web, &exporter).map_err(Error::Output)
}
