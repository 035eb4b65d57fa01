//! One `top` refresh: the selected namespaces' TCP sockets dumped with `tcp_info`, the five
//! numbers a row needs taken from each as it streams past (no record kept), and the /proc
//! walk that names their processes run beside the dump. Shared by the plain frames
//! (`top`) and the full screen (`top_screen`).

use std::io;
use std::time::Instant;

use crate::config::TopConfig;
use crate::error::Error;
use crate::output::top::Conn;
use crate::source::diff::Key;
use crate::source::netns::Space;
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;
use crate::source::rates::Counters;
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
