//! `rnetstat top`: throughput from the kernel's own per-socket counters. Each refresh
//! dumps the selected namespaces' TCP sockets with `tcp_info`, and the rates are the
//! change since the refresh before ([`rates`]), per connection or summed per process,
//! container or local port ([`top`]). On a terminal it is a full screen (ratatui); with
//! `--once`, `-c`, `--json` or no terminal it prints plain frames; `--once` takes two
//! samples an interval apart and prints one.

use std::io::{self, Write};
use std::time::{Instant, SystemTime};

use crate::cli::TopArgs;
use crate::config::TopConfig;
use crate::error::Error;
use crate::hash::Map;
use crate::output::events::rfc3339;
use crate::output::top::{self, Conn};
use crate::source::containers::RuntimeFiles;
use crate::source::diff::Key;
use crate::source::netns::{self, Space};
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;
use crate::source::rates::{Counters, rates};
use crate::source::{self};

/// One refresh: each connection's key, counters and what a row shows of it.
pub(crate) struct Sample {
    pub at: Instant,
    pub counters: Vec<(Key, Counters)>,
    pub conns: Vec<Conn>,
}

/// Takes what a frame needs of each TCP socket as it is collected: no record is kept.
struct Taker {
    counters: Vec<(Key, Counters)>,
    conns: Vec<Conn>,
    /// Each connection's inode, to name its process once the /proc walk is done.
    inodes: Vec<u32>,
    /// The label of the namespace last seen (records come namespace by namespace).
    place: Option<(u64, String)>,
}

impl Taker {
    fn label(&mut self, s: &crate::model::Socket<'_>) -> String {
        let ns = s.netns.map_or(0, |n| n.inode);
        match &self.place {
            Some((i, l)) if *i == ns => l.clone(),
            _ => {
                let l = s
                    .netns
                    .map_or_else(|| "-".to_string(), |n| n.label().to_string());
                self.place = Some((ns, l.clone()));
                l
            }
        }
    }
}

impl crate::source::Sink for Taker {
    fn group(&mut self, _: crate::source::Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &crate::model::Socket<'_>) -> io::Result<()> {
        let Some(info) = s.tcp_info.as_deref() else {
            return Ok(());
        };
        let ns = s.netns.map_or(0, |n| n.inode);
        let key = crate::source::diff::key(ns, s);
        let (acked, received) = (
            info.bytes_acked.unwrap_or(0),
            info.bytes_received.unwrap_or(0),
        );
        self.counters.push((
            key,
            Counters {
                acked,
                received,
                retrans: u64::from(info.total_retrans.unwrap_or(0)),
            },
        ));
        self.inodes.push(s.inode);
        let place = self.label(s);
        self.conns.push(Conn {
            local: std::net::SocketAddr::new(s.local.addr, s.local.port),
            remote: std::net::SocketAddr::new(s.remote.addr, s.remote.port),
            state: s.state.name(),
            process: None,
            place,
            rate: None,
            acked,
            received,
            rtt_us: info.rtt,
            recv_q: u64::from(s.recv_q),
            send_q: u64::from(s.send_q),
        });
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        eprintln!("rnetstat: warning: {msg}");
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(crate) fn sample(
    cfg: &TopConfig,
    proc_root: &ProcRoot,
    spaces: &[Space],
) -> Result<Sample, Error> {
    let mut t = Taker {
        counters: Vec::new(),
        conns: Vec::new(),
        inodes: Vec::new(),
        place: None,
    };
    // The /proc walk that names processes runs beside the dump.
    let (owners, collected) = std::thread::scope(|sc| {
        let walk = sc.spawn(|| Owners::scan(proc_root));
        let collected = source::collect(&cfg.selection, proc_root, spaces, &[], &mut t);
        (
            walk.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            collected,
        )
    });
    collected?;
    let at = Instant::now();
    for (c, &ino) in t.conns.iter_mut().zip(&t.inodes) {
        c.process = owners.holders(ino).first().map(|(_, h)| {
            let name = owners
                .process(h.pid)
                .map_or(String::new(), |p| p.comm.clone());
            (h.pid, name)
        });
    }
    Ok(Sample {
        at,
        counters: t.counters,
        conns: t.conns,
    })
}

pub fn run(a: &TopArgs) -> Result<(), Error> {
    let cfg = TopConfig::from_args(a)?;
    let proc_root = ProcRoot::default();
    let spaces = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
    use std::io::IsTerminal;
    if !cfg.once && !cfg.json && !cfg.frames && io::stdout().is_terminal() {
        return super::top_screen::run(cfg, &proc_root, &spaces);
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut before: Option<(Instant, Map<Key, Counters>)> = None;
    if cfg.once {
        let s = sample(&cfg, &proc_root, &spaces)?;
        before = Some((s.at, s.counters.into_iter().collect()));
        std::thread::sleep(cfg.interval);
    }
    loop {
        let mut now = sample(&cfg, &proc_root, &spaces)?;
        let seconds = before
            .as_ref()
            .map_or(0.0, |(t, _)| now.at.duration_since(*t).as_secs_f64());
        let r = rates(before.as_ref().map(|(_, m)| m), &now.counters, seconds);
        for (c, rate) in now.conns.iter_mut().zip(r) {
            c.rate = rate;
        }
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
        if cfg.once {
            return Ok(());
        }
        before = Some((now.at, now.counters.into_iter().collect()));
        std::thread::sleep(cfg.interval);
    }
}
