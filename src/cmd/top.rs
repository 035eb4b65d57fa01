//! `rnetstat top`: throughput from the kernel's own per-socket counters. Each refresh
//! dumps the selected namespaces' TCP sockets with `tcp_info`, and the rates are the
//! change since the refresh before ([`rates`]), per connection or summed per process,
//! container or local port ([`top`]). On a terminal it is a full screen (ratatui); with
//! `--once`, `--count`, `-c`, `--json` or no terminal it prints plain frames; `--once`
//! takes two samples an interval apart and prints one, `--count N` prints N and exits.

use std::io::{self, Write};
use std::time::{Instant, SystemTime};

use super::top_sample::sample;
use crate::cli::TopArgs;
use crate::config::TopConfig;
use crate::error::Error;
use crate::hash::Map;
use crate::output::events::rfc3339;
use crate::output::top;
use crate::source::containers::RuntimeFiles;
use crate::source::diff::Key;
use crate::source::netns;
use crate::source::procfs::ProcRoot;
use crate::source::rates::{Counters, rates};

pub fn run(a: &TopArgs) -> Result<(), Error> {
    let cfg = TopConfig::from_args(a)?;
    let proc_root = ProcRoot::default();
    let spaces = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
    use std::io::IsTerminal;
    if !cfg.once && !cfg.json && !cfg.frames && io::stdout().is_terminal() {
        return super::top_terminal::run(cfg, &proc_root, &spaces);
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut before: Option<(Instant, Map<Key, Counters>)> = None;
    // The first sample of --once is only for its counters: no names, no walk.
    let mut owned = super::top_sample::Owned::default();
    if cfg.once {
        let s = sample(&cfg, &proc_root, &spaces, None)?;
        before = Some((s.at, s.counters.into_iter().collect()));
        std::thread::sleep(cfg.interval);
    }
    for frame in 1.. {
        let mut now = sample(&cfg, &proc_root, &spaces, Some(&mut owned))?;
        let seconds = before
            .as_ref()
            .map_or(0.0, |(t, _)| now.at.duration_since(*t).as_secs_f64());
        let r = rates(before.as_ref().map(|(_, m)| m), &now.counters, seconds);
        for (c, rate) in now.conns.iter_mut().zip(r) {
            c.rate = rate;
        }
        now.judge(before.as_ref().map(|(_, m)| m), seconds);
        let rows = top::rows(cfg.view, &now.conns, cfg.rows);
        top::frame(
            &mut out,
            cfg.json,
            &rfc3339(SystemTime::now()),
            seconds,
            cfg.view,
            &rows,
            top::totals(&now.conns),
        )
        .map_err(Error::Output)?;
        out.flush().map_err(Error::Output)?;
        if cfg.once || cfg.count.is_some_and(|n| frame >= n) {
            break;
        }
        before = Some((now.at, now.counters.into_iter().collect()));
        std::thread::sleep(cfg.interval);
    }
    Ok(())
}
